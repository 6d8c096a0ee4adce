"""``buzz fit`` validated: how often its 90% intervals cover the truth.

Run from the project root::

    python benchmarks/fit_coverage.py [--quick] [--only ic_ws bass sir] [--fits N]

For each setting, ``--fits`` data sets (30 by default; 5 with ``--quick``) are
simulated by buzz itself with parameters drawn from the prior (simulation-based
calibration: over draws from the prior, a calibrated 90% credible interval covers
the truth 90% of the time), then fitted back with ``sim.fit`` (serial, its own seed
per data set). Settings:

- ``ic_ws``: independent cascade ``p`` on Watts-Strogatz (300 people, 6 friends, 10%
  rewired, 5 random seeds); one curve of people who had heard, every 2 steps to 20;
- ``bass``: Bass ``p_external`` (log-uniform) and ``q`` on a complete graph of 200;
  one curve of adopters, every 3 steps to 30;
- ``sir``: ``beta`` and ``gamma`` on Watts-Strogatz (300 people, 5 random seeds);
  curves of heard and adopters, every 2 steps to 30.

Reports per setting and key: coverage of the 90% intervals (with its binomial
standard error), the median interval width, the median absolute error of the
estimate, the simulations per fit and the seconds per fit. The data sets run two at
a time (one process per core), each fit serial. Prints Markdown and writes it to
``benchmarks/out/fit_coverage_<settings>.md`` (and the fits as ``.csv``). The fitting
itself is :mod:`sim.fit.coverage`, which the tests' fast version uses too.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reporting import machine, write_report  # noqa: E402

from sim.fit.coverage import Setting, coverage_summary, fit_synthetic  # noqa: E402
from sim.fit.params import FitParam  # noqa: E402

WS = {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1}
SETTINGS = {setting.name: setting for setting in (
    Setting("ic_ws", {"network": WS, "steps": 20, "messages": [{
        "name": "m", "rule": {"model": "independent_cascade", "p": 0.2},
        "seeding": {"strategy": "random", "count": 5}}]},
        (FitParam("messages.m.rule.p", 0.1, 0.5),), tuple(range(0, 21, 2)), ("heard",)),
    Setting("bass", {"network": {"model": "complete", "n": 200}, "steps": 30, "messages": [{
        "name": "m", "rule": {"model": "bass", "p_external": 0.01, "q": 0.4},
        "seeding": {"count": 0}}]},
        (FitParam("messages.m.rule.p_external", 0.003, 0.05, log=True),
         FitParam("messages.m.rule.q", 0.1, 0.8)), tuple(range(0, 31, 3)), ("adopters",)),
    Setting("sir", {"network": WS, "steps": 30, "messages": [{
        "name": "m", "rule": {"model": "sir", "beta": 0.2, "gamma": 0.3},
        "seeding": {"strategy": "random", "count": 5}}]},
        (FitParam("messages.m.rule.beta", 0.05, 0.4), FitParam("messages.m.rule.gamma", 0.1, 0.6)),
        tuple(range(0, 31, 2)), ("heard", "adopters")),
)}


def one_fit(task: tuple[str, int, int], population: int, generations: int) -> list[dict]:
    """The ``index``-th data set of a setting, fitted back (in a worker process)."""
    name, index, root = task
    return fit_synthetic(SETTINGS[name], index, root, population=population,
                         generations=generations)


def report(rows: pd.DataFrame, command: str, population: int, generations: int) -> str:
    lines = [
        "| setting | key | fits | coverage of 90% intervals | median width | median abs. "
        "error | simulations per fit | seconds per fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in coverage_summary(rows).itertuples():
        lines.append(
            f"| {row.setting} | `{row.key}` | {row.fits} | {row.coverage:.0%} ± "
            f"{row.coverage_se:.0%} | {row.median_width:.3g} | {row.median_abs_error:.3g} | "
            f"{row.simulations:,.0f} | {row.seconds:.1f} |")
    return (f"## Coverage of `buzz fit`'s 90% intervals (`{command}`)\n\n"
            f"Population {population}, at most {generations} generations per fit.\n\n"
            + "\n".join(lines) + "\n\n" + machine(["numpy", "numba", "pyabc"]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 fits per setting, smaller")
    parser.add_argument("--only", nargs="+", choices=sorted(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--fits", type=int, default=None, help="data sets per setting")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--population", type=int, default=None, help="default 100 (quick: 40)")
    parser.add_argument("--generations", type=int, default=None, help="default 6 (quick: 3)")
    arguments = parser.parse_args()
    fits = arguments.fits or (5 if arguments.quick else 30)
    population, generations = (40, 3) if arguments.quick else (100, 6)
    population = arguments.population or population
    generations = arguments.generations or generations
    command = "python benchmarks/fit_coverage.py " + " ".join(sys.argv[1:])
    tasks = [(name, index, 2026 + number)
             for number, name in enumerate(arguments.only) for index in range(fits)]
    started = time.perf_counter()
    rows = []
    work = partial(one_fit, population=population, generations=generations)
    with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
        for done, result in enumerate(pool.map(work, tasks), start=1):
            rows.extend(result)
            print(f"{done}/{len(tasks)} fits ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    text = report(table, command.strip(), population, generations)
    text += f"\nWall time: {(time.perf_counter() - started) / 60:.1f} min.\n"
    print(text)
    name = "fit_coverage_" + "_".join(arguments.only)
    write_report(f"{name}.md", text)
    table.to_csv(ROOT / "benchmarks" / "out" / f"{name}.csv", index=False)


if __name__ == "__main__":
    main()
