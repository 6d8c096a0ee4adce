"""Summaries over replications: bootstrap intervals that respect their quantity, and
paired comparisons of sweep points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.results.statistics import (
    COMPARISON_COLUMNS,
    SUMMARY_METRICS,
    compare_points,
    expanded_tail,
    mean_ci,
    mean_interval,
    paired_difference,
    point_labels,
    summarize,
)

P_KEY = "messages.promo.rule.p"
S_KEY = "messages.promo.seeding.strategy"


def grid_runs(values: dict[tuple[float, str], list[float]]) -> pd.DataFrame:
    """A runs table for a 2-key grid: (p, strategy) -> reach_frac per replication."""
    rows = []
    for point, ((p, strategy), reaches) in enumerate(values.items()):
        for replication, reach in enumerate(reaches):
            rows.append(
                {
                    "run": point * len(reaches) + replication,
                    "point": point,
                    "replication": replication,
                    "seed": 1,
                    "message": "promo",
                    "reach": int(reach * 1000),
                    "reach_frac": reach,
                    "adopters": int(reach * 500),
                    "peak_step": 3,
                    "t50": 4 + replication,
                    "steps": 20,
                    "n_nodes": 1000,
                    P_KEY: p,
                    S_KEY: strategy,
                }
            )
    return pd.DataFrame(rows)


def test_mean_ci_is_the_student_t_interval():
    """mean_ci stays the t interval (for curves and notebooks); tables use mean_interval."""
    values = np.array([0.2, 0.5, 0.3, 0.9, 0.4])
    expected = stats.t.interval(0.95, len(values) - 1, values.mean(), stats.sem(values))
    mean, low, high = mean_ci(values)
    assert mean == pytest.approx(values.mean())
    assert (low, high) == pytest.approx(expected)
    assert np.isnan(mean_ci([3.0])[1])


def test_summarize_keeps_its_columns_and_groups_by_point_key_message():
    runs = grid_runs({(0.1, "random"): [0.1, 0.2, 0.3], (0.2, "random"): [0.3, 0.4, 0.5]})
    summary = summarize(runs)
    expected = ["point", P_KEY, S_KEY, "message", "n"] + [
        f"{m}_{part}" for m in SUMMARY_METRICS if m in runs for part in ("mean", "lo", "hi")
    ]
    assert list(summary.columns) == expected
    assert summary["n"].tolist() == [3, 3]
    assert summary["reach_frac_mean"].tolist() == pytest.approx([0.2, 0.4])


def test_point_labels_name_the_swept_values():
    runs = grid_runs({(0.1, "random"): [0.1], (0.2, "top_degree"): [0.2]})
    assert point_labels(runs) == {0: "p=0.1, strategy=random", 1: "p=0.2, strategy=top_degree"}


def test_compare_points_paired_difference_is_the_bootstrap_of_the_differences():
    a = [0.10, 0.30, 0.20, 0.50]
    b = [0.15, 0.32, 0.29, 0.55]
    runs = grid_runs({(0.1, "random"): a, (0.2, "random"): b})
    table = compare_points(runs)
    assert list(table.columns) == COMPARISON_COLUMNS
    row = table[table["metric"] == "reach_frac"].iloc[0]
    assert (row["key"], row["value_a"], row["value_b"]) == (P_KEY, 0.1, 0.2)
    assert (row["label_a"], row["label_b"]) == ("0.1", "0.2")
    assert (row["point_a"], row["point_b"], row["n"]) == (0, 1, 4)
    assert row["fixed"] == "strategy=random"
    differences = np.subtract(b, a)
    assert row["diff_mean"] == pytest.approx(differences.mean())
    assert (row["diff_lo"], row["diff_hi"]) == pytest.approx(mean_interval(differences)[1:])
    # a mean of resampled differences lies between the smallest and the largest
    assert differences.min() - 1e-12 <= row["diff_lo"] <= row["diff_hi"] <= differences.max()
    # Replications share most of their noise, so pairing must pay off here.
    assert row["paired_halfwidth"] < row["unpaired_halfwidth"] / 3


def test_intervals_never_leave_what_a_quantity_can_be():
    """Rare huge cascades: a t interval goes below zero, the bootstrap one cannot."""
    adopters = [0, 0, 1, 0, 2, 0, 0, 1400, 0, 3]
    assert mean_ci(adopters)[1] < 0
    mean, low, high = mean_interval(adopters)
    assert 0 <= low < mean < high <= 1400
    shares = [0.99, 1.0, 1.0, 0.97, 1.0]
    assert mean_ci(shares)[2] > 1.0
    assert mean_interval(shares)[2] <= 1.0
    steps = [3, 3, 3, 3, 4]
    assert mean_interval(steps)[1] >= 3
    assert mean_interval([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0)
    assert np.isnan(mean_interval([3.0])[1])


def test_one_result_gets_one_interval():
    values = np.random.default_rng(3).exponential(size=15)
    assert mean_interval(values) == mean_interval(list(values))
    assert mean_interval(values) == mean_interval(values.copy())


def test_the_expanded_percentile_interval_covers_95_percent():
    """Coverage of normal samples of 10 (the replications a scenario often runs): 1,000
    samples give a standard error of 0.7 points, so the tolerance is 3 of them (the
    method's own coverage here, measured on 9,000 samples, is 94.3%)."""
    rng = np.random.default_rng(11)
    samples = rng.normal(0.0, 1.0, size=(1000, 10))
    covered = [low <= 0.0 <= high for _, low, high in map(mean_interval, samples)]
    assert np.mean(covered) == pytest.approx(0.95, abs=0.021)
    # wider than plain percentiles for few values, equal for many
    assert expanded_tail(5) < 0.001 and expanded_tail(10_000) == pytest.approx(0.025, abs=1e-4)


def test_paired_difference_of_identical_pairs_is_exactly_zero():
    result = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (result["diff_mean"], result["diff_lo"], result["diff_hi"]) == (0.0, 0.0, 0.0)


def test_pairing_is_narrower_for_positively_correlated_runs():
    rng = np.random.default_rng(0)
    shared = rng.uniform(0.1, 0.6, size=6)  # the graph and coins both points share
    a = shared + rng.normal(0, 0.01, size=6)
    b = shared + 0.05 + rng.normal(0, 0.01, size=6)
    runs = grid_runs({(0.1, "random"): list(a), (0.2, "random"): list(b)})
    row = compare_points(runs, metrics=["reach_frac"]).iloc[0]
    assert np.corrcoef(a, b)[0, 1] > 0.9
    assert row["diff_lo"] > 0  # the 0.05 effect is seen ...
    assert row["paired_halfwidth"] < row["unpaired_halfwidth"] / 5  # ... thanks to pairing
    assert row["unpaired_halfwidth"] > 0.05  # ignoring pairing, it would be lost in noise


def test_compare_points_pairs_only_points_that_differ_in_one_key():
    reach = [0.1, 0.2, 0.3]
    runs = grid_runs(
        {
            (0.1, "random"): reach,
            (0.1, "top_degree"): reach,
            (0.2, "random"): reach,
            (0.2, "top_degree"): reach,
        }
    )
    table = compare_points(runs, metrics=["reach_frac"])
    pairs = sorted(zip(table["point_a"], table["point_b"], table["key"], strict=True))
    assert pairs == [(0, 1, S_KEY), (0, 2, P_KEY), (1, 3, P_KEY), (2, 3, S_KEY)]
    assert table["diff_mean"].tolist() == [0.0] * 4
    assert set(table["fixed"]) == {"p=0.1", "p=0.2", "strategy=random", "strategy=top_degree"}


def test_compare_points_is_empty_with_one_point():
    runs = grid_runs({(0.1, "random"): [0.1, 0.2]})
    table = compare_points(runs)
    assert table.empty and list(table.columns) == COMPARISON_COLUMNS


def test_keys_swept_together_are_compared_as_one_factor():
    """A zip sweep changes its keys together: the comparison pairs the points it
    tells apart, under one compound key."""
    rows = []
    for point, (strategy, budget) in enumerate([("top_degree", 10), ("random", 20)]):
        for replication in range(4):
            rows.append({"point": point, "replication": replication, "message": "m",
                         "messages.m.seeding.strategy": strategy,
                         "messages.m.seeding.budget": budget,
                         "reach_frac": 0.1 * (point + 1) + 0.01 * replication})
    comparison = compare_points(pd.DataFrame(rows), metrics=["reach_frac"])
    assert comparison["key"].tolist() == ["strategy & budget"]
    row = comparison.iloc[0]
    assert (row["value_a"], row["value_b"]) == ("top_degree / 10", "random / 20")
    assert row["diff_mean"] == pytest.approx(0.1)
