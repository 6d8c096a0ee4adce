"""Sharing that lasts (``sir``, ``sis``): kernel = reference exactly, ``gamma = 1`` is the
independent cascade, the theory (Kenah and Robins's final size, the SIS mean-field
endemic level), the runs-table columns and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways
from .test_cli import assert_one_line_error, buzz, write_scenario
from .test_modifiers import LAYERS, PEOPLE

NETWORKS = [
    {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
    {"model": "barabasi_albert", "n": 300, "m": 3},
    {"model": "follower", "n": 300, "m": 3, "reciprocity": 0.3},
    {"model": "complete", "n": 40},
]
SIR = {"model": "sir", "beta": 0.2, "gamma": 0.3}
SIS = {"model": "sis", "beta": 0.15, "gamma": 0.3}


def assert_same_episodes(fast, slow) -> None:
    """Kernel and reference agree on who stopped when and who restarted when."""
    for name in ("since", "stopped_at", "episodes"):
        np.testing.assert_array_equal(
            getattr(fast.tracks[0].work, name), getattr(slow.tracks[0].work, name), err_msg=name
        )


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("rule", [SIR, SIS], ids=["sir", "sis"])
@pytest.mark.parametrize("seed", [1, 2])
def test_kernel_equals_reference(network, rule, seed):
    scenario = make_scenario(network, [message_spec(rule, 3)], seed=seed, steps=80)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_episodes(whole, slow)
    assert whole.count("adopters") > 3


@pytest.mark.parametrize("rule", [SIR, SIS], ids=["sir", "sis"])
@pytest.mark.parametrize("people", ["everything", "influencers"])
def test_kernel_equals_reference_with_modifiers_and_forgetting(rule, people):
    message = message_spec(rule, 4, step=2)
    message["modifiers"] = {"half_life": 8.0, "forgetting": 0.1}
    scenario = make_scenario(NETWORKS[2], [message], people=PEOPLE[people], seed=4, steps=60)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_episodes(whole, slow)


@pytest.mark.parametrize("people", ["none", "everything"])
def test_kernel_equals_reference_on_layers(people):
    rule = {**SIR, "layers": {"twitter": {"beta": 0.5}, "offline": {"beta": 0.05}}}
    top = {} if people == "none" else {"people": PEOPLE[people]}
    scenario = make_scenario(LAYERS, [message_spec(rule, 4)], seed=13, steps=50, **top)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)


@pytest.mark.parametrize("people", ["none", "everything"])
@pytest.mark.parametrize("network", [NETWORKS[0], NETWORKS[2], LAYERS], ids=str)
def test_gamma_one_is_exactly_the_independent_cascade(people, network):
    """A sharer who stops after one step has one chance per neighbour, under the
    independent cascade's own coin: identical arrays, counts and steps."""
    top = {} if people == "none" else {"people": PEOPLE[people]}
    runs = []
    for rule in ({"model": "sir", "beta": 0.35, "gamma": 1.0},
                 {"model": "independent_cascade", "p": 0.35}):
        if network is LAYERS:
            key = "beta" if rule["model"] == "sir" else "p"
            rule = {**rule, "layers": {"twitter": {key: 0.6}}}
        model = BuzzModel(make_scenario(network, [message_spec(rule, 5)], seed=7, **top),
                          create_agents=False)
        model.run()
        runs.append(model)
    assert_same_state(*runs)
    assert runs[0].count("adopters") > 20


def test_sharing_counts_who_shares_at_each_step():
    """The timeseries' ``sharing`` is the prevalence: under sir, the people with
    ``shared_at <= t < stopped_at``, counted from the arrays."""
    scenario = make_scenario(NETWORKS[0], [message_spec(SIR, 3)], seed=3, steps=80)
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.tracks[0]
    sharing = track.cumulative(model.t)[2]
    expected = [np.sum((track.shared_at <= t) & (t < track.work.stopped_at))
                for t in range(model.t + 1)]
    np.testing.assert_array_equal(sharing, expected)
    assert sharing.max() > 10 and sharing[-1] == 0  # the run ends when nobody shares


def test_sis_people_share_again():
    scenario = make_scenario({"model": "complete", "n": 60},
                             [message_spec({"model": "sis", "beta": 0.05, "gamma": 0.5}, 5)],
                             seed=2, steps=40)
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    work, track = model.tracks[0].work, model.tracks[0]
    restarted = work.since != NEVER
    assert restarted.sum() > 10
    assert (work.since[restarted] > track.shared_at[restarted]).all()
    assert model.t == 40  # endemic: still sharing at the end


# ------------------------------------------------------------------ theory
def test_sir_final_size_on_erdos_renyi_matches_kenah_and_robins():
    """On Erdos-Renyi graphs with mean degree c the fraction who ever share in a large
    outbreak solves S = 1 - exp(-c T S), T = beta / (beta + gamma - beta gamma)
    (Kenah and Robins 2007): a person escapes when none of their neighbours transmits,
    each independently with probability T. Tolerance: four standard errors of the mean
    over large outbreaks plus 1/sqrt(n) for finite size (measured: within 2 standard
    errors, 0.0011 and 0.0021 off)."""
    n_nodes, mean_degree = 20_000, 4.0
    for beta, gamma in ((0.3, 0.4), (0.1, 0.2)):
        transmissibility = beta / (beta + gamma - beta * gamma)
        expected = brentq(
            lambda s, t=transmissibility: s - 1 + np.exp(-mean_degree * t * s), 1e-9, 1.0
        )
        rule = {"model": "sir", "beta": beta, "gamma": gamma}
        scenario = make_scenario({"model": "erdos_renyi", "n": n_nodes,
                                  "mean_degree": mean_degree},
                                 [message_spec(rule, 1)], seed=5, steps=500)
        sizes = []
        for replication in range(100):
            model = BuzzModel(scenario, replication=replication, create_agents=False)
            model.run()
            sizes.append(model.count("adopters") / n_nodes)
        sizes = np.array(sizes)
        large = sizes[sizes > 0.25 * expected]
        assert large.size > 15
        standard_error = large.std(ddof=1) / np.sqrt(large.size)
        assert abs(large.mean() - expected) < 4 * standard_error + n_nodes**-0.5, (
            beta, gamma, large.mean(), expected)
        assert sizes[sizes <= 0.25 * expected].max() < 0.01  # small ones stay small


def test_sis_endemic_level_on_a_complete_graph_matches_the_mean_field_fixed_point():
    """On a complete graph of n people with i = x n sharing, one who can catch the
    message escapes all of them with probability (1 - beta)^(x n); sharers go on with
    probability 1 - gamma, and those who stop can catch it from the next step. So the
    expected fraction sharing follows x' = (1 - gamma) x + (1 - x)(1 - (1 - beta)^(x n)),
    whose fixed point solves gamma x = (1 - x)(1 - (1 - beta)^(x n)) (above the
    threshold beta n > gamma). The mean prevalence over the last quarter of each run,
    averaged over runs, matches it within four standard errors (measured: 1 standard
    error off at n = 500)."""
    n_nodes, beta, gamma, steps = 400, 0.005, 0.5, 80
    expected = brentq(
        lambda x: gamma * x - (1 - x) * (1 - (1 - beta) ** (x * n_nodes)), 1e-6, 1.0
    )
    rule = {"model": "sis", "beta": beta, "gamma": gamma}
    scenario = make_scenario({"model": "complete", "n": n_nodes}, [message_spec(rule, 40)],
                             seed=3, steps=steps)
    graph = BuzzModel(scenario, create_agents=False).graph
    levels = []
    for replication in range(12):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        curves = model.tracks[0].cumulative(model.t)
        levels.append(model.tracks[0].rule.run_measures(curves, n_nodes, steps)[
            "mean_prevalence_last_quarter"])
    levels = np.array(levels)
    standard_error = levels.std(ddof=1) / np.sqrt(levels.size)
    assert abs(levels.mean() - expected) < 4 * standard_error, (levels.mean(), expected)
    assert abs(expected - 0.578) < 0.01  # the level the docstring's numbers give


# ------------------------------------------------------------------ tables and errors
def test_runs_table_has_the_rules_own_columns(tmp_path):
    import sim

    messages = [message_spec(SIR, 3, name="lasting"), message_spec(SIS, 3, name="again"),
                message_spec({"model": "independent_cascade", "p": 0.2}, 3, name="once")]
    scenario = make_scenario(NETWORKS[0], messages, seed=2, steps=60, replications=2)
    runs = sim.run_batch(scenario, out=tmp_path / "out", executor="serial").runs
    columns = list(runs.columns)
    added = ["final_size", "peak_prevalence", "mean_prevalence_last_quarter"]
    assert columns[columns.index("min_net_sentiment") + 1 :] == added
    series = sim.load_results(tmp_path / "out")["timeseries"]
    for row in runs.itertuples():
        curve = series[(series.run == row.run) & (series.message == row.message)]
        if row.message == "once":
            assert np.isnan(row.final_size) and np.isnan(row.peak_prevalence)
            continue
        assert row.final_size == row.adopters / 300
        assert row.peak_prevalence == curve.sharing.max() / 300
        assert row.peak_step == curve.step.iloc[int(np.argmax(curve.sharing.to_numpy()))]
        if row.message == "again":
            late = curve[curve.step > 45].sharing.sum() / 15 / 300
            assert row.mean_prevalence_last_quarter == pytest.approx(late)
        else:
            assert np.isnan(row.mean_prevalence_last_quarter)


@pytest.mark.parametrize("model", ["sir", "sis"])
@pytest.mark.parametrize(("key", "value", "needle"),
                         [("gamma", 1.5, "less than or equal to 1"),
                          ("gamma", -0.2, "greater than or equal to 0"),
                          ("beta", "often", "number")])
def test_bad_rates_give_one_line_and_exit_2(tmp_path, model, key, value, needle):
    rule = {"model": model, "beta": 0.1, "gamma": 0.4, key: value}
    scenario = write_scenario(tmp_path, messages__0__rule=rule)
    assert_one_line_error(buzz("validate", scenario), str(scenario),
                          f"messages.promo.rule.{key}", str(value), needle)
