"""Calibrate a scenario to what was observed (``buzz fit``; ``sim.fit(...)``).

A scenario's keys (a rule's ``p``, ``beta``, ``q``, a seeding count, a network
parameter) are inferred from observed adoption curves or cascade sizes
(:mod:`sim.fit.observed`) by ABC-SMC (:mod:`sim.fit.inference`), every simulation run
by buzz's own model (:mod:`sim.fit.simulate`). The fit's folder holds ``fit.json``
(estimates with 90% credible intervals, the simulations and the tolerance schedule,
and notes in words where the data cannot pin a value), ``posterior.parquet``,
``fit.db`` (every population, to resume or inspect with pyabc) and two figures.
``buzz run OTHER.yaml --from-fit DIR`` then forecasts with what the data left
unknown (:mod:`sim.fit.forecast`).

The module itself is callable: ``sim.fit(...)`` is :func:`fit`.
"""

from __future__ import annotations

import shutil
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, load_scenario
from sim.errors import InputError
from sim.fit.inference import DATABASE, Generation
from sim.fit.observed import read_observed
from sim.fit.params import parse_params
from sim.fit.posterior import FIT_JSON, POSTERIOR, Summary, draw_posterior, summarise
from sim.fit.simulate import Simulator

EXECUTORS = ("serial", "processes", "dask")
PREDICTIVE = 1  # the stream the predictive draws come from (SeedSequence spawn key)


@dataclass(frozen=True)
class FitResult:
    """A finished fit: its folder, per key the estimate and 90% interval, the notes in
    words, and the weighted posterior samples (``weight`` sums to 1)."""

    folder: Path
    parameters: dict[str, dict[str, Any]]
    notes: list[str]
    samples: pd.DataFrame
    simulations: int
    generations: list[dict[str, Any]]


def fit(
    scenario: str | Path | Scenario,
    observed: str | Path,
    params: list[str],
    out: str | Path | None = None,
    *,
    overrides: list[str] | None = None,
    step_duration: float = 1.0,
    population: int = 200,
    generations: int = 8,
    simulations: int = 20_000,
    seed: int | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    predictive_draws: int = 100,
    figures: bool = True,
    on_generation: Callable[[Generation], None] | None = None,
) -> FitResult:
    """Fit scenario keys to observed data by ABC-SMC and write the fit's folder.

    Parameters
    ----------
    scenario : path or Scenario
        The scenario whose keys are fitted (its other keys are kept as they are).
    observed : path
        A CSV or Parquet table: adoption curves or final sizes (:mod:`sim.fit.observed`).
    params : list of str
        ``KEY=LOW:HIGH`` (uniform prior) or ``KEY=log:LOW:HIGH`` (log-uniform).
    out : path, optional
        The fit's folder; ``results/<scenario name>-fit`` by default.
    step_duration : float
        Scenario steps in one step of the data.
    population, generations, simulations : int
        Accepted points per generation; at most this many generations; stop after
        the generation in which the simulations reach this many.
    seed : int, optional
        The fit's seed (default: the scenario's); see :mod:`sim.fit.inference` for
        what it makes reproducible.
    executor, workers, scheduler
        ``serial``, ``processes`` (``workers`` local processes) or ``dask`` (the
        scheduler's address, or a local cluster).
    resume, force : bool
        Continue the fit whose database is in ``out`` (or start one if it holds
        none), or replace it.
    predictive_draws : int
        Posterior draws simulated for the predictive band of ``figures/fit.png``.
    figures : bool
        Draw ``figures/`` (a coverage check of many fits needs only the numbers).
    on_generation : callable, optional
        Called with each finished :class:`~sim.fit.inference.Generation`.

    Raises
    ------
    InputError
        Bad input, in one line, before anything is simulated.

    Examples
    --------
    >>> import tempfile, os, sim
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 4, "steps": 10,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3},
    ...                   "seeding": {"strategy": "random", "count": 5}}]})
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "seen.csv"), "w").write(
    ...     "step,heard\\n0,5\\n2,40\\n4,120\\n6,180\\n")
    >>> result = sim.fit(scenario, os.path.join(folder, "seen.csv"),
    ...                  ["messages.a.rule.p=0.01:0.9"], os.path.join(folder, "fit"),
    ...                  population=10, generations=1, predictive_draws=3)
    >>> entry = result.parameters["messages.a.rule.p"]
    >>> entry["low"] < entry["estimate"] < entry["high"], entry["level"]
    (True, 0.9)
    """
    started = time.perf_counter()
    source = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    fitted = parse_params(list(params), scenario)
    table = read_observed(observed, [message.name for message in scenario.messages])
    if not step_duration > 0:
        raise InputError("buzz fit", "--step-duration", step_duration,
                         "a number above 0 (scenario steps per step of the data)")
    for name, value, least in (("--population", population, 10),
                               ("--generations", generations, 1),
                               ("--simulations", simulations, 1)):
        if value < least:
            raise InputError("buzz fit", name, value, f"a whole number, {least} or more")
    if executor not in EXECUTORS:
        raise InputError("buzz fit", "--executor", executor, ", ".join(EXECUTORS))
    if scheduler is not None and executor != "dask":
        raise InputError("buzz fit", "--scheduler", scheduler, "only with --executor dask")
    seed = scenario.seed if seed is None else int(seed)
    simulator = Simulator(scenario, tuple(fitted), table, seed, float(step_duration))
    _check_first(simulator)
    folder = Path(out) if out is not None else Path("results") / f"{scenario.name}-fit"
    resume = _prepare_folder(folder, resume=resume, force=force)

    from sim.fit.inference import run_abc

    history = run_abc(simulator, folder, population=population, generations=generations,
                      simulations=simulations, seed=seed, executor=executor,
                      workers=workers, scheduler=scheduler, resume=resume,
                      on_generation=on_generation)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    samples = pd.DataFrame({
        param.key: [param.value(v) for v in frame[name].to_numpy(float)]
        for param, name in zip(fitted, simulator.names, strict=True)
    })
    weights = np.asarray(weights, dtype=float)
    summary = summarise(samples, weights, fitted)
    populations = history.get_all_populations()
    schedule = [
        {"generation": int(row.t), "epsilon": float(row.epsilon),
         "simulations": int(row.samples), "accepted": int(row.particles),
         "acceptance_rate": round(float(row.particles) / max(int(row.samples), 1), 4)}
        for row in populations.itertuples() if row.t >= 0
    ]
    facts = _facts(simulator, source, observed, fitted, population, executor,
                   int(history.total_nr_simulations), schedule)
    facts["seconds"] = round(time.perf_counter() - started, 1)  # the fit, not the figures
    from sim.fit.posterior import write_outputs

    write_outputs(folder, samples, weights, summary, facts)
    if figures:
        _draw_figures(simulator, samples, weights, fitted, folder, predictive_draws, seed)
    return FitResult(folder, summary.parameters, summary.notes,
                     samples.assign(weight=weights / weights.sum()),
                     int(history.total_nr_simulations), schedule)


def _check_first(simulator: Simulator) -> None:
    """Bad data the scenario cannot produce is refused now, and one simulation at the
    prior's centre is run here (it compiles the kernels before any worker starts)."""
    from sim.batch.experiment import RunSpec, graph_for

    scenario = simulator.scenario
    n_nodes = graph_for(RunSpec(0, 0, 0, {}, scenario)).n_nodes
    simulator.check(n_nodes)
    centre = tuple(param.value(sum(param.bounds) / 2) for param in simulator.params)
    simulator.curves(centre, runs=1)


def _prepare_folder(folder: Path, *, resume: bool, force: bool) -> bool:
    """Make the fit's folder ready; whether there is a fit in it to resume (with
    ``resume``, a folder with none starts one: the same command continues a fit
    however early it was stopped)."""
    database = folder / DATABASE
    if resume and force:
        raise InputError("--resume", "", None, "either --resume or --force, not both")
    if database.is_file() and not (resume or force):
        raise InputError(str(folder), "", None,
                         "a folder without a fit (this one holds one: continue it with "
                         "--resume, or start again with --force)")
    if force:
        for name in (DATABASE, FIT_JSON, POSTERIOR):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "figures", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return resume and database.is_file()


def _facts(simulator: Simulator, source: str, observed, fitted, population: int,
           executor: str, total: int, schedule: list[dict]) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "scenario": simulator.scenario.name, "scenario_file": source,
        "observed": str(observed), "form": simulator.observed.form,
        "counts": list(simulator.observed.counts),
        "cascades": simulator.n_runs, "step_duration": simulator.step_duration,
        "statistics": simulator.statistic_names(),
        "method": "ABC-SMC (pyabc): adaptive Euclidean distance (MAD scales), median "
                  "epsilon, multivariate normal proposals",
        "pyabc": version("pyabc"), "seed": simulator.seed, "executor": executor,
        "population": population, "simulations": total, "generations": schedule,
        "priors": {param.key: param.describe() for param in fitted},
    }


def _draw_figures(simulator: Simulator, samples: pd.DataFrame, weights: np.ndarray,
                  fitted, folder: Path, draws: int, seed: int) -> None:
    from sim.fit.figures import fit_figure, posterior_figure, predictive_curves

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE,)))
    drawn = draw_posterior(samples.assign(weight=weights), draws, rng)
    fit_figure(simulator, predictive_curves(simulator, drawn), folder / "figures" / "fit.png")
    posterior_figure(samples, weights, fitted, folder / "figures" / "posterior.png")


class _CallableModule(types.ModuleType):
    """``sim.fit(...)`` calls :func:`fit` while ``sim.fit`` stays a package."""

    def __call__(self, *args, **kwargs):
        return fit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["FitResult", "Summary", "fit"]
