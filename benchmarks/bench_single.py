"""The single-model path at 10^6 people: a step of BuzzModel against its kernel calls.

Run from the project root::

    python benchmarks/bench_single.py [--n 1000000] [--repeats 3] [--quick]

Scenarios whose messages interact (``interactions``, opinions moved by hearing or
moving sharing) or that have actors (a campaign, a community manager) run step by
step through one :class:`~sim.model.BuzzModel` (see ``BuzzModel.run``), in batches
too. This script takes every such ready-made scenario in ``scenarios/`` (its base
point: the ``sweep`` is for batches; product_launch also in its arm with ads), sets
its network's ``n`` to ``--n`` and keeps everything else. For each, the network is
built once; then, ``repeats`` times, alternating, on that network and replication 0:

- ``BuzzModel(..., create_agents=False)`` (what batches build), ``step()`` timed;
- the same with ``create_agents=True`` (a Mesa ``Person`` per person);
- ``create_agents=False`` again with each message's rule wrapped so that its
  ``advance`` (the njit kernel, one step of one message) is timed inside every
  step: the raw kernel calls of the same rules on the same state, and what the
  step spends around them (the actors, opinions, bookkeeping).

The three paths must end in the same state (reach of every message). Then one
stepped run is profiled with cProfile: a Python loop over people would show as a
function called about n times per step; the report lists the functions called most
often per step and the ones that take the most time outside the kernels.
``--quick``: n = 10^5, 2 repeats. The report is printed and written to
``benchmarks/out/single.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from reporting import ROOT, machine, median, write_report

try:
    import sim  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(ROOT))

from sim.batch.experiment import expand_runs
from sim.config import Scenario, load_scenario
from sim.model import BuzzModel
from sim.network.graph import Graph

PATHS = ("step(), no agents", "step(), agents", "kernel calls inside step()")
PER_PERSON = 0.1  # calls per step per person above which a function is a per-person loop
# arms measured besides the base point: product_launch's base point shows no ad (reach 0)
ARMS = {"product_launch": ("ads",)}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def steps_one_at_a_time(scenario: Scenario) -> bool:
    """Whether ``BuzzModel.run`` steps this scenario one step at a time (its messages
    interact, or actors act between steps)."""
    return bool(scenario.interactions or scenario.coupled or scenario.campaign.actions
                or scenario.community_manager is not None)


class TimedRule:
    """A rule whose ``advance`` (one kernel call) adds its wall time to ``clock[0]``;
    everything else is the rule's own."""

    def __init__(self, rule, clock: list[float]) -> None:
        self._rule, self._clock = rule, clock

    def __getattr__(self, name: str):
        return getattr(self._rule, name)

    def advance(self, graph, track, until_step: int) -> None:
        start = time.perf_counter()
        self._rule.advance(graph, track, until_step)
        self._clock[0] += time.perf_counter() - start


@dataclass
class Path_:
    """One way of stepping a scenario, over the repeats."""

    builds: list[float] = field(default_factory=list)
    steps: list[list[float]] = field(default_factory=list)  # per repeat, per step
    kernels: list[list[float]] = field(default_factory=list)  # per repeat, per step
    reach: set = field(default_factory=set)


def stepped(spec: Scenario, graph: Graph, path: Path_, agents: bool, timed: bool) -> None:
    start = time.perf_counter()
    model = BuzzModel(spec, graph=graph, create_agents=agents)
    path.builds.append(time.perf_counter() - start)
    clock = [0.0]
    if timed:
        for track in model.tracks:
            track.rule = TimedRule(track.rule, clock)
    steps, kernels = [], []
    while model.running:
        clock[0] = 0.0
        start = time.perf_counter()
        model.step()
        steps.append(time.perf_counter() - start)
        kernels.append(clock[0])
    path.steps.append(steps)
    path.kernels.append(kernels)
    path.reach.add(tuple(model.count("heard", i) for i in range(len(model.tracks))))
    del model
    gc.collect()


def profile(spec: Scenario, graph: Graph, n: int) -> tuple[list[str], list[str]]:
    """cProfile of one stepped run (no agents): the functions called most per step,
    and those with the most own time, as table rows."""
    model = BuzzModel(spec, graph=graph, create_agents=False)
    profiler = cProfile.Profile()
    n_steps = 0
    profiler.enable()
    while model.running:
        model.step()
        n_steps += 1
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.items():
        where = f"{Path(file).name}:{line}" if line else file
        rows.append((calls / max(n_steps, 1), own / max(n_steps, 1),
                     cumulative / max(n_steps, 1), f"`{where}` {name}"))
    by_calls = sorted(rows, key=lambda r: -r[0])[:5]
    by_own = sorted(rows, key=lambda r: -r[1])[:6]

    def fmt_row(r):
        flag = " **per person**" if r[0] > PER_PERSON * n else ""
        return f"| {r[3]} | {r[0]:,.1f}{flag} | {1e3 * r[1]:.3f} | {1e3 * r[2]:.3f} |"

    return [fmt_row(r) for r in by_calls], [fmt_row(r) for r in by_own]


def scenario_at(path: Path, n: int) -> Scenario:
    return load_scenario(path, [f"network.n={n}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="n = 10^5, 2 repeats")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="these scenarios only")
    args = parser.parse_args()
    n, repeats = (10**5, 2) if args.quick else (args.n, args.repeats)
    started = time.perf_counter()
    files = [p for p in sorted((ROOT / "scenarios").glob("*.yaml"))
             if steps_one_at_a_time(load_scenario(p))
             and (not args.only or p.stem in args.only)]
    log(f"stepped one at a time: {', '.join(p.stem for p in files)}")
    sections = []
    summary = [
        f"| scenario (n = {n:,}) | messages | steps | build s: no agents / agents | all "
        "steps s: no agents / agents | kernel calls s (timed runs) | **step / kernel calls** "
        "| step ms (median): no agents / agents | kernel calls ms (median) | around them ms "
        "(median) |",
        "|---|---:|---:|---|---|---:|---:|---|---:|---:|"]
    cases = []
    for file in files:
        spec = scenario_at(file, n)
        cases.append((file, file.stem, spec))
        for arm in ARMS.get(file.stem, ()):
            point = next(run.scenario for run in expand_runs(spec, 1) if run.arm == arm)
            cases.append((file, f"{file.stem}, arm {arm}", point))
    for file, label, spec in cases:
        BuzzModel(load_scenario(file), create_agents=True).run()  # compile or load kernels
        log(f"{label}: building the network (n = {n:,})")
        start = time.perf_counter()
        graph = BuzzModel(spec, create_agents=False).graph
        graph_s = time.perf_counter() - start
        paths = {name: Path_() for name in PATHS}
        for repeat in range(repeats):
            order = PATHS if repeat % 2 == 0 else PATHS[::-1]
            for name in order:
                stepped(spec, graph, paths[name], agents=name == PATHS[1],
                        timed=name == PATHS[2])
            log(f"{label}: repeat {repeat + 1}/{repeats} done")
        reaches = set().union(*(p.reach for p in paths.values()))
        assert len(reaches) == 1, f"{label}: the paths disagree: {reaches}"
        plain, agents, timed = (paths[name] for name in PATHS)
        n_steps = len(plain.steps[0])

        def med_step(path: Path_, which: str = "steps") -> float:
            return median([statistics.median(s) for s in getattr(path, which)])

        def total(path: Path_, which: str = "steps") -> float:
            return median([sum(s) for s in getattr(path, which)])

        # the ratio within the timed runs: the same steps, the kernels timed inside them
        ratio = median([sum(ss) / sum(ks) for ss, ks in zip(timed.steps, timed.kernels,
                                                            strict=True)])
        around = median([statistics.median(s - k for s, k in zip(ss, ks, strict=True))
                         for ss, ks in zip(timed.steps, timed.kernels, strict=True)])
        summary.append(
            f"| {label} | {len(spec.messages)} | {n_steps} | "
            f"{median(plain.builds):.2f} / {median(agents.builds):.2f} | "
            f"{total(plain):.2f} / {total(agents):.2f} | {total(timed, 'kernels'):.2f} | "
            f"**{ratio:.2f}x** | {1e3 * med_step(plain):.2f} / {1e3 * med_step(agents):.2f} | "
            f"{1e3 * med_step(timed, 'kernels'):.2f} | {1e3 * around:.2f} |")
        log(f"{label}: profiling")
        by_calls, by_own = profile(spec, graph, n)
        reach = ", ".join(f"{m.name} {r:,}" for m, r in zip(spec.messages, reaches.pop(),
                                                            strict=True))
        sections += [
            f"### {label}: cProfile of one stepped run, no agents",
            "",
            f"Network built in {graph_s:.1f} s; reach (who heard) {reach}, the same in "
            "every path and repeat. Calls and times per step, averaged over the run's "
            f"{n_steps} steps; a function called more than {PER_PERSON * n:,.0f} times a "
            "step would be a loop over people.",
            "",
            "| function (most calls per step) | calls per step | own ms per step | "
            "cumulative ms per step |",
            "|---|---:|---:|---:|",
            *by_calls,
            "",
            "| function (most own time per step) | calls per step | own ms per step | "
            "cumulative ms per step |",
            "|---|---:|---:|---:|",
            *by_own,
            "",
        ]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    text = "\n".join([
        f"# The single-model path at n = {n:,}: a step against its kernel calls",
        "",
        machine(["numpy", "numba", "mesa"]),
        f"- Rerun: `python benchmarks/bench_single.py {' '.join(sys.argv[1:])}` "
        f"({(time.perf_counter() - started) / 60:.0f} min this run); medians of {repeats} "
        f"alternating repeats; peak RSS of the process {peak:.2f} GiB",
        "",
        "Each scenario at its base point with `network.n` set to "
        f"{n:,}, everything else as in its file. A step is `model.step()`; its kernel "
        "calls are the rules' `advance` inside it (one njit call per message and step); "
        "around them: the actors (a broadcast is a kernel of its own), the opinions and the "
        "model's bookkeeping. Step / kernel calls: the time of all steps over the time of "
        "the kernel calls inside them, in the same runs (the third path).",
        "",
        *summary,
        "",
        *sections,
    ])
    out = write_report("single.md", text)
    print(text)
    log(f"written {out}")


if __name__ == "__main__":
    main()
