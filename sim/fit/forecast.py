"""Forecast with what the data left unknown: ``buzz run OTHER.yaml --from-fit DIR``.

Each replication draws the fitted keys' values from the fit's weighted posterior
(``posterior.parquet``), and every arm of that replication runs with the same draw:
comparisons between arms stay paired, while every interval over replications now
holds the uncertainty of the fitted values as well as the chance of a cascade. The
draws come from the scenario's seed (their own stream), so a batch and its
``--resume`` draw the same values. The values drawn are columns of ``runs.parquet``,
named by their dotted keys.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.batch.experiment import RunSpec
from sim.config import with_values
from sim.errors import InputError
from sim.fit.posterior import draw_posterior, read_fit

FROM_FIT = 5  # the SeedSequence spawn key of the posterior draws (after sim.randomness's)


def forecast(scenario, fit_folder: str | Path, out: str | Path | None = None, **options):
    """Run a scenario's batch with each replication's fitted values drawn from the fit
    in ``fit_folder`` (what ``buzz run SCENARIO --from-fit DIR`` does); ``options`` go
    to :func:`sim.batch.run_batch`.

    Returns
    -------
    sim.batch.BatchResult
    """
    from functools import partial

    from sim.batch import run_batch
    from sim.config import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        options.setdefault("source", str(scenario))
        scenario = load_scenario(scenario)
    check_fit(fit_folder)
    return run_batch(scenario, out, adjust_runs=partial(
        posterior_specs, folder=fit_folder, seed=scenario.seed), **options)


def check_fit(folder: str | Path) -> None:
    """Refuse, in one line, a folder that holds no finished fit."""
    read_fit(folder)


def posterior_specs(specs: list[RunSpec], folder: str | Path, seed: int) -> list[RunSpec]:
    """``specs`` with the fitted keys of each replication drawn from the posterior.

    Raises
    ------
    InputError
        When the folder holds no fit, or a fitted key is not in the scenario or swept
        by it.
    """
    _, samples = read_fit(folder)
    keys = [column for column in samples.columns if column != "weight"]
    swept = set(specs[0].values) if specs else set()
    for key in keys:
        if key in swept:
            raise InputError(str(folder), key, None,
                             "a fitted key the scenario does not sweep (its arms would "
                             "overwrite the drawn values)")
    replications = max(spec.replication for spec in specs) + 1
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FROM_FIT,)))
    draws = draw_posterior(samples, replications, rng).to_dict("records")
    out = []
    for spec in specs:
        drawn = {key: _plain(draws[spec.replication][key]) for key in keys}
        try:
            scenario = with_values(spec.scenario, drawn, str(folder))
        except InputError as error:
            raise InputError(str(folder), error.where, error.value,
                             f"{error.allowed} (a key of the fit that the scenario run "
                             "must have)") from None
        out.append(dataclasses.replace(spec, scenario=scenario,
                                       values={**spec.values, **drawn}))
    return out


def _plain(value):
    """A numpy scalar as the Python number a scenario holds."""
    return value.item() if isinstance(value, np.generic) else value
