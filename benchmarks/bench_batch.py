"""Batch engine: runs per second by executor, and the driver's memory as batches grow.

Run from the project root::

    python benchmarks/bench_batch.py [--quick]

1. A 1,000-run sweep (10 points x 100 replications) on a Watts-Strogatz network of
   10^4 people, run with the serial executor, local processes (2 workers) and a Dask
   LocalCluster (2 workers), alternating, ``--repeats`` times each; median runs/s and
   the ratio to serial per repeat. Start-up (forking workers, starting the cluster)
   is included: it is what a user waits for.
2. Peak resident memory of ``buzz run`` (the driver, a child process started from a
   small intermediate process so it does not inherit this one's peak) for 1,000 and
   10,000 runs of a small scenario with the serial executor: the store streams
   results to disk, so the driver's memory must stay flat.

Prints Markdown and writes it to ``benchmarks/out/batch.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from sim.batch import run_batch  # noqa: E402
from sim.config import scenario_from_dict  # noqa: E402


def sweep_scenario(n_points: int, replications: int, n_nodes: int = 10_000) -> dict:
    """A sweep over the sharing probability, ``n_points x replications`` runs."""
    values = [round(0.05 + 0.15 * i / max(1, n_points - 1), 4) for i in range(n_points)]
    return {
        "name": "bench", "seed": 1, "steps": 200, "replications": replications,
        "network": {"model": "watts_strogatz", "n": n_nodes, "k": 10, "p": 0.1},
        "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.1},
                      "seeding": {"strategy": "random", "count": 5}}],
        "sweep": {"grid": {"messages.promo.rule.p": values}},
    }


def time_executor(raw: dict, executor: str, workers: int, folder: Path) -> float:
    """Seconds for one whole batch, start-up included."""
    started = time.perf_counter()
    batch = run_batch(scenario_from_dict(raw), folder, executor=executor, workers=workers,
                      force=True)
    seconds = time.perf_counter() - started
    assert batch.complete
    return seconds


def executors_table(repeats: int, n_points: int, replications: int) -> str:
    raw = sweep_scenario(n_points, replications)
    n_runs = n_points * replications
    contestants = [("serial", 1), ("processes", 2), ("dask", 2)]
    seconds: dict[str, list[float]] = {name: [] for name, _ in contestants}
    with tempfile.TemporaryDirectory() as tmp:
        time_executor(sweep_scenario(2, 2), "serial", 1, Path(tmp) / "warm")  # numba cache
        for repeat in range(repeats):
            for name, workers in contestants:
                took = time_executor(raw, name, workers, Path(tmp) / name)
                seconds[name].append(took)
                print(f"repeat {repeat}: {name} {took:.2f} s", file=sys.stderr)
    lines = [f"### {n_runs:,} runs ({n_points} points x {replications} replications), "
             "Watts-Strogatz n = 10^4, k = 10\n",
             "| executor | workers | median s | median runs/s | vs serial (median of repeats) "
             "| per repeat |",
             "|---|---:|---:|---:|---:|---|"]
    for name, workers in contestants:
        ratios = [s / t for s, t in zip(seconds["serial"], seconds[name], strict=True)]
        median = statistics.median(seconds[name])
        lines.append(f"| {name} | {workers} | {median:.2f} | {n_runs / median:,.0f} | "
                     f"{statistics.median(ratios):.2f}x | "
                     f"{' '.join(f'{r:.2f}' for r in ratios)} |")
    return "\n".join(lines)


MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def driver_memory(n_runs: int, folder: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and wall seconds of `buzz run` for ``n_runs`` small runs."""
    raw = sweep_scenario(10, n_runs // 10, n_nodes=500)
    path = folder / f"memory-{n_runs}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    command = [sys.executable, "-m", "sim.cli", "run", str(path), "--out",
               str(folder / f"out-{n_runs}"), "--executor", "serial", "--quiet", "--force"]
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                            text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024, time.perf_counter() - started


def memory_table() -> str:
    lines = ["| runs | driver peak RSS MiB | wall s |", "|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for n_runs in (1_000, 10_000):
            peak, wall = driver_memory(n_runs, Path(tmp))
            print(f"{n_runs} runs: {peak:.0f} MiB, {wall:.1f} s", file=sys.stderr)
            lines.append(f"| {n_runs:,} | {peak:.0f} | {wall:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 runs, 2 repeats, no memory")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    header = (f"# Batch engine\n\nMachine: {platform.platform()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}; "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}.\n")
    if args.quick:
        parts = [header, executors_table(2, 10, 20)]
    else:
        parts = [header, executors_table(args.repeats, 10, 100),
                 "\n### Driver memory (serial executor, 500-person network)\n", memory_table()]
    report = "\n".join(parts) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("batch_quick.md" if args.quick else "batch.md")).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
