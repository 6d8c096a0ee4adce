"""Every rule, with and without modifiers, on a Watts-Strogatz network of 10^6 people.

Run from the project root::

    python benchmarks/bench_rules.py [--n 1000000] [--repeats 3]

For each rule, ``BuzzModel(create_agents=False).run()`` on one prebuilt network
(k = 10, rewiring 0.1), seeded with 100 random people; the median of ``--repeats``
runs (replications 0, 1, 2: different seeds and coins). Reported per rule: steps the
run took, seconds, steps per second, people per second (``n * steps / seconds``: how
fast the run moves the whole population forward) and the final reach. The first run
of each rule is a warm-up (numba compilation) and is not timed. The Markdown table is
printed and written to ``benchmarks/out/rules.md``.

Which rules scale with the active people, and which scan everyone: independent
cascade and the rumour visit only the edges (calls) of this step's sharers
(spreaders); linear threshold, the edges of this step's new sharers; Bass with
``p_external > 0`` looks at everyone who has not adopted, every step (ads reach
anyone), and says so in its table row.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numba

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"

try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # run from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from sim.config import scenario_from_dict  # noqa: E402
from sim.model import BuzzModel  # noqa: E402
from sim.network.generators import build_network  # noqa: E402
from sim.randomness import RunStreams  # noqa: E402

PEOPLE = {
    "activity": {"distribution": "beta", "a": 4.0, "b": 2.0},
    "susceptibility": {"distribution": "lognormal", "sigma": 0.3},
    "influence": {"distribution": "degree_power", "exponent": 0.5},
    "roles": [{"name": "protected", "select": {"fraction": 0.2}, "visibility": 0.4}],
}
CASES = [
    ("independent_cascade p=0.2", {"model": "independent_cascade", "p": 0.2}, {}, "active"),
    ("independent_cascade p=0.5 + modifiers", {"model": "independent_cascade", "p": 0.5},
     PEOPLE, "active"),
    ("linear_threshold threshold=0.1", {"model": "linear_threshold", "threshold": 0.1}, {},
     "active"),
    ("linear_threshold + modifiers", {"model": "linear_threshold", "threshold": 0.1},
     PEOPLE, "active"),
    ("bass p_external=0 q=0.5 (word of mouth)", {"model": "bass", "p_external": 0.0,
                                                 "q": 0.5}, {}, "active"),
    ("bass p_external=0.01 q=0.4 (ads)", {"model": "bass", "p_external": 0.01, "q": 0.4}, {},
     "scans everyone not yet adopted, every step"),
    ("rumor maki_thompson lambda=1 alpha=1", {"model": "rumor", "lambda": 1.0, "alpha": 1.0},
     {}, "active"),
    ("rumor + modifiers", {"model": "rumor", "lambda": 1.0, "alpha": 1.0}, PEOPLE, "active"),
]


def scenario(n_nodes: int, rule: dict, people: dict, steps: int):
    return scenario_from_dict({
        "name": "bench_rules", "seed": 7, "steps": steps,
        "network": {"model": "watts_strogatz", "n": n_nodes, "k": 10, "p": 0.1},
        "messages": [{"name": "m", "rule": rule,
                      "seeding": {"strategy": "random", "count": 100}}],
        "people": people,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    base = scenario(args.n, CASES[0][1], {}, args.steps)
    graph = build_network(base.network, RunStreams(base.seed, 0).network_rng())
    rows = []
    for label, rule, people, cost in CASES:
        spec = scenario(args.n, rule, people, args.steps)
        BuzzModel(spec, replication=99, graph=graph, create_agents=False).run()  # warm-up
        timings, steps, reaches = [], [], []
        for replication in range(args.repeats):
            model = BuzzModel(spec, replication=replication, graph=graph, create_agents=False)
            started = time.perf_counter()
            model.run()
            timings.append(time.perf_counter() - started)
            steps.append(model.t)
            reaches.append(model.count("heard"))
        seconds = statistics.median(timings)
        n_steps = statistics.median(steps)
        rows.append((label, n_steps, seconds, n_steps / seconds, args.n * n_steps / seconds,
                     statistics.median(reaches) / args.n, cost))
        print(f"{label}: {seconds:.3f} s", file=sys.stderr)
    lines = [
        f"Watts-Strogatz n = {args.n:,}, k = 10, p = 0.1; 100 random seeds; median of "
        f"{args.repeats} runs of `BuzzModel.run()` (numba {numba.__version__}, "
        f"{platform.machine()}, {numba.config.NUMBA_NUM_THREADS} threads available).",
        "",
        "| rule | steps | seconds | steps/s | people/s | reach | per-step cost grows with |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, n_steps, seconds, per_second, people, reach, cost in rows:
        grows = "the active people" if cost == "active" else cost
        lines.append(f"| {label} | {n_steps:.0f} | {seconds:.3f} | {per_second:,.0f} | "
                     f"{people:.2e} | {reach:.1%} | {grows} |")
    report = "\n".join(lines)
    print(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "rules.md").write_text(report + "\n")



if __name__ == "__main__":
    main()
