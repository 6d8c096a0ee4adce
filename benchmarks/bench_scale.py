"""Scale: a 10^7-person, 10^8-tie small world: build, one full cascade, network-stats.

Run from the project root::

    python benchmarks/bench_scale.py [--n 10000000] [--k 20]

Each part runs in a fresh child process, so that its peak resident memory
(``ru_maxrss`` of the child, read by the child itself at its end) is its own:

1. ``cascade``: ``sim.network.generators.watts_strogatz(n, k, 0.1)`` (int32 CSR), then
   ``BuzzModel(scenario, graph=g, create_agents=False)`` with one independent-cascade
   message (p = 0.2, 10 random seeds) and ``run()``: the path of ``buzz run``. No
   Mesa ``Person`` is created (batch runs never create them; ``create_agents=True``
   would make one Python object per person).
2. ``stats``: the same graph again, then ``sim.network.stats.network_stats`` as
   ``buzz network-stats --sources 100`` computes it: exact triangles and clustering,
   components, and path lengths sampled from 100 BFS sources (the giant component is
   far above the exact limit of 20,000; the default 500 sources take five times
   as long for the paths).

The report goes to stdout and ``benchmarks/out/scale.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"
SEED = 7
SOURCES = 100


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def child(part: str, n: int, k: int) -> dict:
    """One part, in this (child) process; returns its figures."""
    import numpy as np

    from sim.config import scenario_from_dict
    from sim.model import BuzzModel
    from sim.network.generators import watts_strogatz

    # compile (or load) the kernels on a small graph first: not part of the figures
    small = watts_strogatz(1000, k, 0.1, rng=np.random.default_rng(0))
    start = time.perf_counter()
    graph = watts_strogatz(n, k, 0.1, rng=np.random.default_rng(SEED))
    build = time.perf_counter() - start
    out = {"part": part, "n": n, "edges": graph.n_edges, "build_s": build,
           "graph_gib": graph.nbytes / 2**30, "index_dtype": str(graph.indices.dtype)}
    if part == "cascade":
        raw = {
            "name": "scale", "seed": SEED, "steps": 10_000,
            "network": {"model": "watts_strogatz", "n": n, "k": k, "p": 0.1},
            "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                          "seeding": {"strategy": "random", "count": 10}}],
        }
        warm = BuzzModel(scenario_from_dict({**raw, "network": {**raw["network"], "n": 1000}}),
                         graph=small, create_agents=False)
        warm.run()
        scenario = scenario_from_dict(raw)
        start = time.perf_counter()
        model = BuzzModel(scenario, graph=graph, create_agents=False)
        out["model_s"] = time.perf_counter() - start
        start = time.perf_counter()
        model.run()
        out["run_s"] = time.perf_counter() - start
        out["reach"] = model.count("heard")
        out["adopters"] = model.count("adopters")
        out["steps"] = model.t
        out["agents"] = len(model.people)
    else:
        from sim.network.stats import network_stats

        network_stats(small)
        start = time.perf_counter()
        stats = network_stats(graph, n_sources=SOURCES, rng=np.random.default_rng(SEED))
        out["stats_s"] = time.perf_counter() - start
        out["stats"] = {key: stats[key] for key in
                        ("triangles", "average_clustering", "transitivity", "paths")}
    out["peak_gib"] = _peak_gib()
    return out


def run_child(part: str, n: int, k: int) -> dict:
    command = [sys.executable, __file__, "--child", part, "--n", str(n), "--k", str(k)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - start
    return result


def report(cascade: dict, stats: dict) -> str:
    paths = stats["stats"]["paths"]
    total = cascade["build_s"] + cascade["model_s"] + cascade["run_s"]
    lines = [
        f"# Scale: Watts-Strogatz n = {cascade['n']:,}, {cascade['edges']:,} ties",
        "",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}",
        "- Rerun: `python benchmarks/bench_scale.py` (each part in a fresh process)",
        "",
        "| part | figure |",
        "|---|---|",
        f"| graph (int32 CSR, {cascade['index_dtype']} indices) | "
        f"{cascade['graph_gib']:.2f} GiB |",
        f"| build | {cascade['build_s']:.1f} s |",
        f"| BuzzModel(create_agents=False): state arrays, seeds | {cascade['model_s']:.2f} s |",
        f"| one full cascade, `run()` (IC p = 0.2, 10 seeds) | {cascade['run_s']:.1f} s: "
        f"reach {cascade['reach']:,}, adopters {cascade['adopters']:,}, "
        f"{cascade['steps']} steps |",
        f"| build + model + cascade | **{total:.1f} s** (target < 120 s) |",
        f"| peak RSS of that process | **{cascade['peak_gib']:.2f} GiB** (target < 8 GiB) |",
        f"| Person agents created | {cascade['agents']} |",
        f"| `network_stats` (exact triangles and clustering, {paths['sources']} BFS "
        f"sources) | **{stats['stats_s']:.0f} s** after a {stats['build_s']:.0f} s build |",
        f"| peak RSS of that process | {stats['peak_gib']:.2f} GiB |",
        f"| triangles / average clustering / transitivity | "
        f"{stats['stats']['triangles']:,} / {stats['stats']['average_clustering']:.4f} / "
        f"{stats['stats']['transitivity']:.4f} |",
        f"| diameter (lower bound) / mean path length (sampled) | "
        f"{paths['diameter']} / {paths['average_shortest_path_length']:.3f} |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**7)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--child", choices=["cascade", "stats"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.k)))
        return
    cascade = run_child("cascade", args.n, args.k)
    print(json.dumps(cascade), file=sys.stderr)
    stats = run_child("stats", args.n, args.k)
    print(json.dumps(stats), file=sys.stderr)
    text = report(cascade, stats)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "scale.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
