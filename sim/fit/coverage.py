"""Is ``buzz fit`` calibrated? Data sets simulated at known values, fitted back.

Simulation-based calibration: over truths drawn from the prior, a calibrated 90%
credible interval covers the truth 90% of the time. :func:`fit_synthetic` draws one
truth from the prior, simulates one data set with buzz itself, fits it back with
:func:`sim.fit.fit` and says whether each interval covered its truth;
:func:`coverage_summary` tallies many such fits per key. ``benchmarks/fit_coverage.py``
runs 30 fits per setting; ``tests/test_fit_coverage.py`` runs a fast version.

Everything is seeded: the ``index``-th data set of a run with root seed ``root``
takes its truth, the scenario's seed and the fit's seed from
``SeedSequence(root, spawn_key=(index,))``, so a serial fit of it is the same on every
machine.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import scenario_from_dict
from sim.fit.observed import Observed
from sim.fit.params import FitParam
from sim.fit.simulate import Simulator


@dataclass(frozen=True)
class Setting:
    """What is fitted: a scenario (as a mapping, without ``name`` and ``seed``) whose
    one message is called ``m``, the keys fitted with their priors, and the observed
    data's form: the ``counts`` (``heard`` and/or ``adopters``) at ``steps``."""

    name: str
    scenario: dict[str, Any]
    params: tuple[FitParam, ...]
    steps: tuple[int, ...]
    counts: tuple[str, ...]

    def param_items(self) -> list[str]:
        """The priors as ``buzz fit --param`` items."""
        return [f"{p.key}={'log:' if p.log else ''}{p.low!r}:{p.high!r}" for p in self.params]


def draw_truth(params: tuple[FitParam, ...], rng: np.random.Generator) -> tuple[float, ...]:
    """A parameter vector from the prior (uniform on the scale sampled).

    Examples
    --------
    >>> truth = draw_truth((FitParam("p", 0.001, 0.1, log=True),), np.random.default_rng(1))
    >>> 0.001 <= truth[0] <= 0.1
    True
    """
    return tuple(param.value(rng.uniform(*param.bounds)) for param in params)


def synthetic_curves(setting: Setting, scenario_seed: int, truth: tuple[float, ...],
                     seed: int) -> pd.DataFrame:
    """One observed table (``step`` and the setting's counts), simulated by buzz at
    ``truth``: one run of the scenario, its randomness from ``seed``."""
    scenario = scenario_from_dict({"name": setting.name, "seed": scenario_seed,
                                   **setting.scenario})
    steps = np.asarray(setting.steps)
    layout = pd.DataFrame({"message": "m", "cascade": 0, "step": steps, "heard": 0})
    simulator = Simulator(scenario, setting.params,
                          Observed("<truth>", "curves", ("heard",), layout), seed=seed)
    curves = simulator.curves(truth, runs=1)
    table = pd.DataFrame({"step": steps})
    for column in setting.counts:
        table[column] = curves[0, 0, 0 if column == "heard" else 1, steps].astype(int)
    return table


def fit_synthetic(setting: Setting, index: int, root: int, *, population: int,
                  generations: int) -> list[dict[str, Any]]:
    """Draw a truth from the prior, simulate a data set at it and fit it back (serial,
    without figures, in a temporary folder).

    Returns one row per fitted key: ``setting``, ``data_set``, ``key``, ``truth``,
    ``estimate``, ``low``, ``high`` (the 90% interval), ``covered``, ``prior_width``
    (on the scale sampled: log10 for a log-uniform prior), ``width`` (the interval's,
    on the same scale), ``simulations`` and ``seconds``.

    Examples
    --------
    >>> setting = Setting("demo", {"steps": 10, "network": {"model": "complete", "n": 50},
    ...     "messages": [{"name": "m", "rule": {"model": "bass", "p_external": 0.01,
    ...     "q": 0.3}, "seeding": {"count": 0}}]},
    ...     (FitParam("messages.m.rule.p_external", 0.005, 0.1, log=True),),
    ...     (0, 5, 10), ("adopters",))
    >>> [row] = fit_synthetic(setting, 0, 1, population=10, generations=1)
    >>> row["low"] <= row["estimate"] <= row["high"], row["covered"] in (True, False)
    (True, True)
    """
    from sim.fit import fit

    rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(index,)))
    truth = draw_truth(setting.params, rng)
    scenario_seed, data_seed, fit_seed = (int(rng.integers(2**31)) for _ in range(3))
    table = synthetic_curves(setting, scenario_seed, truth, data_seed)
    scenario = scenario_from_dict({"name": setting.name, "seed": scenario_seed,
                                   **setting.scenario})
    with tempfile.TemporaryDirectory(prefix="buzz-coverage-", dir=_scratch()) as folder:
        observed = Path(folder) / "observed.csv"
        table.to_csv(observed, index=False)
        started = time.perf_counter()
        result = fit(scenario, observed, setting.param_items(), Path(folder) / "fit",
                     population=population, generations=generations, seed=fit_seed,
                     figures=False)
        seconds = time.perf_counter() - started
    rows = []
    for param, value in zip(setting.params, truth, strict=True):
        entry = result.parameters[param.key]
        low, high = entry["low"], entry["high"]
        scale = np.log10 if param.log else float
        rows.append({
            "setting": setting.name, "data_set": index, "key": param.key, "truth": value,
            "estimate": entry["estimate"], "low": low, "high": high,
            "covered": bool(low <= value <= high),
            "width": float(scale(high) - scale(low)),
            "prior_width": param.bounds[1] - param.bounds[0],
            "simulations": result.simulations, "seconds": seconds,
        })
    return rows


def _scratch() -> str | None:
    """Where the throwaway fits go: memory-backed ``/dev/shm`` where the system has one
    (each fit's database syncs to disk a dozen times, which costs more than its
    simulations), else the usual temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def coverage_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per setting and key: ``fits``, ``covered`` (how many 90% intervals held the
    truth), ``coverage`` and its binomial standard error ``coverage_se``, the median
    interval width (``median_width``, in the key's units) and its median share of the
    prior's width on the scale sampled (``median_width_share``), the median absolute
    error of the estimate, and the median simulations and seconds per fit.

    Examples
    --------
    >>> rows = pd.DataFrame({"setting": "s", "key": "p", "truth": [0.2, 0.3],
    ...     "estimate": [0.21, 0.25], "low": [0.1, 0.26], "high": [0.3, 0.29],
    ...     "covered": [True, False], "width": [0.2, 0.03], "prior_width": 1.0,
    ...     "simulations": 100, "seconds": 1.0})
    >>> [row] = coverage_summary(rows).to_dict("records")
    >>> row["fits"], row["covered"], row["coverage"]
    (2, 1, 0.5)
    """
    out = []
    for (setting, key), group in rows.groupby(["setting", "key"], sort=False):
        n = len(group)
        coverage = float(group["covered"].mean())
        out.append({
            "setting": setting, "key": key, "fits": n, "covered": int(group["covered"].sum()),
            "coverage": coverage, "coverage_se": float(np.sqrt(coverage * (1 - coverage) / n)),
            "median_width": float((group["high"] - group["low"]).median()),
            "median_width_share": float((group["width"] / group["prior_width"]).median()),
            "median_abs_error": float((group["estimate"] - group["truth"]).abs().median()),
            "simulations": float(group["simulations"].median()),
            "seconds": float(group["seconds"].median()),
        })
    return pd.DataFrame(out)
