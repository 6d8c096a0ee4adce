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
``benchmarks/out/fit_coverage_<settings>.md`` (and the fits as ``.csv``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reporting import machine, median, write_report  # noqa: E402

from sim.config import scenario_from_dict  # noqa: E402
from sim.fit.observed import Observed  # noqa: E402
from sim.fit.params import FitParam  # noqa: E402
from sim.fit.simulate import Simulator  # noqa: E402

WS = {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1}
SETTINGS = {
    "ic_ws": {
        "scenario": {"network": WS, "steps": 20, "messages": [{
            "name": "m", "rule": {"model": "independent_cascade", "p": 0.2},
            "seeding": {"strategy": "random", "count": 5}}]},
        "params": [FitParam("messages.m.rule.p", 0.1, 0.5)],
        "steps": np.arange(0, 21, 2), "counts": ("heard",),
    },
    "bass": {
        "scenario": {"network": {"model": "complete", "n": 200}, "steps": 30, "messages": [{
            "name": "m", "rule": {"model": "bass", "p_external": 0.01, "q": 0.4},
            "seeding": {"count": 0}}]},
        "params": [FitParam("messages.m.rule.p_external", 0.003, 0.05, log=True),
                   FitParam("messages.m.rule.q", 0.1, 0.8)],
        "steps": np.arange(0, 31, 3), "counts": ("adopters",),
    },
    "sir": {
        "scenario": {"network": WS, "steps": 30, "messages": [{
            "name": "m", "rule": {"model": "sir", "beta": 0.2, "gamma": 0.3},
            "seeding": {"strategy": "random", "count": 5}}]},
        "params": [FitParam("messages.m.rule.beta", 0.05, 0.4),
                   FitParam("messages.m.rule.gamma", 0.1, 0.6)],
        "steps": np.arange(0, 31, 2), "counts": ("heard", "adopters"),
    },
}


def draw_truth(params: list[FitParam], rng: np.random.Generator) -> tuple[float, ...]:
    """A parameter vector from the prior."""
    return tuple(param.value(rng.uniform(*param.bounds)) for param in params)


def one_fit(task: tuple[str, int, int, int, int]) -> list[dict]:
    """Simulate one data set at a truth drawn from the prior, fit it back."""
    name, index, population, generations, root = task
    setting = SETTINGS[name]
    import sim

    rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(index,)))
    truth = draw_truth(setting["params"], rng)
    raw = {"name": name, "seed": int(rng.integers(2**31)), **setting["scenario"]}
    scenario = scenario_from_dict(raw)
    steps = setting["steps"]
    layout = pd.DataFrame({"message": "m", "cascade": 0, "step": steps, "heard": 0})
    simulator = Simulator(scenario, tuple(setting["params"]),
                          Observed("<truth>", "curves", ("heard",), layout),
                          seed=int(rng.integers(2**31)))
    curves = simulator.curves(truth, runs=1)
    table = pd.DataFrame({"step": steps})
    for column in setting["counts"]:
        table[column] = curves[0, 0, 0 if column == "heard" else 1, steps].astype(int)
    with tempfile.TemporaryDirectory(prefix="fitcov-") as folder:
        observed = Path(folder) / "observed.csv"
        table.to_csv(observed, index=False)
        started = time.perf_counter()
        result = sim.fit(scenario, observed,
                         [f"{p.key}={'log:' if p.log else ''}{p.low}:{p.high}"
                          for p in setting["params"]],
                         Path(folder) / "fit", population=population,
                         generations=generations, seed=int(rng.integers(2**31)),
                         predictive_draws=2)
        seconds = time.perf_counter() - started
    rows = []
    for param, value in zip(setting["params"], truth, strict=True):
        entry = result.parameters[param.key]
        rows.append({"setting": name, "data_set": index, "key": param.key, "truth": value,
                     "estimate": entry["estimate"], "low": entry["low"],
                     "high": entry["high"], "covered": entry["low"] <= value <= entry["high"],
                     "simulations": result.simulations, "seconds": seconds})
    return rows


def report(rows: pd.DataFrame, command: str, population: int, generations: int) -> str:
    lines = [
        "| setting | key | fits | coverage of 90% intervals | median width | median abs. "
        "error | simulations per fit | seconds per fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (setting, key), group in rows.groupby(["setting", "key"], sort=False):
        n = len(group)
        coverage = group["covered"].mean()
        se = math.sqrt(coverage * (1 - coverage) / n) if n else float("nan")
        width = (group["high"] - group["low"]).median()
        error = (group["estimate"] - group["truth"]).abs().median()
        lines.append(
            f"| {setting} | `{key}` | {n} | {coverage:.0%} ± {se:.0%} | {width:.3g} | "
            f"{error:.3g} | {median(group['simulations'].tolist()):,.0f} | "
            f"{median(group['seconds'].tolist()):.1f} |")
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
    tasks = [(name, index, population, generations, 2026 + number)
             for number, name in enumerate(arguments.only) for index in range(fits)]
    started = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
        for done, result in enumerate(pool.map(one_fit, tasks), start=1):
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
