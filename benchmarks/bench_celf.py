"""Seeding strategies at 10^5 people: greedy CELF's time and reach, and the cost of the others.

Run from the project root::

    python benchmarks/bench_celf.py [--quick]

``--quick`` uses 10^4 people instead of 10^5 and two blocks instead of three. The
Markdown report is printed and written to ``benchmarks/out/celf.md``
(``celf_quick.md``); progress goes to stderr.

What is measured, on Watts-Strogatz (k = 10, p = 0.1; IC p = 0.05) and
Barabási-Albert (m = 5; IC p = 0.01), probabilities below both epidemic thresholds
so that cascades stay small:

1. ``greedy_seeds`` for 10 seeds with 100 and with 1,000 Monte Carlo live-edge
   samples: wall time (median over blocks), marginal-gain evaluations (the first
   pass evaluates everyone once; the rest are CELF's lazy re-evaluations), and the
   expected reach estimated on those samples (optimistic: the winner's curse);
2. the expected reach of greedy's seeds against top_degree, degree_discount and
   random seeds, on 4,000 fresh cascades whose coins the planner never saw (the
   same coins for every strategy: a paired comparison, with standard errors);
3. the time every other strategy takes to choose 10 seeds.

Blocks alternate the two networks and, inside a block, the strategies, so that a
busy machine slows all of them alike. Numba functions are compiled before timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"

try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # run from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from sim.config import IndependentCascade, Seeding  # noqa: E402
from sim.network.generators import barabasi_albert, watts_strogatz  # noqa: E402
from sim.rules import IndependentCascadeRule  # noqa: E402
from sim.seeding import choose_seeds, greedy_seeds  # noqa: E402

SEED = 20_261_122
COUNT = 10
SAMPLES = (100, 1000)  # few samples overfit (winner's curse); many cost linear time
CHECK_CASCADES = 4000
NETWORKS = {
    "watts_strogatz k=10 p=0.1": (lambda n, rng: watts_strogatz(n, 10, 0.1, rng=rng), 0.05),
    "barabasi_albert m=5": (lambda n, rng: barabasi_albert(n, 5, rng=rng), 0.01),
}
OTHER_STRATEGIES = (
    "random",
    "top_degree",
    "top_pagerank",
    "kcore",
    "betweenness",
    "degree_discount",
    "random_neighbor",
    "community:label_propagation",
    "community:louvain",
)

# networkx's Louvain takes minutes on a 10^5-person Barabasi-Albert network (stopped
# unfinished after 5.6 min of CPU, measured once); it is timed at --quick size only
TOO_SLOW_AT_FULL_SIZE = {("barabasi_albert m=5", "community:louvain")}


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def seeding_for(strategy: str) -> Seeding:
    name, _, method = strategy.partition(":")
    options = {"method": method} if method else {}
    return Seeding(strategy=name, count=COUNT, **options)


def warm_up() -> None:
    """Compile every numba function on a small graph before anything is timed."""
    graph = watts_strogatz(500, 10, 0.1, rng=np.random.default_rng(0))
    rule = IndependentCascade(model="independent_cascade", p=0.05)
    for strategy in OTHER_STRATEGIES:
        choose_seeds(graph, seeding_for(strategy), np.random.default_rng(0), rule=rule)
    greedy_seeds(graph, 0.05, np.random.default_rng(0), count=3, samples=5)
    expected_reach(graph, np.arange(3), 0.05, 10)


def expected_reach(graph, seeds, p: float, n_cascades: int) -> np.ndarray:
    """Reach of ``n_cascades`` fresh cascades from ``seeds`` (keys the planner never saw)."""
    keys = np.random.default_rng([SEED, 7]).integers(0, 2**64, n_cascades, dtype=np.uint64)
    per_cascade = np.tile(np.asarray(seeds, dtype=np.int32), (n_cascades, 1))
    sizes = IndependentCascadeRule(p).final_sizes((graph.indptr, graph.indices), per_cascade, keys)
    return sizes[:, 0].astype(np.float64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 people, two blocks")
    args = parser.parse_args(argv)
    n = 10**4 if args.quick else 10**5
    n_blocks = 2 if args.quick else 3

    log("compiling ...")
    warm_up()
    graphs = {}
    for name, (build, p) in NETWORKS.items():
        graphs[name] = (build(n, np.random.default_rng([SEED, len(graphs)])), p)

    greedy_times = {(name, s): [] for name in graphs for s in SAMPLES}
    greedy_results = {}
    other_times = {(name, s): [] for name in graphs for s in OTHER_STRATEGIES}
    for block in range(n_blocks):
        names = list(graphs) if block % 2 == 0 else list(reversed(graphs))
        for name in names:
            graph, p = graphs[name]
            rule = IndependentCascade(model="independent_cascade", p=p)
            for samples in SAMPLES if block % 2 == 0 else SAMPLES[::-1]:
                start = time.perf_counter()
                result = greedy_seeds(
                    graph, p, np.random.default_rng([SEED, 1]), count=COUNT, samples=samples
                )
                greedy_times[(name, samples)].append(time.perf_counter() - start)
                greedy_results[(name, samples)] = result
                log(
                    f"block {block} {name}: greedy/{samples} "
                    f"{greedy_times[(name, samples)][-1]:.1f} s"
                )
            strategies = OTHER_STRATEGIES if block % 2 == 0 else OTHER_STRATEGIES[::-1]
            for strategy in strategies:
                if not args.quick and (name, strategy) in TOO_SLOW_AT_FULL_SIZE:
                    continue
                start = time.perf_counter()
                choose_seeds(graph, seeding_for(strategy), np.random.default_rng(block), rule=rule)
                other_times[(name, strategy)].append(time.perf_counter() - start)
            log(f"block {block} {name}: other strategies done")

    lines = [
        f"# Seeding strategies at n = {n:,}",
        "",
        f"Measured {dt.date.today()} on {platform.system()} {platform.machine()}, "
        f"{numba.config.NUMBA_NUM_THREADS} threads available, Python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}. "
        f"Medians over {n_blocks} alternating blocks (all values in brackets).",
        "",
        f"## Greedy CELF: {COUNT} seeds",
        "",
        "| network | IC p | samples | time (s) | evaluations (first pass + lazy) "
        "| reach estimated on its samples |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (graph, p) in graphs.items():
        for samples in SAMPLES:
            result = greedy_results[(name, samples)]
            times = greedy_times[(name, samples)]
            lazy = result.evaluations - graph.n_nodes
            lines.append(
                f"| {name} | {p} | {samples:,} | {statistics.median(times):.1f} "
                f"({', '.join(f'{t:.1f}' for t in times)}) | {graph.n_nodes:,} + {lazy} | "
                f"{result.value:.1f} |"
            )
    lines += [
        "",
        f"## Expected reach of {COUNT} seeds on {CHECK_CASCADES:,} fresh cascades",
        "",
        "Paired with greedy (most samples) on the same coins: the difference and its standard "
        "error.",
        "",
        "| network | strategy | mean reach | greedy/1000 minus this (SE) |",
        "|---|---|---:|---:|",
    ]
    for name, (graph, p) in graphs.items():
        rule = IndependentCascade(model="independent_cascade", p=p)
        best = greedy_results[(name, max(SAMPLES))].seeds
        greedy_reach = expected_reach(graph, best, p, CHECK_CASCADES)
        lines.append(f"| {name} | greedy/{max(SAMPLES)} | {greedy_reach.mean():.1f} | |")
        others = [(f"greedy/{s}", greedy_results[(name, s)].seeds) for s in SAMPLES[:-1]]
        for strategy in ("top_degree", "degree_discount", "random"):
            seeds = choose_seeds(graph, seeding_for(strategy), np.random.default_rng(0), rule=rule)
            others.append((strategy, seeds))
        for strategy, seeds in others:
            reach = expected_reach(graph, seeds, p, CHECK_CASCADES)
            difference = greedy_reach - reach
            se = difference.std(ddof=1) / np.sqrt(difference.size)
            lines.append(
                f"| {name} | {strategy} | {reach.mean():.1f} | {difference.mean():+.1f} "
                f"({se:.1f}) |"
            )
    lines += [
        "",
        f"## Time to choose {COUNT} seeds (s)",
        "",
        "| strategy | " + " | ".join(graphs) + " |",
        "|---|" + "---:|" * len(graphs),
    ]
    for strategy in OTHER_STRATEGIES:
        cells = [
            f"{statistics.median(other_times[(name, strategy)]):.3f}"
            if other_times[(name, strategy)]
            else "not run (minutes; see the script)"
            for name in graphs
        ]
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / ("celf_quick.md" if args.quick else "celf.md")).write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
