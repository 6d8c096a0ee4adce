"""Discrete opinions (``voter``, ``majority``, ``q_voter``): kernel = reference exactly,
``q_voter`` with ``q = 1`` is the voter model, the theory (the voter model's consensus
probability, the one-step mean field of majority and q-voter), the tables under every
executor, and one-line errors."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import sim
from sim.config import scenario_from_dict
from sim.errors import InputError
from sim.model import BuzzModel

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways
from .test_batch import assert_same_tables
from .test_cli import assert_one_line_error, buzz, write_scenario
from .test_modifiers import LAYERS, PEOPLE

NETWORKS = [
    {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    {"model": "barabasi_albert", "n": 200, "m": 3},
    {"model": "follower", "n": 200, "m": 3, "reciprocity": 0.3},
    {"model": "complete", "n": 40},
]
RULES = {
    "voter": {"model": "voter"},
    "majority": {"model": "majority", "group_size": 4},
    "q_voter": {"model": "q_voter", "q": 3, "epsilon": 0.2},
}


def assert_same_opinions(fast, slow) -> None:
    for fast_track, slow_track in zip(fast.tracks, slow.tracks, strict=True):
        if not fast_track.rule.opinion:
            continue
        np.testing.assert_array_equal(fast_track.work.holds, slow_track.work.holds)
        np.testing.assert_array_equal(fast_track.work.holders, slow_track.work.holders)


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("seed", [1, 2])
def test_kernel_equals_reference(network, rule, seed):
    count = network["n"] // 2
    scenario = make_scenario(network, [message_spec(RULES[rule], count)], seed=seed, steps=40)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_opinions(whole, slow)
    assert_same_opinions(stepped, slow)
    holders = whole.tracks[0].work.holders[: whole.t + 1]
    assert len(set(holders.tolist())) > 2  # opinions moved


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("network", [NETWORKS[2], LAYERS], ids=["follower", "layers"])
def test_kernel_equals_reference_with_people_offline(rule, network):
    """With ``people.activity``, people offline at a step keep their opinion (the
    other people modifiers do not touch opinions); with another message beside."""
    messages = [message_spec(RULES[rule], 80),
                message_spec({"model": "independent_cascade", "p": 0.2}, 3, name="ic")]
    scenario = make_scenario(network, messages, people=PEOPLE["everything"], seed=4, steps=30)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_opinions(whole, slow)


def test_q_voter_with_q_one_is_the_voter_model():
    runs = []
    for rule in ({"model": "q_voter", "q": 1, "epsilon": 0.3}, {"model": "voter"}):
        scenario = make_scenario(NETWORKS[0], [message_spec(rule, 100)], seed=5, steps=60)
        model = BuzzModel(scenario, create_agents=False)
        model.run()
        runs.append(model)
    assert_same_state(*runs)
    assert_same_opinions(*runs)


def test_a_run_ends_at_consensus_and_keeps_the_holders():
    scenario = make_scenario({"model": "complete", "n": 30}, [message_spec(RULES["voter"], 15)],
                             seed=2, steps=5000)
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.tracks[0]
    holders = track.work.holders[: model.t + 1]
    assert holders[-1] in (0, 30) and ((holders[:-1] > 0) & (holders[:-1] < 30)).all()
    assert model.t < 5000 and not model.running
    measures = track.rule.run_measures(track.cumulative(model.t), 30, 5000)
    assert measures == {"holders": holders[-1], "holders_frac": holders[-1] / 30,
                        "consensus": True, "consensus_step": float(model.t)}


# ------------------------------------------------------------------ theory
def consensus_share(network: dict, n_seeds: int, n_runs: int, strategy: str = "random",
                    tmp_path=None) -> tuple[float, int]:
    """The fraction of ``n_runs`` voter runs that ended in consensus on the seeded
    opinion, and how many runs reached consensus."""
    rule = RULES["voter"]
    scenario = make_scenario(network, [message_spec(rule, n_seeds, strategy=strategy)],
                             seed=11, steps=20_000)
    graph = BuzzModel(scenario, create_agents=False).graph
    won = agreed = 0
    for replication in range(n_runs):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        holders = model.tracks[0].work.holders[model.t]
        agreed += holders in (0, graph.n_nodes)
        won += holders == graph.n_nodes
    return won / n_runs, agreed


@pytest.mark.parametrize("network", ["complete", "random_regular"])
def test_voter_consensus_on_the_seeded_opinion_has_the_initial_share_as_chance(
    network, tmp_path
):
    """On a complete or regular network the share holding the seeded opinion is a
    martingale of the synchronous voter model, so consensus is on the seeded opinion
    with probability the initial share, 0.3 here (VoterRule's docstring). 600 runs:
    standard error 0.019; tolerance four of them. The regular network is a random
    3-regular graph (networkx, seeded) read as an edge list."""
    if network == "complete":
        section = {"model": "complete", "n": 30}
    else:
        graph = nx.random_regular_graph(3, 30, seed=np.random.default_rng(3))
        path = tmp_path / "regular.txt"
        path.write_text("".join(f"{u} {v}\n" for u, v in graph.edges()))
        section = {"model": "edgelist", "path": str(path)}
    share, agreed = consensus_share(section, 9, 600)
    assert agreed == 600
    standard_error = np.sqrt(0.3 * 0.7 / 600)
    assert abs(share - 0.3) < 4 * standard_error, share


def test_voter_consensus_chance_is_the_seeds_share_of_degrees():
    """On a network whose degrees differ, the martingale is the degree-weighted share:
    seeding the five best-connected people of a Barabasi-Albert graph wins far more
    often than their head count (5 of 40) says."""
    network = {"model": "barabasi_albert", "n": 40, "m": 2, "fixed": True}
    scenario = make_scenario(network, [message_spec(RULES["voter"], 5, strategy="top_degree")])
    model = BuzzModel(scenario, create_agents=False)
    degree = np.diff(model.graph.indptr)
    expected = degree[model.tracks[0].seeds].sum() / degree.sum()
    share, agreed = consensus_share(network, 5, 600, strategy="top_degree")
    assert agreed == 600
    assert expected > 0.25
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / 600), (share, expected)


def one_step_shares(rule: dict, n_nodes: int, n_seeds: int, n_runs: int) -> np.ndarray:
    scenario = make_scenario({"model": "complete", "n": n_nodes},
                             [message_spec(rule, n_seeds)], seed=7, steps=1)
    graph = BuzzModel(scenario, create_agents=False).graph
    shares = []
    for replication in range(n_runs):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        shares.append(model.tracks[0].work.holders[1] / n_nodes)
    return np.array(shares)


@pytest.mark.parametrize(("rule", "expected"), [
    # a holder keeps it unless both draws dissent; a non-holder needs both to agree
    ({"model": "majority", "group_size": 3},
     lambda x, a, b: x * (1 - (1 - a) ** 2) + (1 - x) * b**2),
    ({"model": "q_voter", "q": 4, "epsilon": 0.1},
     lambda x, a, b: x * (1 - (1 - a) ** 4 - 0.1 * (1 - a**4 - (1 - a) ** 4))
     + (1 - x) * (b**4 + 0.1 * (1 - b**4 - (1 - b) ** 4))),
], ids=["majority", "q_voter"])
def test_one_step_on_a_complete_graph_follows_the_mean_field(rule, expected):
    """From a share x = 0.4 of n = 3000 people, the expected share after one step: a
    holder's draws hold the opinion with probability a = (k - 1) / (n - 1), a
    non-holder's with b = k / (n - 1) (draws are among the others, with replacement).
    For majority of 3 this is Galam's map 3x^2 - 2x^3 up to O(1/n). Tolerance: four
    standard errors of the mean of 20 runs."""
    n_nodes, n_seeds = 3000, 1200
    x, a, b = 0.4, (n_seeds - 1) / (n_nodes - 1), n_seeds / (n_nodes - 1)
    shares = one_step_shares(rule, n_nodes, n_seeds, 20)
    standard_error = shares.std(ddof=1) / np.sqrt(shares.size)
    assert abs(shares.mean() - expected(x, a, b)) < 4 * standard_error + 1e-12, (
        shares.mean(), expected(x, a, b))
    if rule["model"] == "majority":
        assert abs(expected(x, a, b) - (3 * x**2 - 2 * x**3)) < 1e-3


# ------------------------------------------------------------------ tables and errors
OPINION_BATCH = {
    "name": "opinions", "seed": 3, "steps": 300, "replications": 2,
    "network": {"model": "watts_strogatz", "n": 120, "k": 6, "p": 0.2},
    "messages": [
        {"name": "view", "rule": RULES["voter"], "seeding": {"strategy": "random", "count": 60}},
        {"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
         "seeding": {"count": 2}},
        {"name": "mood", "rule": {"model": "bounded_confidence", "epsilon": 0.2},
         "seeding": {"count": 0}},
    ],
    "sweep": {"grid": {"messages.view.rule.model": ["voter", "majority"],
                       "messages.mood.rule.variant": ["deffuant", "hegselmann_krause"]}},
}


def test_tables_have_the_opinion_columns(tmp_path):
    batch = sim.run_batch(scenario_from_dict(OPINION_BATCH), out=tmp_path / "out",
                          executor="serial")
    runs = batch.runs
    columns = list(runs.columns)
    added = ["holders", "holders_frac", "consensus", "consensus_step", "clusters",
             "largest_cluster_frac", "mean_opinion", "opinion_variance", "bimodality"]
    assert columns[columns.index("min_net_sentiment") + 1 : -2] == added
    series = sim.load_results(tmp_path / "out")["timeseries"]
    assert list(series.columns[-2:]) == ["holders", "mean_opinion"]
    for row in runs.itertuples():
        curve = series[(series.run == row.run) & (series.message == row.message)]
        if row.message == "promo":
            assert np.isnan(row.holders_frac) and curve.holders.isna().all()
            continue
        if row.message == "mood":
            assert row.holders == curve.holders.iloc[-1]
            assert row.mean_opinion == pytest.approx(curve.mean_opinion.iloc[-1])
            assert row.clusters >= 1 and np.isnan(row.consensus_step)
            continue
        assert row.holders == curve.holders.iloc[-1]
        assert row.holders_frac == row.holders / 120
        assert curve.holders.iloc[0] == 60
        if row.consensus:
            assert curve.holders.iloc[int(row.consensus_step)] in (0, 120)
    assert runs[runs.message == "view"].consensus.any()


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_opinion_tables(tmp_path, executor):
    scenario = scenario_from_dict(OPINION_BATCH)
    sim.run_batch(scenario, tmp_path / "serial", executor="serial")
    other = sim.run_batch(scenario, tmp_path / executor, executor=executor, workers=2)
    assert other.complete
    assert_same_tables(tmp_path / "serial", tmp_path / executor)


def test_resumed_opinion_batch_gives_the_same_tables(tmp_path):
    """A folder whose first part was lost, resumed, holds what one batch writes (its
    runs run again)."""
    scenario = scenario_from_dict(OPINION_BATCH)
    sim.run_batch(scenario, tmp_path / "whole", executor="serial")
    sim.run_batch(scenario, tmp_path / "resumed", executor="serial")
    part = sorted((tmp_path / "resumed" / "parts").glob("timeseries-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:40])
    resumed = sim.run_batch(scenario, tmp_path / "resumed", executor="serial", resume=True)
    assert resumed.complete
    assert_same_tables(tmp_path / "whole", tmp_path / "resumed")


def with_view(**changes) -> dict:
    raw = {**OPINION_BATCH, **changes.pop("top", {})}
    view = {**raw["messages"][0], **changes}
    return {**raw, "messages": [view, *raw["messages"][1:]], "sweep": None}


@pytest.mark.parametrize(("raw", "key", "value", "allowed"), [
    (with_view(rule={"model": "q_voter", "q": 0}), "messages.view.rule.q", "0",
     "greater than 0"),
    (with_view(rule={"model": "q_voter", "epsilon": 1.5}), "messages.view.rule.epsilon",
     "1.5", "less than or equal to 1"),
    (with_view(rule={"model": "majority", "group_size": 0}),
     "messages.view.rule.group_size", "0", "greater than 0"),
    (with_view(seeding={"count": 3, "step": 2}), "messages.view.seeding.step", "2", "0 with"),
    (with_view(modifiers={"half_life": 5.0}), "messages.view.modifiers.half_life", "5",
     "opinion rule"),
    (with_view(top={"interactions": [{"from": "promo", "to": "view", "kind": "inoculation",
                                      "factor": 0.5}]}),
     "interactions.0.to", "view", "spreads shares"),
    (with_view(top={"community_manager": {"watch": "view", "respond_with": "promo",
                                              "detect_reach": 5}}),
     "community_manager.watch", "view", "spreads shares"),
])
def test_what_an_opinion_rule_cannot_serve_is_one_line(raw, key, value, allowed):
    assert_one_line_input_error(raw, key, value, allowed)


def assert_one_line_input_error(raw: dict, *needles: str) -> None:
    """Loading ``raw`` (as file s.yaml) fails with one line naming it and ``needles``."""
    with pytest.raises(InputError) as error:
        scenario_from_dict(raw, "s.yaml")
    line = str(error.value)
    assert "\n" not in line
    for needle in ("s.yaml", *needles):
        assert needle in line, (needle, line)


def test_bad_q_exits_2_with_one_line(tmp_path):
    scenario = write_scenario(tmp_path, messages__0__rule={"model": "q_voter", "q": 0})
    assert_one_line_error(buzz("validate", scenario), str(scenario), "messages.promo.rule.q",
                          "0", "greater than 0")
