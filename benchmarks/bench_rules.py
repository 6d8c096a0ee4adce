"""Every rule, with and without modifiers, on a Watts-Strogatz network of 10^6 people.

Run from the project root::

    python benchmarks/bench_rules.py [--n 1000000] [--repeats 3]
    python benchmarks/bench_rules.py --against REV [--rounds 2]   # this tree vs a commit

With ``--against`` the same cases run in this tree and in a git worktree of ``REV``
(made for the run and removed after), in separate processes, alternating tree by
tree for ``--rounds`` rounds; the table gives each tree's median seconds per rule and
their ratio (this tree / ``REV``), written to ``benchmarks/out/rules_against.md``.

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
anyone), and says so in its table row; sir and sis visit the edges of everyone
sharing at the step (sharers share for 1 / gamma steps on average), and sis, endemic
here, runs all ``--steps``. The cascade on ties of weight 2 has the first case's chance
per tie, so its time over the first case's is the cost of weights. The opinion rules
move everyone at every step: the voter model draws one neighbour per person (100
holders of 10^6 reach no consensus in ``--steps``), Deffuant's matching draws a coin
per tie and then checks every tie for whether opinions have settled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
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

from sim import rules  # noqa: E402
from sim.config import scenario_from_dict  # noqa: E402
from sim.model import BuzzModel  # noqa: E402
from sim.randomness import RunStreams  # noqa: E402

try:
    from sim.network.generators import build_network
except ImportError:  # a tree from before sim/ was regrouped (--against)
    from sim.networks import build_network

PEOPLE = {
    "activity": {"distribution": "beta", "a": 4.0, "b": 2.0},
    "susceptibility": {"distribution": "lognormal", "sigma": 0.3},
    "influence": {"distribution": "degree_power", "exponent": 0.5},
    "roles": [{"name": "protected", "select": {"fraction": 0.2}, "visibility": 0.4}],
}
# every tie weighs 2 and p = 1 - sqrt(0.8): each tie convinces with probability 0.2, as
# in the first case, so the two runs differ only by the cost of weights
WEIGHTED_IC = "independent_cascade on ties of weight 2 (0.2 per tie)"
TIE_WEIGHT = 2.0
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
    (WEIGHTED_IC, {"model": "independent_cascade", "p": 1 - 0.8**0.5}, {}, "active"),
    ("sir beta=0.1 gamma=0.4", {"model": "sir", "beta": 0.1, "gamma": 0.4}, {},
     "everyone sharing, not only who started"),
    ("sir beta=0.3 + modifiers", {"model": "sir", "beta": 0.3, "gamma": 0.4}, PEOPLE,
     "everyone sharing, not only who started"),
    ("sis beta=0.1 gamma=0.4 (endemic: runs every step)", {"model": "sis", "beta": 0.1,
                                                           "gamma": 0.4}, {},
     "everyone sharing, not only who started"),
    ("voter (100 hold the view: no consensus, runs every step)", {"model": "voter"}, {},
     "everyone, every step (each copies a neighbour)"),
    ("bounded_confidence deffuant epsilon=0.2 mu=0.5",
     {"model": "bounded_confidence", "variant": "deffuant", "epsilon": 0.2, "mu": 0.5}, {},
     "every tie, every step (the matching, then whether opinions settled)"),
]


def scenario(n_nodes: int, rule: dict, people: dict, steps: int):
    return scenario_from_dict({
        "name": "bench_rules", "seed": 7, "steps": steps,
        "network": {"model": "watts_strogatz", "n": n_nodes, "k": 10, "p": 0.1},
        "messages": [{"name": "m", "rule": rule,
                      "seeding": {"strategy": "random", "count": 100}}],
        "people": people,
    })


def time_cases(
    n_nodes: int, steps: int, repeats: int, only: str = ""
) -> dict[str, dict[str, list]]:
    """Each case's run times (seconds), steps and reaches, after a warm-up run."""
    base = scenario(n_nodes, CASES[0][1], {}, steps)
    plain = build_network(base.network, RunStreams(base.seed, 0).network_rng())
    measured = {}
    for label, rule, people, _ in CASES:
        if only not in label:
            continue
        if rule["model"] not in rules.names() or (
            label == WEIGHTED_IC and not hasattr(plain, "with_weights")
        ):
            continue  # a tree from before the rule or the weights (--against)
        spec = scenario(n_nodes, rule, people, steps)
        graph = plain
        if label == WEIGHTED_IC:
            graph = plain.with_weights(np.full(plain.n_edges, TIE_WEIGHT))
        BuzzModel(spec, replication=99, graph=graph, create_agents=False).run()  # warm-up
        timings, n_steps, reaches = [], [], []
        for replication in range(repeats):
            model = BuzzModel(spec, replication=replication, graph=graph, create_agents=False)
            started = time.perf_counter()
            model.run()
            timings.append(time.perf_counter() - started)
            n_steps.append(model.t)
            reaches.append(model.count("heard"))
        measured[label] = {"seconds": timings, "steps": n_steps, "reach": reaches}
        print(f"{label}: {statistics.median(timings):.3f} s", file=sys.stderr)
    return measured


def against(rev: str, n_nodes: int, steps: int, repeats: int, rounds: int, only: str) -> None:
    """This tree against a worktree of ``rev``: alternating processes, medians, ratios."""
    folder = Path(tempfile.mkdtemp(prefix="bench_rules_"))
    tree = folder / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                   check=True, capture_output=True)
    trees = {"this tree": ROOT, rev: tree}
    seconds: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    reaches: dict[str, dict[str, list[int]]] = {name: {} for name in trees}
    try:
        for round_number in range(rounds):
            order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
            for name in order:
                env = {**os.environ, "PYTHONPATH": str(trees[name])}
                done = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--json", "--n",
                     str(n_nodes), "--steps", str(steps), "--repeats", str(repeats),
                     "--only", only],
                    cwd=trees[name], env=env, capture_output=True, text=True, check=True,
                )
                for label, values in json.loads(done.stdout).items():
                    seconds[name].setdefault(label, []).extend(values["seconds"])
                    reaches[name].setdefault(label, []).extend(values["reach"])
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
    new, old = list(trees)
    lines = [
        f"This tree against `{rev}`: Watts-Strogatz n = {n_nodes:,}, k = 10, p = 0.1; 100 "
        f"random seeds; {rounds} rounds of one process per tree, alternating, each timing "
        f"{repeats} runs of `BuzzModel.run()` per rule after a warm-up; medians "
        f"({platform.machine()}, {os.cpu_count()} cores, numba {numba.__version__}).",
        "",
        f"| rule | this tree (s) | {rev} (s) | ratio | same reach |",
        "|---|---:|---:|---:|---|",
    ]
    for label in [label for label in seconds[new] if label in seconds[old]]:
        a, b = statistics.median(seconds[new][label]), statistics.median(seconds[old][label])
        same = reaches[new][label] == reaches[old][label]
        lines.append(f"| {label} | {a:.3f} | {b:.3f} | {a / b:.3f} | {'yes' if same else 'NO'} |")
    report = "\n".join(lines)
    print(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "rules_against.md").write_text(report + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--against", metavar="REV", help="compare this tree with a commit")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default="", help="only the rules whose label has this text")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        against(args.against, args.n, args.steps, args.repeats, args.rounds, args.only)
        return
    measured = time_cases(args.n, args.steps, args.repeats, args.only)
    if args.json:
        print(json.dumps(measured))
        return
    rows = []
    for label, _, _, cost in CASES:
        if label not in measured:
            continue
        timings = measured[label]["seconds"]
        steps, reaches = measured[label]["steps"], measured[label]["reach"]
        seconds = statistics.median(timings)
        n_steps = statistics.median(steps)
        rows.append((label, n_steps, seconds, n_steps / seconds, args.n * n_steps / seconds,
                     statistics.median(reaches) / args.n, cost))
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
    if WEIGHTED_IC in measured and CASES[0][0] in measured:
        ratio = (statistics.median(measured[WEIGHTED_IC]["seconds"])
                 / statistics.median(measured[CASES[0][0]]["seconds"]))
        lines += ["", f"Weights cost {ratio:.2f} times the unweighted cascade's time in this "
                  "run (the same chance per tie; the weighted kernel takes the path with "
                  "modifiers and computes 1 - (1 - p)^w per tie)."]
    report = "\n".join(lines)
    print(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "rules.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
