"""Time ``sim.network.stats`` against networkx on the SNAP Facebook network.

Run from the project root::

    python benchmarks/bench_netstats.py [--data PATH]

Ours: one warm-up call (numba compiles or loads its cache), then the median of
three timed calls. networkx: each figure once, since its path lengths take
minutes. The Markdown table is printed and written to ``benchmarks/out/netstats.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "facebook_combined.txt"
OUT = ROOT / "benchmarks" / "out" / "netstats.md"

try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # run from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from sim.network.graph import Graph  # noqa: E402
from sim.network.stats import (  # noqa: E402
    local_clustering,
    network_stats,
    shortest_path_stats,
    transitivity,
    triangles_per_node,
)


def timed(func: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call takes, and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def median_time(func: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median seconds over ``repeat`` calls after one untimed warm-up call."""
    func()
    runs = [timed(func) for _ in range(repeat)]
    return statistics.median(seconds for seconds, _ in runs), runs[-1][1]


def machine() -> str:
    """One line describing the machine; call after a parallel kernel has run (threading layer)."""
    return (
        f"{platform.platform()}, {platform.machine()}, os.cpu_count()={os.cpu_count()}, "
        f"numba threads={numba.get_num_threads()} ({numba.threading_layer()}), "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"numba {numba.__version__}, networkx {nx.__version__}, "
        # The machine may be shared: the load says how much to trust the times.
        f"load average at the end {' '.join(f'{load:.1f}' for load in os.getloadavg())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SNAP edge list")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"edge list not found: {args.data}")

    pairs = np.loadtxt(args.data, dtype=np.int64, ndmin=2)
    graph = Graph.from_edges(pairs[:, 0], pairs[:, 1])
    nx_graph = nx.Graph()
    nx_graph.add_edges_from(pairs.tolist())

    # Ours. The two path figures come out of one BFS pass, so they share a time.
    ours = {
        "triangles": median_time(lambda: int(triangles_per_node(graph).sum()) // 3),
        "average_clustering": median_time(lambda: float(local_clustering(graph).mean())),
        "transitivity": median_time(lambda: transitivity(graph)),
    }
    path_seconds, paths = median_time(lambda: shortest_path_stats(graph))
    ours["diameter"] = (path_seconds, paths["diameter"])
    ours["average_shortest_path_length"] = (path_seconds, paths["average_shortest_path_length"])
    all_seconds, _ = median_time(lambda: network_stats(graph))

    theirs = {}
    for name, func in {
        "triangles": lambda: sum(nx.triangles(nx_graph).values()) // 3,
        "average_clustering": lambda: nx.average_clustering(nx_graph),
        "transitivity": lambda: nx.transitivity(nx_graph),
        "diameter": lambda: nx.diameter(nx_graph),
        "average_shortest_path_length": lambda: nx.average_shortest_path_length(nx_graph),
    }.items():
        theirs[name] = timed(func)
        print(f"networkx {name}: {theirs[name][0]:.2f} s", file=sys.stderr, flush=True)

    def value(figure: object) -> str:
        return f"{figure:.6f}" if isinstance(figure, float) else str(figure)

    lines = [
        f"# `network_stats` vs networkx on SNAP Facebook ({graph.n_nodes:,} nodes, "
        f"{graph.n_edges:,} edges)",
        "",
        f"Machine: {machine()}",
        "",
        "| figure | value (buzz) | value (networkx) | buzz (s) | networkx (s) | speed-up |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name, (seconds, result) in ours.items():
        nx_seconds, nx_result = theirs[name]
        shared = " *" if name in ("diameter", "average_shortest_path_length") else ""
        lines.append(
            f"| {name} | {value(result)} | {value(nx_result)} | {seconds:.4f}{shared} "
            f"| {nx_seconds:.2f} | {nx_seconds / seconds:,.0f}x |"
        )
    nx_total = sum(seconds for seconds, _ in theirs.values())
    lines += [
        f"| all of the above (`network_stats`) | | | {all_seconds:.4f} | {nx_total:.2f} "
        f"| {nx_total / all_seconds:,.0f}x |",
        "",
        "buzz: median of 3 calls after a warm-up call; networkx: one call each.",
        "\\* diameter and average shortest path length come from one all-sources BFS "
        "(`shortest_path_stats`, exact mode), timed once for both; networkx runs a BFS "
        "from every node for each. `network_stats` also computes degrees and components.",
    ]
    table = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(table)
    print(table)
    print(f"written to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
