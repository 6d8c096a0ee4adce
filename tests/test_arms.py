"""Named arms, readable names for unnamed points, the report and value sections, and
the arm, value and roi columns they give the results tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import run_batch
from sim.config import Sweep, load_scenario, scenario_from_dict
from sim.results.tables import ranking

from .conftest import PROJECT, buzz_in_process
from .test_cli import assert_one_line_error, with_changes

BASE = {
    "name": "arms",
    "seed": 3,
    "steps": 60,
    "replications": 3,
    "network": {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1},
    "messages": [
        {"name": "promo", "valence": "positive",
         "rule": {"model": "independent_cascade", "p": 0.25},
         "seeding": {"strategy": "random", "count": 3,
                     "cost": {"model": "flat", "per_seed": 10}}},
        {"name": "gripe", "valence": "negative",
         "rule": {"model": "independent_cascade", "p": 0.2},
         "seeding": {"strategy": "random", "count": 2}},
    ],
    "sweep": {"arms": [
        {"name": "hubs", "set": {"messages.promo.seeding.strategy": "top_degree"}},
        {"name": "random people"},
        {"name": "more random people", "set": {"messages.promo.seeding.count": 6}},
    ]},
    "value": {"per_adopter": 12.0, "per_reach": 0.5},
    "report": {"rank_by": "roi", "baseline": "random people", "currency": "$"},
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return run_batch(scenario_from_dict(BASE), tmp_path_factory.mktemp("arms") / "out")


def test_arms_are_points_in_order_named_in_both_tables(batch):
    runs, series = batch.runs, batch.timeseries
    assert runs.drop_duplicates("point")["arm"].tolist() == [
        "hubs", "random people", "more random people"]
    assert set(series["arm"]) == set(runs["arm"])
    assert (series.groupby("run")["arm"].first() == runs.groupby("run")["arm"].first()).all()


def test_swept_columns_hold_the_value_each_arm_ran_with(batch):
    """An arm sets some keys; the others keep the scenario's value, in their column."""
    points = batch.runs.drop_duplicates("point").set_index("arm")
    assert points["messages.promo.seeding.strategy"].to_dict() == {
        "hubs": "top_degree", "random people": "random", "more random people": "random"}
    assert points["messages.promo.seeding.count"].tolist() == [3, 3, 6]
    promo = batch.runs[batch.runs["message"] == "promo"].groupby("arm")["cost"].mean()
    assert promo.to_dict() == {"hubs": 30.0, "random people": 30.0, "more random people": 60.0}


def test_value_and_return_on_investment(batch):
    promo = batch.runs[batch.runs["message"] == "promo"]
    expected = 12.0 * promo["adopters"] + 0.5 * promo["reach"]
    np.testing.assert_allclose(promo["value"], expected)
    np.testing.assert_allclose(promo["roi"], (expected - promo["cost"]) / promo["cost"])
    gripe = batch.runs[batch.runs["message"] == "gripe"]  # negative: not the brand's
    assert gripe["value"].isna().all() and gripe["roi"].isna().all()


def test_ranking_follows_report_and_pairs_each_arm_with_the_baseline(batch):
    scenario = yaml.safe_load((batch.out / "scenario.yaml").read_text())
    ranked = ranking(batch.runs, scenario)
    assert ranked.measure.name == "roi" and ranked.baseline == "random people"
    assert ranked.message == "promo" and ranked.better == "higher"
    frame = ranked.frame
    assert frame["mean"].tolist() == sorted(frame["mean"], reverse=True)
    base = frame.set_index("arm").loc["random people"]
    assert np.isnan(base["diff_mean"])
    promo = batch.runs[batch.runs["message"] == "promo"].pivot(
        index="replication", columns="arm", values="roi")
    hubs = frame.set_index("arm").loc["hubs"]
    assert hubs["diff_mean"] == pytest.approx((promo["hubs"] - promo["random people"]).mean())
    assert hubs["diff_lo"] <= hubs["diff_mean"] <= hubs["diff_hi"]


def test_less_reach_is_better_for_a_negative_message(batch):
    scenario = {**BASE, "report": {"message": "gripe", "rank_by": "reach"}}
    ranked = ranking(batch.runs, scenario)
    assert ranked.better == "lower"
    assert ranked.frame["mean"].tolist() == sorted(ranked.frame["mean"])


def test_unnamed_points_are_named_by_what_varies():
    sweep = Sweep(grid={"network": [{"model": "barabasi_albert", "n": 500, "m": 3},
                                    {"model": "watts_strogatz", "n": 500, "k": 6, "p": 0.1}],
                        "messages.a.seeding.strategy": ["random", "top_degree"]})
    assert sweep.labels() == [
        "Barabási-Albert m=3, strategy=random", "Barabási-Albert m=3, strategy=top_degree",
        "Watts-Strogatz k=6, p=0.1, strategy=random",
        "Watts-Strogatz k=6, p=0.1, strategy=top_degree"]
    zipped = Sweep(zip={"messages.a.seeding.strategy": ["nodes", "random"],
                        "messages.a.seeding.nodes": [list(range(20)), None],
                        "messages.a.rule.p": [0.1, 0.1]})
    assert zipped.labels() == ["strategy=nodes, nodes=[0, 1, …, 19] (20)",
                               "strategy=random, nodes=none"]


def test_a_baseline_left_by_a_replaced_sweep_is_not_an_error():
    """Replacing a scenario's arms by a grid (--set sweep=...) keeps it valid: the
    report then compares with the first point."""
    from sim.config import with_overrides

    crisis = load_scenario(PROJECT / "scenarios" / "crisis.yaml")
    assert crisis.report.baseline == "no answer"
    grid = with_overrides(crisis, ["sweep={grid: {community_manager.credibility: [0.4, 1.0]}}"])
    assert grid.point_labels() == ["credibility=0.4", "credibility=1"]


def test_every_ready_made_comparison_names_its_points_in_words():
    for path in sorted((PROJECT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        labels = scenario.point_labels()
        assert len(set(labels)) == len(labels), path.name
        for label in labels:
            assert "{" not in label and "nan" not in label, (path.name, label)
            assert len(label) <= 60, (path.name, label)


def write(tmp_path, **changes) -> str:
    path = tmp_path / "arms.yaml"
    raw = with_changes(yaml.safe_load(yaml.safe_dump(BASE)), **changes)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        ({"sweep__arms__0__set": {"messages.promo.seeding.strategie": "top_degree"}},
         ["sweep.arms.hubs.set.messages.promo.seeding.strategie", "'top_degree'",
          "known keys"]),
        ({"sweep__arms__0__set": {"messages.nobody.rule.p": 0.1}},
         ["sweep.arms.hubs.set.messages.nobody.rule.p", "0.1", "a name in messages: promo, gripe"]),
        ({"sweep__arms__2__name": "hubs"}, ["sweep.arms", "['hubs']", "different names"]),
        ({"report__rank_by": "fame"}, ["report.rank_by", "'fame'", "cost_per_reach"]),
        ({"report__baseline": "nobody"}, ["report.baseline", "'nobody'", "random people"]),
        ({"value__per_adopter": -12.0}, ["value.per_adopter", "-12", "greater than or equal"]),
    ],
)
def test_bad_arms_report_or_value_give_one_line_and_write_nothing(tmp_path, change, needles):
    path = write(tmp_path, **change)
    assert_one_line_error(buzz_in_process("validate", path), path, *needles)
    out = tmp_path / "out"
    assert_one_line_error(buzz_in_process("run", path, "--out", out), path, *needles)
    assert not out.exists()


def test_summary_csv_opens_as_it_is(batch, tmp_path):
    from sim.results.report import write_report

    write_report(batch.out)
    raw = (batch.out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a spreadsheet reads it as UTF-8
    table = pd.read_csv(batch.out / "summary.csv", encoding="utf-8-sig")
    assert len(table) == 3 * 2 and set(table["arm"]) == {
        "hubs", "random people", "more random people"}
    assert {"reach (% of people)", "reach: 95% low", "spend ($)",
            "return on investment (%)", "time to contain (steps)"} <= set(table.columns)
    promo = table[table["message"] == "promo"].set_index("arm")
    runs = batch.runs[batch.runs["message"] == "promo"]
    assert promo.loc["hubs", "reach (% of people)"] == pytest.approx(
        100 * runs[runs["arm"] == "hubs"]["reach_frac"].mean(), rel=1e-5)
    low, high = promo["reach: 95% low"], promo["reach: 95% high"]
    assert ((low >= 0) & (low <= promo["reach (% of people)"]) & (high <= 100)).all()
    assert promo["rank by return on investment"].notna().all()
