"""The default executor against serial: whole ``buzz run`` processes (issue 12, target 5).

Run from the project root::

    python benchmarks/bench_executors.py [--rounds 3] [--quick] [--only crisis ...]

For every ready-made scenario in ``scenarios/`` and for the standard batch of
``whole_process.py`` (200 independent cascades on one Watts-Strogatz network of
10^5 people), ``buzz run`` runs as a whole process with the default executor
(``auto``) and with ``--executor serial``, alternating (the order swaps round by
round), ``--rounds`` times; the table gives the median wall time of each and the
median of the rounds' ratios default / serial. The target: at most 1.10 everywhere.

The standard batch (or those named by ``--busy``) is then run again the same way
with a busy neighbour: a process spinning on one core (``peers.py``'s neighbour,
streaming through 256 MiB), as another developer's tests do on a shared machine.

Which executor ``auto`` picked is read in this process the way ``run_batch`` decides
(:func:`sim.batch.executors.choose_executor` on the first run, timed twice); the
whole processes decide again for themselves, so on a noisy machine a batch near
the threshold may go either way. Where auto picks serial both commands do the same
work, so ``--quick`` times only the scenarios for which it picks processes, and the
standard batch, one round each. The report is printed and written to
``benchmarks/out/executors.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from reporting import ROOT, machine, median, write_report
from whole_process import STANDARD, STANDARD_SCENARIO, buzz_command, log

try:
    import sim  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(ROOT))

from sim.batch.engine import check_setup, runs_together
from sim.batch.executors import (
    SMALL_BATCH_SECONDS,
    choose_executor,
    default_workers,
)
from sim.batch.experiment import expand_runs
from sim.config import load_scenario

TARGET = 1.10
EXECUTORS = ("auto", "serial")


@dataclass
class Case:
    """One scenario, timed under both executors."""

    name: str
    path: Path
    busy: bool = False
    walls: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in EXECUTORS})
    cpus: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in EXECUTORS})
    chosen: str = "?"
    estimate: float = float("nan")

    def ratios(self) -> list[float]:
        return [a / s for a, s in zip(self.walls["auto"], self.walls["serial"], strict=True)]


def auto_choice(path: Path) -> tuple[str, float]:
    """What ``auto`` picks for this scenario here, and its estimate of the serial time."""
    specs = expand_runs(load_scenario(path), source=str(path))
    first = check_setup(specs[0], str(path), estimate=True)
    together = all(runs_together(spec.scenario) for spec in specs)
    return choose_executor(runs_together=together, estimated_seconds=first * len(specs),
                           workers=default_workers()), first * len(specs)


def children_cpu() -> float:
    """CPU seconds of every finished child process (and of theirs: the workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(case: Case, executor: str, out: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``buzz run``."""
    command = [*buzz_command(), "run", str(case.path), "--out", str(out), "--force",
               "--quiet", *(() if executor == "auto" else ("--executor", executor))]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{case.name} ({executor}) failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return wall, cpu


def time_case(case: Case, rounds: int, folder: Path, env: dict[str, str]) -> None:
    neighbour = None
    if case.busy:
        from peers import NEIGHBOUR  # the neighbour of peers.py --diagnose

        neighbour = subprocess.Popen([sys.executable, "-c", NEIGHBOUR])
        time.sleep(0.5)
    try:
        for number in range(rounds):
            order = EXECUTORS if number % 2 == 0 else EXECUTORS[::-1]
            for executor in order:
                wall, cpu = run_once(case, executor, folder / f"{case.name}-{executor}", env)
                case.walls[executor].append(wall)
                case.cpus[executor].append(cpu)
                log(f"{case.name}{' (busy)' if case.busy else ''} round {number + 1}/"
                    f"{rounds}: {executor} {wall:.2f} s")
    finally:
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()


def table(cases: list[Case]) -> str:
    lines = ["| scenario | auto picks (estimated serial s) | default s (median) | serial s "
             "(median) | default / serial (median of rounds) | per round | target <= "
             f"{TARGET:.2f} | CPU s: default / serial (median) |",
             "|---|---|---:|---:|---:|---|---|---|"]
    for case in cases:
        ratios = case.ratios()
        ratio = median(ratios)
        label = case.name + (" **with a busy neighbour**" if case.busy else "")
        if not ratios:
            lines.append(f"| {label} | {case.chosen} | not timed: the same path as serial "
                         "(`--quick`) | | | | | |")
            continue
        lines.append(
            f"| {label} | {case.chosen} ({case.estimate:.1f}) | "
            f"{median(case.walls['auto']):.2f} | {median(case.walls['serial']):.2f} | "
            f"**{ratio:.2f}** | {' '.join(f'{r:.2f}' for r in ratios)} | "
            f"{'met' if ratio <= TARGET else '**missed**'} | "
            f"{median(case.cpus['auto']):.1f} / {median(case.cpus['serial']):.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each executor")
    parser.add_argument("--quick", action="store_true",
                        help="one round, and only the scenarios for which auto picks "
                        "processes (and the standard batch)")
    parser.add_argument("--only", nargs="*", metavar="NAME",
                        help="these scenarios only (file stems, or standard)")
    parser.add_argument("--busy", nargs="*", default=["standard"], metavar="NAME",
                        help="run these again beside a busy neighbour (default: standard)")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    folder = Path(tempfile.mkdtemp(prefix="buzz_executors_"))
    standard = folder / "standard.yaml"
    standard.write_text(STANDARD_SCENARIO.format(**STANDARD))
    paths = {path.stem: path for path in sorted((ROOT / "scenarios").glob("*.yaml"))}
    paths["standard"] = standard
    if args.only:
        unknown = set(args.only) - set(paths)
        if unknown:
            parser.error(f"--only: unknown {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(paths)}")
        paths = {name: path for name, path in paths.items() if name in args.only}
    cases = [Case(name, path) for name, path in paths.items()]
    for name in args.busy:
        if name not in paths:
            parser.error(f"--busy {name}: not among the scenarios run")
        cases.append(Case(name, paths[name], busy=True))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    started = time.perf_counter()
    try:
        for case in cases:
            if not case.busy:
                if args.quick and case.name != "standard" and auto_choice(case.path)[0] == (
                        "serial"):
                    case.chosen = "serial"
                    log(f"{case.name}: auto picks serial, the same path: not timed (--quick)")
                    continue
                # the first run of a scenario fills the numba cache; not timed
                run_once(case, "serial", folder / f"{case.name}-warm", env)
                case.chosen, case.estimate = auto_choice(case.path)
                log(f"{case.name}: auto picks {case.chosen} "
                    f"(estimated serial {case.estimate:.1f} s)")
            else:
                done = next(c for c in cases if c.name == case.name and not c.busy)
                case.chosen, case.estimate = done.chosen, done.estimate
            time_case(case, rounds, folder, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    missed = [c for c in cases if c.ratios() and median(c.ratios()) > TARGET]
    text = "\n".join([
        "# The default executor against serial, whole `buzz run` processes",
        "",
        machine(["numpy", "numba"]),
        f"- Rerun: `python benchmarks/bench_executors.py {' '.join(sys.argv[1:])}` "
        f"({(time.perf_counter() - started) / 60:.0f} min this run); {rounds} round(s), "
        "the executors alternating; auto runs in this process under "
        f"{SMALL_BATCH_SECONDS:.0f} s of estimated serial time, "
        f"{default_workers()} worker processes otherwise",
        "",
        table(cases),
        "",
        "Where auto picks serial, both commands do the same work (auto runs the first run "
        "once more to time it): their ratio is the machine's noise. CPU s counts the "
        "worker processes too.",
        "",
        f"Target (issue 12, 5): default / serial <= {TARGET:.2f} on every scenario: "
        + ("met." if not missed else "missed by " + ", ".join(
            c.name + (" (busy)" if c.busy else "") for c in missed) + "."),
        "",
    ])
    out = write_report("executors.md", text)
    print(text)
    log(f"written {out}")


if __name__ == "__main__":
    main()
