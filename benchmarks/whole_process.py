"""Whole processes: `buzz run` against hand-written scripts for the same work.

Run from the project root (the peers come with ``pip install -e ".[dev,bench]"``)::

    python benchmarks/whole_process.py [--rounds 5] [--subset ndlib=4 eon=20 mesa=3]

What a user waits for is a whole process: interpreter start, imports, the graph, the
cascades, the results. This script writes a scenario and one script per peer into a
temporary folder (``--keep DIR`` keeps them, to read or run by hand) and runs each as
its own ``python`` process, contestant after contestant in a rotating order, for
``--rounds`` rounds; it reports the median wall time of each and, round by round, how
many times longer each took than ``buzz run`` (median of the rounds' ratios), and the CPU
time each used (user + system, with every process it waited for: buzz's kernel threads
and the helper process that draws its figure while the batch runs).

1. **The standard batch** (issue 12, target 1): 200 replications of an independent
   cascade, p = 0.2, 10 random seed people each, on one Watts-Strogatz network
   (n = 10^5, k = 10, rewiring 0.1; ``network.fixed: true``):

   - ``buzz run`` with the default executor and with ``--executor serial``
     (Parquet tables, summary table and figure included);
   - CyNetDiff as its documentation shows: a networkx graph,
     ``networkx_to_ic_model(graph, activation_prob=p)`` (its own random generator),
     ``set_seeds`` / ``advance_until_completion`` per replication;
   - NDlib's ``IndependentCascadesModel`` with the edge ``threshold`` set to p on
     every edge (without it NDlib uses 1/degree), ``reset(seeds)`` per replication
     (as ``ndlib.utils.multi_runs`` does), iterated until nobody is infected;
   - EoN's ``basic_discrete_SIR(graph, p, initial_infecteds=seeds)``: one-step
     recovery, which is exactly an independent cascade;
   - a plain Mesa 3 model written as Mesa's examples are (``virus_on_network``):
     one ``Person`` agent per node on a ``mesa.discrete_space.Network``, every agent
     stepping every step (``shuffle_do("step")``, then ``do("advance")`` so that a
     step is synchronous), one model per replication.

   NDlib, EoN and Mesa take minutes per batch, so by default they run a subset of
   the replications and their time for 200 is projected: measured wall time plus
   the time of the replications' loop (timed inside the script) times
   ``(200 / subset - 1)``. The table says so, with the subset's size.
2. **The quickstart** (target 3): ``buzz run scenarios/quickstart.yaml`` (default
   executor, warm numba cache) against a hand-written CyNetDiff script doing the same
   20 cascades: each replication builds its own Watts-Strogatz network (n = 10^4,
   k = 10, rewiring 0.1: the scenario draws one per replication), seeds the 20 people
   of highest degree, and runs one cascade with p = 0.12. And ``buzz validate`` on it,
   and ``buzz run`` with an empty numba cache (a first run after a fresh install).

Every contestant's mean final adopters must agree with buzz's within standard
errors (|z| <= 3): the report prints the check. The networks differ (buzz's
generator against networkx's, one seed each) but are drawn from the same model.
The report is printed and written to ``benchmarks/out/whole_process.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from reporting import ROOT, agreement, fmt, machine, mean_se, median, write_report

SEED = 2026
STANDARD = {"N": 100_000, "K": 10, "REWIRING": 0.1, "P": 0.2, "SEEDS": 10,
            "REPLICATIONS": 200, "SEED": SEED}
QUICKSTART = {"N": 10_000, "K": 10, "REWIRING": 0.1, "P": 0.12, "SEEDS": 20,
              "REPLICATIONS": 20, "SEED": SEED}
DEFAULT_SUBSET = {"ndlib": 4, "eon": 20, "mesa": 3}

STANDARD_SCENARIO = """\
name: standard-batch
description: 200 independent cascades, p = 0.2, 10 random seeds, one Watts-Strogatz network.
seed: {SEED}
steps: 1000
replications: {REPLICATIONS}
network: {{model: watts_strogatz, n: {N}, k: {K}, p: {REWIRING}, fixed: true}}
messages:
  - name: promo
    rule: {{model: independent_cascade, p: {P}}}
    seeding: {{strategy: random, count: {SEEDS}, step: 0}}
"""

# ---------------------------------------------------------------- the hand-written scripts
# Each is what a user of the library would write; the benchmark puts the constants
# above it. Each prints one JSON line: every replication's final adopters, and the
# seconds its loop over replications took (the rest is start-up, imports and graph).

CYNETDIFF_BATCH = """\
import json
import time

import networkx as nx
import numpy as np
from cynetdiff.utils import networkx_to_ic_model

graph = nx.watts_strogatz_graph(N, K, REWIRING, seed=SEED)
model, _ = networkx_to_ic_model(graph, activation_prob=P)
rng = np.random.default_rng(SEED)

start = time.perf_counter()
adopters = []
for _ in range(REPLICATIONS):
    model.set_seeds(rng.choice(N, SEEDS, replace=False).tolist())
    model.advance_until_completion()
    adopters.append(model.get_num_activated_nodes())
print(json.dumps({"adopters": adopters, "loop_seconds": time.perf_counter() - start}))
"""

NDLIB_BATCH = """\
import json
import time

import ndlib.models.epidemics as ep
import ndlib.models.ModelConfig as mc
import networkx as nx
import numpy as np

graph = nx.watts_strogatz_graph(N, K, REWIRING, seed=SEED)
rng = np.random.default_rng(SEED)
model = ep.IndependentCascadesModel(graph, seed=SEED)
config = mc.Configuration()
config.add_model_initial_configuration("Infected", [0])
for edge in graph.edges():
    config.add_edge_configuration("threshold", edge, P)
model.set_initial_status(config)

start = time.perf_counter()
adopters = []
for _ in range(REPLICATIONS):
    model.reset(rng.choice(N, SEEDS, replace=False).tolist())
    while True:
        counts = model.iteration(node_status=False)["node_count"]
        if counts[1] == 0 and model.actual_iteration > 1:
            break
    adopters.append(counts[2])
print(json.dumps({"adopters": adopters, "loop_seconds": time.perf_counter() - start}))
"""

EON_BATCH = """\
import json
import time

import EoN
import networkx as nx
import numpy as np

graph = nx.watts_strogatz_graph(N, K, REWIRING, seed=SEED)
rng = np.random.default_rng(SEED)

start = time.perf_counter()
adopters = []
for _ in range(REPLICATIONS):
    seeds = rng.choice(N, SEEDS, replace=False).tolist()
    t, S, I, R = EoN.basic_discrete_SIR(graph, P, initial_infecteds=seeds, rng=rng)
    adopters.append(int(R[-1]))
print(json.dumps({"adopters": adopters, "loop_seconds": time.perf_counter() - start}))
"""

MESA_BATCH = """\
import json
import time
from enum import Enum

import mesa
import networkx as nx
from mesa.discrete_space import FixedAgent, Network


class State(Enum):
    SUSCEPTIBLE = 0
    SHARING = 1  # started sharing at the last step: tells the neighbours now
    SHARED = 2


class Person(FixedAgent):
    def __init__(self, model, cell):
        super().__init__(model)
        self.cell = cell
        self.state = State.SUSCEPTIBLE
        self.next_state = State.SUSCEPTIBLE

    def step(self):
        if self.state is State.SHARING:
            for neighbour in self.cell.neighborhood.agents:
                if neighbour.state is State.SUSCEPTIBLE and self.random.random() < self.model.p:
                    neighbour.next_state = State.SHARING
            self.next_state = State.SHARED

    def advance(self):
        self.state = self.next_state


class Cascade(mesa.Model):
    def __init__(self, graph, p, n_seeds, seed=None):
        super().__init__(seed=seed)
        self.p = p
        self.grid = Network(graph, capacity=1, random=self.random)
        Person.create_agents(self, graph.number_of_nodes(), list(self.grid.all_cells))
        for person in self.random.sample(list(self.agents), n_seeds):
            person.state = person.next_state = State.SHARING
        self.running = True

    def step(self):
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.running = any(person.state is State.SHARING for person in self.agents)


graph = nx.watts_strogatz_graph(N, K, REWIRING, seed=SEED)

start = time.perf_counter()
adopters = []
for replication in range(REPLICATIONS):
    model = Cascade(graph, P, SEEDS, seed=SEED + replication)
    while model.running:
        model.step()
    adopters.append(sum(person.state is not State.SUSCEPTIBLE for person in model.agents))
print(json.dumps({"adopters": adopters, "loop_seconds": time.perf_counter() - start}))
"""

CYNETDIFF_QUICKSTART = """\
import json
import time

import networkx as nx
from cynetdiff.utils import networkx_to_ic_model

start = time.perf_counter()
adopters = []
for replication in range(REPLICATIONS):
    graph = nx.watts_strogatz_graph(N, K, REWIRING, seed=SEED + replication)
    hubs = sorted(graph.nodes, key=graph.degree, reverse=True)[:SEEDS]
    model, _ = networkx_to_ic_model(graph, activation_prob=P)
    model.set_seeds(hubs)
    model.advance_until_completion()
    adopters.append(model.get_num_activated_nodes())
print(json.dumps({"adopters": adopters, "loop_seconds": time.perf_counter() - start}))
"""


def script_text(body: str, constants: dict[str, float]) -> str:
    """A script: its constants, then its body."""
    head = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    return f'"""Written by benchmarks/whole_process.py."""\n\n{head}\n{body}'


# ---------------------------------------------------------------- contestants and timing
@dataclass
class Contestant:
    """One whole process, run once per round."""

    name: str
    command: list[str]
    results: Callable[[subprocess.CompletedProcess], dict]  # adopters, loop_seconds
    replications: int  # run per process (fewer than the batch's: projected)
    fresh_cache: bool = False  # every run with an empty numba cache: a fresh install
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + system, helpers included
    loops: list[float] = field(default_factory=list)
    adopters: list[list[float]] = field(default_factory=list)

    def run(self, env: dict[str, str]) -> float:
        with tempfile.TemporaryDirectory(prefix="buzz_numba_") as cache:
            if self.fresh_cache:
                env = {**env, "NUMBA_CACHE_DIR": cache}
            before = cpu_of_children()
            start = time.perf_counter()
            done = subprocess.run(self.command, capture_output=True, text=True, env=env)
            wall = time.perf_counter() - start
            cpu = cpu_of_children() - before
        if done.returncode != 0:
            raise RuntimeError(f"{self.name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        found = self.results(done)
        if found["adopters"] not in self.adopters:  # seeded contestants repeat themselves
            self.adopters.append(found["adopters"])
        self.walls.append(wall)
        self.cpus.append(cpu)
        self.loops.append(found.get("loop_seconds", float("nan")))
        return wall

    def projected(self, target: int) -> list[float]:
        """Wall time per round for ``target`` replications: the loop scaled up."""
        if self.replications == target:
            return list(self.walls)
        scale = target / self.replications - 1
        return [wall + loop * scale for wall, loop in zip(self.walls, self.loops, strict=True)]

    @property
    def all_adopters(self) -> list[float]:
        return [a for run in self.adopters for a in run]


def cpu_of_children() -> float:
    """CPU seconds (user + system) of every finished child process so far, and of the
    processes they waited for (buzz's kernel threads and its figure's helper process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def script_results(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def buzz_results(folder: Path) -> Callable[[subprocess.CompletedProcess], dict]:
    def read(_: subprocess.CompletedProcess) -> dict:
        runs = pd.read_parquet(folder / "runs.parquet", columns=["adopters"])
        return {"adopters": runs["adopters"].astype(float).tolist()}

    return read


def buzz_command() -> list[str]:
    """The ``buzz`` command next to this interpreter (what a user types), or ``-m sim.cli``."""
    script = Path(sys.executable).with_name("buzz")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rounds_of(contestants: list[Contestant], rounds: int, env: dict[str, str]) -> None:
    """Every contestant once per round, the starting contestant rotating round by round."""
    for number in range(rounds):
        shift = number % len(contestants)
        for contestant in contestants[shift:] + contestants[:shift]:
            wall = contestant.run(env)
            log(f"round {number + 1}/{rounds}: {contestant.name} {wall:.2f} s")


# ---------------------------------------------------------------- report
def batch_table(contestants: list[Contestant], target: int) -> str:
    buzz, serial = contestants[0], contestants[1]
    head = ["| contestant | replications run | wall s (median) | per round | s for "
            f"{target} (median) | x buzz default (median of rounds) | per round | "
            "x buzz serial | of which the loop s | CPU s (median) |",
            "|---|---:|---:|---|---:|---:|---|---:|---:|---:|"]
    rows = []
    for c in contestants:
        for_target = c.projected(target)
        vs_default = [t / b for t, b in zip(for_target, buzz.walls, strict=True)]
        vs_serial = [t / s for t, s in zip(for_target, serial.walls, strict=True)]
        run_label = f"{c.replications}" + ("" if c.replications == target else
                                           f" (projected to {target})")
        rows.append(
            f"| {c.name} | {run_label} | {fmt(median(c.walls))} | "
            + " ".join(fmt(w) for w in c.walls) + f" | {fmt(median(for_target))} | "
            f"**{median(vs_default):.2f}x** | " + " ".join(f"{r:.2f}" for r in vs_default)
            + f" | {median(vs_serial):.2f}x | {fmt(median(c.loops))} | {fmt(median(c.cpus))} |")
    return "\n".join(head + rows)


def agreement_table(contestants: list[Contestant]) -> str:
    reference = contestants[0].all_adopters
    head = ["| contestant | cascades | mean final adopters ± SE | z vs buzz | "
            "agrees (abs z <= 3) |",
            "|---|---:|---:|---:|---|"]
    rows = []
    for c in contestants:
        values = c.all_adopters
        mean, se = mean_se(values)
        z, ok = agreement(reference, values)
        rows.append(f"| {c.name} | {len(values):,} | {fmt(mean)} ± {fmt(se)} | {z:+.2f} | "
                    f"{'yes' if ok else '**NO**'} |")
    return "\n".join(head + rows)


def validate_line(walls: list[float]) -> str:
    return (f"`buzz validate scenarios/quickstart.yaml`: **{median(walls):.2f} s** median "
            f"wall time ({' '.join(f'{w:.2f}' for w in walls)}); target < 0.5 s.")


# ---------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every contestant")
    parser.add_argument("--subset", nargs="*", default=[], metavar="PEER=R",
                        help="replications run by the slow peers (projected to 200), "
                             f"default {' '.join(f'{k}={v}' for k, v in DEFAULT_SUBSET.items())}"
                             "; 200 runs them whole")
    parser.add_argument("--cold-rounds", type=int, default=3,
                        help="runs of the quickstart with an empty numba cache")
    parser.add_argument("--only", choices=("batch", "quickstart"),
                        help="one part only")
    parser.add_argument("--n", type=int, default=STANDARD["N"],
                        help="people in the standard batch's network (smaller: for trying out)")
    parser.add_argument("--keep", type=Path,
                        help="write the scenario and scripts here and keep them")
    args = parser.parse_args()
    subset = dict(DEFAULT_SUBSET)
    for item in args.subset:
        name, _, value = item.partition("=")
        if name not in subset or not value.isdigit() or not 1 <= int(value) <= 200:
            parser.error(f"--subset {item}: expected one of {', '.join(subset)}=1..200")
        subset[name] = int(value)

    folder = Path(tempfile.mkdtemp(prefix="buzz_whole_")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    python, buzz = sys.executable, buzz_command()
    started = time.perf_counter()
    sections = []
    try:
        if args.only in (None, "batch"):
            standard = {**STANDARD, "N": args.n}
            sections.append(standard_batch(standard, folder, python, buzz, subset, args.rounds,
                                           env))
        if args.only in (None, "quickstart"):
            sections.append(quickstart(folder, python, buzz, args.rounds, args.cold_rounds,
                                       env))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    text = "\n".join([
        "# Whole processes: buzz run against hand-written scripts",
        "",
        machine(["numpy", "numba", "networkx", "cynetdiff", "ndlib", "EoN", "mesa"]),
        f"- Rerun: `python benchmarks/whole_process.py {' '.join(sys.argv[1:])}` "
        f"({(time.perf_counter() - started) / 60:.0f} min this run)",
        "",
        *sections,
    ])
    out = write_report("whole_process.md" if args.only is None
                       else f"whole_process_{args.only}.md", text)
    print(text)
    log(f"written {out}")


def standard_batch(standard: dict[str, float], folder: Path, python: str, buzz: list[str],
                   subset: dict[str, int], rounds: int, env: dict[str, str]) -> str:
    target = int(standard["REPLICATIONS"])
    scenario = folder / "standard_batch.yaml"
    scenario.write_text(STANDARD_SCENARIO.format(**standard))
    contestants = []
    for name, executor in (("buzz run (default executor)", None), ("buzz run --executor serial",
                                                                    "serial")):
        out = folder / f"out_{executor or 'default'}"
        command = [*buzz, "run", str(scenario), "--out", str(out), "--force"]
        if executor:
            command += ["--executor", executor]
        contestants.append(Contestant(name, command, buzz_results(out), target))
    for name, key, body in (("CyNetDiff script", None, CYNETDIFF_BATCH),
                            ("NDlib script", "ndlib", NDLIB_BATCH),
                            ("EoN script", "eon", EON_BATCH),
                            ("Mesa model script", "mesa", MESA_BATCH)):
        replications = subset[key] if key else target
        path = folder / f"{(key or 'cynetdiff')}_batch.py"
        path.write_text(script_text(body, {**standard, "REPLICATIONS": replications}))
        contestants.append(Contestant(name, [python, str(path)], script_results, replications))
    log("standard batch: warm-up (numba cache, file cache)")
    for c in contestants[:3]:
        c.run(env)
    for c in contestants:
        c.walls.clear()
        c.cpus.clear()
        c.loops.clear()
    rounds_of(contestants, rounds, env)
    return "\n".join([
        "## The standard batch (target 1)",
        "",
        f"200 replications of independent cascade, p = 0.2, 10 random seed people each, one "
        f"Watts-Strogatz network (n = {standard['N']:,}, k = 10, rewiring 0.1); {rounds} "
        "rounds, each contestant once per round in a rotating order; \"x buzz\" is the "
        "contestant's time for 200 replications over buzz's in the same round (above 1: buzz "
        "is faster).",
        "",
        batch_table(contestants, target),
        "",
        "Agreement of the results (NDlib, EoN and Mesa over the replications they ran):",
        "",
        agreement_table(contestants),
        "",
    ])


def quickstart(folder: Path, python: str, buzz: list[str], rounds: int, cold_rounds: int,
               env: dict[str, str]) -> str:
    scenario = ROOT / "scenarios" / "quickstart.yaml"
    out = folder / "out_quickstart"
    path = folder / "cynetdiff_quickstart.py"
    path.write_text(script_text(CYNETDIFF_QUICKSTART, QUICKSTART))
    contestants = [
        Contestant("buzz run scenarios/quickstart.yaml", [*buzz, "run", str(scenario), "--out",
                                                          str(out), "--force"],
                   buzz_results(out), QUICKSTART["REPLICATIONS"]),
        Contestant("CyNetDiff script (20 networks, 20 cascades)", [python, str(path)],
                   script_results, QUICKSTART["REPLICATIONS"]),
    ]
    validate = Contestant("buzz validate", [*buzz, "validate", str(scenario)],
                          lambda _: {"adopters": []}, 0)
    log("quickstart: warm-up")
    for c in [*contestants, validate]:
        c.run(env)
        c.walls.clear()
        c.cpus.clear()
        c.loops.clear()
    rounds_of([*contestants, validate], rounds, env)
    cold = Contestant("buzz run scenarios/quickstart.yaml, empty numba cache",
                      contestants[0].command, buzz_results(out), QUICKSTART["REPLICATIONS"],
                      fresh_cache=True)
    rounds_of([cold], cold_rounds, env)
    buzz_run, script = contestants
    ratios = [b / s for b, s in zip(buzz_run.walls, script.walls, strict=True)]
    z, ok = agreement(buzz_run.all_adopters, script.all_adopters)
    (mb, sb), (ms, ss) = mean_se(buzz_run.all_adopters), mean_se(script.all_adopters)
    return "\n".join([
        "## The quickstart, warm (target 3)",
        "",
        "| contestant | wall s (median) | per round | CPU s (median) |",
        "|---|---:|---|---:|",
        *(f"| {c.name} | {fmt(median(c.walls))} | {' '.join(fmt(w) for w in c.walls)} | "
          f"{fmt(median(c.cpus))} |" for c in (*contestants, validate, cold)),
        "",
        f"buzz's time over the script's: **{median(ratios):.2f}x** (median of rounds: "
        f"{' '.join(f'{r:.2f}' for r in ratios)}); target at most 0.6x.",
        "",
        validate_line(validate.walls),
        "",
        f"First run after a fresh install (an empty numba cache, every kernel compiled): "
        f"**{median(cold.walls):.1f} s** median ({' '.join(f'{w:.1f}' for w in cold.walls)}); "
        "target at most 12 s.",
        "",
        f"Agreement: buzz {fmt(mb)} ± {fmt(sb)} mean final adopters, the script {fmt(ms)} ± "
        f"{fmt(ss)} (20 networks each); z = {z:+.2f}: {'agrees' if ok else '**DISAGREES**'}.",
        "",
    ])


if __name__ == "__main__":
    main()
