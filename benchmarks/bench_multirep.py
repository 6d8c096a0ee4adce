"""Many replications at once: the two kernels of sim.batch.multirep, and `buzz run` with them.

Run from the project root::

    python benchmarks/bench_multirep.py [--repeats 3]

1. ``independent_cascades(method="lanes")`` (64 replications per machine word, one
   traversal per step) against ``method="runs"`` (one branch-free traversal per
   replication), 2 threads, 128 replications with one random seed each, counts per
   step only; Watts-Strogatz (k = 10) and Barabasi-Albert (m = 5), n = 10^5, for
   several p. Blocks alternate; the ratio is lanes/runs in cascades per second. This
   is what sets ``LANES_FROM`` (the "auto" choice).
2. ``sim.run_batch`` (serial executor) on a scenario whose 200 replications share
   one network (``network.fixed``), with the multi-replication path on and off
   (``sim.batch.experiment.USE_MULTIREP``), alternating; tables compared equal.

The report goes to stdout and ``benchmarks/out/multirep.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"
try:
    import sim  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(ROOT))

from sim.batch import experiment, run_batch  # noqa: E402
from sim.batch.multirep import independent_cascades  # noqa: E402
from sim.config import scenario_from_dict  # noqa: E402
from sim.network.generators import barabasi_albert, watts_strogatz  # noqa: E402

SEED = 5
N_REPLICATIONS = 128


def kernels_table(repeats: int) -> str:
    rows = []
    rng = np.random.default_rng(SEED)
    graphs = {"WS": watts_strogatz(10**5, 10, 0.1, rng=rng),
              "BA": barabasi_albert(10**5, 5, rng=rng)}
    for kind, graph in graphs.items():
        mean_degree = graph.indices.size / graph.n_nodes
        for p in (0.1, 0.2, 0.3, 0.5):
            seeds = rng.integers(0, graph.n_nodes, (N_REPLICATIONS, 1))
            keys = rng.integers(0, 2**63, N_REPLICATIONS, dtype=np.uint64)
            rates: dict[str, list[float]] = {"lanes": [], "runs": []}
            sizes = {}
            for block in range(repeats):
                order = ["lanes", "runs"] if block % 2 == 0 else ["runs", "lanes"]
                for method in order:
                    start = time.perf_counter()
                    result = independent_cascades(graph, p, seeds, keys, 10_000, threads=2,
                                                  method=method)
                    rates[method].append(N_REPLICATIONS / (time.perf_counter() - start))
                    sizes[method] = result.final_sizes()
            assert np.array_equal(sizes["lanes"], sizes["runs"])
            ratios = [a / b for a, b in zip(rates["lanes"], rates["runs"], strict=True)]
            lanes, runs = statistics.median(rates["lanes"]), statistics.median(rates["runs"])
            rows.append(
                f"| {kind} | {p} | {p * mean_degree:.1f} | {sizes['runs'][:, 1].mean():,.0f} | "
                f"{lanes:,.1f} | {runs:,.1f} | **{statistics.median(ratios):.2f}** | "
                + " ".join(f"{r:.2f}" for r in ratios) + " |")
    head = ["| graph | p | p x mean degree | mean adopters | lanes cascades/s | runs cascades/s "
            "| lanes / runs (median) | per block |", "|---|---|---:|---:|---:|---:|---:|---|"]
    return "\n".join(head + rows)


def batch_table(repeats: int) -> str:
    rows = []
    for n in (10**4, 10**5):
        scenario = scenario_from_dict({
            "name": "together", "seed": SEED, "steps": 1000, "replications": 200,
            "network": {"model": "watts_strogatz", "n": n, "k": 10, "p": 0.1, "fixed": True},
            "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                          "seeding": {"strategy": "random", "count": 1}}],
        })
        seconds: dict[bool, list[float]] = {True: [], False: []}
        with tempfile.TemporaryDirectory() as tmp:
            for block in range(repeats):
                for on in ((True, False) if block % 2 == 0 else (False, True)):
                    experiment.USE_MULTIREP = on
                    start = time.perf_counter()
                    run_batch(scenario, Path(tmp) / f"{on}", executor="serial", force=True)
                    seconds[on].append(time.perf_counter() - start)
            experiment.USE_MULTIREP = True
            for name in ("runs", "timeseries"):
                pd.testing.assert_frame_equal(
                    pd.read_parquet(Path(tmp) / "True" / f"{name}.parquet"),
                    pd.read_parquet(Path(tmp) / "False" / f"{name}.parquet"))
        ratios = [b / a for a, b in zip(seconds[True], seconds[False], strict=True)]
        alone, together = statistics.median(seconds[False]), statistics.median(seconds[True])
        rows.append(f"| WS 10^{round(np.log10(n))} | 200 | {alone:.2f} | {together:.2f} | "
                    f"**{statistics.median(ratios):.2f}x** | "
                    + " ".join(f"{r:.2f}" for r in ratios) + " | yes |")
    head = ["| network (fixed) | replications | one at a time s | together s | speed-up (median) "
            "| per repeat | tables equal |", "|---|---:|---:|---:|---:|---|---|"]
    return "\n".join(head + rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warm = watts_strogatz(2000, 10, 0.1, rng=np.random.default_rng(0))
    for method in ("lanes", "runs"):
        independent_cascades(warm, 0.2, np.zeros((4, 1), np.int64), [1, 2, 3, 4], 100,
                             method=method, record_states=True)
    text = "\n".join([
        "# Many replications at once",
        "",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}; "
        f"{args.repeats} alternating blocks; rerun `python benchmarks/bench_multirep.py`",
        "",
        f"## Kernels: lanes vs runs ({N_REPLICATIONS} replications, 2 threads, n = 10^5)",
        "",
        kernels_table(args.repeats),
        "",
        "## `buzz run` (serial): replications one at a time vs together",
        "",
        batch_table(args.repeats),
        "",
    ])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "multirep.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
