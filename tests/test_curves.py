"""Curves averaged over runs: a run that has stopped keeps its final value, so a
cumulative curve never decreases and ends at the mean final value."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.results.plots import mean_curves

from .conftest import make_scenario


def never_decreases(curves: pd.DataFrame) -> bool:
    return bool(
        curves.groupby(["point", "message", "column"])["mean"]
        .apply(lambda mean: (np.diff(mean.to_numpy()) >= -1e-12).all())
        .all()
    )


def test_cumulative_curves_of_runs_that_stop_at_different_steps_never_decrease():
    # A sure message and a rumour on a barely rewired ring: runs die out or cross the
    # ring, so they stop at very different steps; the rumour starts at step 3.
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 600, "k": 6, "p": 0.01},
        [
            {"name": "rumour", "rule": {"model": "independent_cascade", "p": 0.5},
             "seeding": {"strategy": "random", "count": 1}},
            {"name": "late", "rule": {"model": "independent_cascade", "p": 0.6},
             "seeding": {"strategy": "random", "count": 1, "step": 3}},
        ],
        steps=2000, replications=12, seed=7,
        sweep={"grid": {"network.p": [0.0, 0.01]}},
    )
    batch = sim.run_batch(scenario, executor="serial")
    lengths = batch.runs.groupby("point")["steps"].agg(["min", "max"])
    assert (lengths["max"] > 2 * lengths["min"]).all()  # the data exercise the carry-forward

    # What the curve used to be, the mean over the runs still going at each step, falls.
    fractions = batch.timeseries.merge(batch.runs[["run", "message", "n_nodes"]])
    live = (fractions["heard"] / fractions["n_nodes"]).groupby(
        [fractions["point"], fractions["message"], fractions["step"]]).mean()
    assert (live.groupby(level=[0, 1]).diff() < -0.01).any()

    curves = mean_curves(batch.timeseries, batch.runs)
    assert never_decreases(curves)
    assert (curves["lo"] <= curves["mean"] + 1e-12).all()
    assert (curves["mean"] <= curves["hi"] + 1e-12).all()
    # each curve ends at its point's longest run, on the mean final value of all runs
    final = curves.loc[curves.groupby(["point", "message", "column"])["step"].idxmax()]
    runs = batch.runs.assign(heard=batch.runs["reach_frac"],
                             adopters=batch.runs["adopters"] / batch.runs["n_nodes"])
    for row in final.itertuples():
        mine = runs[(runs["point"] == row.point) & (runs["message"] == row.message)]
        assert row.step == mine["steps"].max()
        assert np.isclose(row.mean, mine[row.column].mean(), rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=12), min_size=1, max_size=6))
def test_any_runs_of_cumulative_counts_average_to_a_curve_that_never_decreases(increments):
    rows = []
    for run, steps in enumerate(increments):
        heard = np.cumsum(steps)
        rows += [{"run": run, "point": run % 2, "replication": run // 2, "message": "m",
                  "step": step, "heard": int(count), "adopters": int(count), "sharing": 0}
                 for step, count in enumerate(heard)]
    series = pd.DataFrame(rows)
    curves = mean_curves(series)
    assert never_decreases(curves)
    final = curves.loc[curves.groupby(["point", "column"])["step"].idxmax()].set_index(
        ["point", "column"])["mean"]
    for point in series["point"].unique():
        ends = [np.sum(steps) for run, steps in enumerate(increments) if run % 2 == point]
        assert np.isclose(final[(point, "heard")], np.mean(ends))
