"""Activity-driven networks (Perra et al. 2012, with Karsai et al. 2014's memory): the
generator equals its per-person reference draw for draw, rules on it equal the
reference, contacts per step follow the model, the SIS threshold is where the paper
puts it, runs go through batches under every executor, and bad input is one line."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import sim
from sim.config import ActivityDriven, scenario_from_dict
from sim.errors import InputError
from sim.model import BuzzModel
from sim.network.temporal import activity_contacts, activity_driven
from sim.network.weights import power_law
from sim.reference import activity_driven_contacts
from sim.rules.sir import late_prevalence

from .conftest import assert_same_state, make_scenario, run_three_ways
from .test_batch import assert_same_tables
from .test_cli import assert_one_line_error, buzz
from .test_modifiers import PEOPLE
from .test_temporal import TEMPORAL_RULES

POWER_LAW = {"distribution": "power_law", "exponent": 2.1, "low": 0.05}


def _network(**changes) -> dict:
    return {"model": "activity_driven", "n": 150, "m": 2, "activity": POWER_LAW, **changes}


@pytest.mark.parametrize("memory", [None, 1.0, 0.2])
@pytest.mark.parametrize("m", [1, 3])
def test_contacts_equal_the_per_person_reference(memory, m):
    activity = power_law(2.1, 0.05, 1.0, np.random.default_rng(9).random(60))
    fast = activity_contacts(activity, m, 40, memory, np.random.default_rng(3))
    slow = activity_driven_contacts(activity, m, 40, memory, np.random.default_rng(3))
    assert fast[0].size > 100
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


def test_memory_keeps_everyone_within_reach_when_all_are_met():
    """Three people, memory: once each has met the other two, every call goes to
    someone met (no new person is left to draw)."""
    activity = np.ones(3)
    fast = activity_contacts(activity, 2, 20, 5.0, np.random.default_rng(1))
    slow = activity_driven_contacts(activity, 2, 20, 5.0, np.random.default_rng(1))
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    assert set(fast[1].tolist()) == {0, 1, 2}


def test_contacts_per_step_follow_the_model():
    """Each step ``n <a> m`` calls on average (a binomial sum per step): the mean
    over 400 steps within 4 standard errors; with memory the same number of calls
    reaches far fewer distinct people (Karsai et al.: ties grow sublinearly)."""
    n, m, steps = 2000, 2, 400
    activity = power_law(2.1, 0.05, 1.0, np.random.default_rng(0).random(n))
    callers, _, step = activity_contacts(activity, m, steps, None, np.random.default_rng(1))
    per_step = np.bincount(step, minlength=steps)
    expected = m * activity.sum()
    sd = m * np.sqrt((activity * (1 - activity)).sum())  # m calls per active person
    assert abs(per_step.mean() - expected) < 4 * sd / np.sqrt(steps)
    assert abs(np.bincount(callers, minlength=n).sum() / steps / n - m * activity.mean()) < 0.01
    plain = activity_driven(activity, m, steps, rng=np.random.default_rng(1))
    remembering = activity_driven(activity, m, steps, memory=1.0, rng=np.random.default_rng(1))
    assert remembering.static().n_edges < plain.static().n_edges / 3


@TEMPORAL_RULES
@pytest.mark.parametrize("people", ["none", "everything"])
@pytest.mark.parametrize("memory", [None, {"c": 1.0}])
def test_rules_on_activity_driven_contacts_equal_the_reference(rule, people, memory):
    """The kernel (stepped, and in one call) against the reference, which draws the
    contacts itself, person by person."""
    top = {} if people == "none" else {"people": PEOPLE[people]}
    messages = [{"name": "m", "rule": rule, "seeding": {"strategy": "random", "count": 5}}]
    network = _network(memory=memory) if memory else _network()
    scenario = make_scenario(network, messages, seed=4, steps=40, **top)
    stepped, whole, slow = run_three_ways(scenario)
    np.testing.assert_array_equal(whole.graph.edge_step, slow.graph.edge_step)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert whole.count("adopters") > 5


def test_replications_differ_and_repeat():
    scenario = make_scenario(_network(), steps=30)
    first, again = BuzzModel(scenario, replication=0), BuzzModel(scenario, replication=0)
    other = BuzzModel(scenario, replication=1)
    np.testing.assert_array_equal(first.graph.indices, again.graph.indices)
    np.testing.assert_array_equal(first.graph.edge_step, again.graph.edge_step)
    assert not np.array_equal(first.graph.degree, other.graph.degree)
    assert int(first.graph.edge_step.max()) == 29  # contacts for steps 0 .. steps - 1


def _sis_threshold(spec: ActivityDriven, gamma: float) -> float:
    """Perra et al.'s threshold in buzz's discrete time (see the test below)."""
    return gamma / (spec.m * (spec.activity_moment(1) + np.sqrt(spec.activity_moment(2))))


def _mean_field_prevalence(activity: np.ndarray, m: int, beta: float, gamma: float) -> float:
    """The fixed point of the discrete mean field by activity class (equal-weight
    classes at ``activity``): a fraction ``x_a`` sharing, ``X`` its mean and ``theta``
    the mean of ``a x_a``; a person of activity ``a`` escapes this step's chances
    with ``((1 - a) + a (1 - beta X)^m) exp(-beta m theta)`` (their own ``m`` calls, if
    active, reach sharers with chance ``X`` each; sharers' calls reach them as a
    Poisson number of mean ``m theta``), and ``x_a' = (1 - gamma) x_a + (1 - x_a)(1 -
    escape)``."""
    share = np.full(activity.size, 0.5)
    for _ in range(2000):
        mean, theta = share.mean(), (activity * share).mean()
        escape = ((1 - activity) + activity * (1 - beta * mean) ** m) * np.exp(-beta * m * theta)
        share = (1 - gamma) * share + (1 - share) * (1 - escape)
    return float(share.mean())


def test_sis_threshold_of_perra_et_al():
    """Perra et al. (2012) derive the SIS threshold ``beta / mu > 1 / (m (<a> +
    sqrt(<a^2>)))`` with ``beta`` a chance per contact and ``mu`` a recovery rate per
    unit time, the step of the model. In buzz's discrete steps (a sharer at step ``t``
    gives a chance ``beta`` over each contact of step ``t`` and stops after it with
    probability ``gamma``), linearising the mean field by activity class (see
    :func:`_mean_field_prevalence`) gives ``x' = (1 - gamma) x + beta m (<a> x +
    theta)`` and ``theta' = (1 - gamma) theta + beta m (<a^2> x + <a> theta)`` for the
    fraction sharing ``x`` and ``theta`` = the mean of ``a x_a``, whose largest
    eigenvalue crosses 1 at ``beta m (<a> + sqrt(<a^2>)) = gamma``: the same threshold
    with ``mu = gamma`` and no correction for discrete time. Half of it, the buzz dies
    out in every replication; at twice it, it stays, at the mean field's endemic level
    (0.357 here) within 4 standard errors of the mean over replications (measured:
    0.346, standard error 0.007; at 1.5 and 3 times the threshold 0.219 and 0.495
    against 0.226 and 0.502: the mean field is 2 to 3% high at 1,000 people)."""
    gamma, n, steps, reps = 0.2, 1000, 160, 6
    network = {"model": "activity_driven", "n": n, "m": 3, "activity": POWER_LAW}
    spec = ActivityDriven(**network)
    critical = _sis_threshold(spec, gamma)
    assert critical == pytest.approx(0.1866, abs=1e-4)
    classes = power_law(2.1, 0.05, 1.0, (np.arange(4000) + 0.5) / 4000)
    for factor, dies in ((0.5, True), (2.0, False)):
        beta = factor * critical
        scenario = make_scenario(network, [{
            "name": "m", "rule": {"model": "sis", "beta": beta, "gamma": gamma},
            "seeding": {"strategy": "random", "count": n // 10}}], steps=steps)
        late = []
        for replication in range(reps):
            model = BuzzModel(scenario, replication=replication, create_agents=False)
            model.run()
            sharing = model.tracks[0].cumulative(model.t)[2]
            late.append(late_prevalence(np.asarray(sharing), n, steps))
        late = np.array(late)
        if dies:
            assert (late == 0).all()
        else:
            expected = _mean_field_prevalence(classes, 3, beta, gamma)
            assert expected == pytest.approx(0.357, abs=0.001)
            error = late.std(ddof=1) / np.sqrt(reps)
            assert abs(late.mean() - expected) < 4 * error, (late.mean(), error)


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_batches_sweeps_and_executors_give_the_same_tables(tmp_path, executor):
    messages = [{"name": "m", "rule": {"model": "sis", "beta": 0.4, "gamma": 0.3},
                 "seeding": {"strategy": "random", "count": 3}}]
    scenario = make_scenario(_network(), messages, steps=30, replications=3,
                             sweep={"grid": {"network.m": [1, 3]}})
    serial = sim.run_batch(scenario, out=tmp_path / "serial", executor="serial")
    other = sim.run_batch(scenario, out=tmp_path / executor, executor=executor, workers=2)
    assert other.complete and len(serial.runs) == 6
    assert serial.runs["final_size"].nunique() > 1  # replications draw their own contacts
    assert_same_tables(tmp_path / "serial", tmp_path / executor)


@pytest.mark.parametrize(("network", "needles"), [
    ({"m": 0}, ["network.m", "0", "greater than 0"]),
    ({"m": 150}, ["network.m", "150", "smaller than n = 150"]),
    ({"activity": 0}, ["network.activity = 0", "greater than 0"]),
    ({"activity": 1.5}, ["network.activity", "1.5", "less than or equal to 1"]),
    ({"activity": {"distribution": "uniform", "low": 0.1, "high": 2}},
     ["network.activity.high", "2", "at most 1"]),
    ({"activity": {"distribution": "power_law", "low": 0}}, ["network.activity.low",
                                                              "greater than 0"]),
    ({"activity": {"distribution": "lognormal"}},
     ["network.activity.distribution", "'lognormal'", "uniform, beta, power_law"]),
    ({"activity": "often"}, ["network.activity = 'often'", "a valid number"]),
    ({"memory": {"c": 0}}, ["network.memory.c", "greater than 0"]),
    ({"weights": 2.0}, ["network.weights", "none on contacts"]),
])
def test_bad_activity_driven_settings_are_one_line_errors(tmp_path, network, needles):
    raw = {"name": "a", "network": _network(**network),
           "messages": [{"name": "m", "rule": {"model": "sis", "beta": 0.2, "gamma": 0.1}}]}
    scenario = tmp_path / "a.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    assert_one_line_error(buzz("validate", scenario), *needles)


def test_rules_that_know_no_time_and_layers_are_refused():
    raw = {"name": "a", "network": _network(),
           "messages": [{"name": "m", "rule": {"model": "bass", "p_external": 0.01,
                                               "q": 0.3}}]}
    with pytest.raises(InputError, match=r"messages\.m\.rule\.model.*independent_cascade"):
        scenario_from_dict(raw)
    layered = {**raw, "network": {"model": "layers", "n": 150, "layers": [
        {"name": "calls", "network": _network()}]}}
    with pytest.raises(InputError, match=r"network\.model.*static network on a layer"):
        scenario_from_dict(layered)


def test_power_law_draws_have_their_moments():
    """Inverse-transform draws of the power law (activities, and as well people's
    attributes and ties' weights): the sample mean of ``a`` and ``a^2`` over 200,000
    draws within 4 standard errors of the density's moments."""
    from sim.config import PowerLawDraw
    from sim.network.weights import draw_values

    law = PowerLawDraw(distribution="power_law", exponent=2.1, low=0.05)
    draws = draw_values(law, 200_000, np.random.default_rng(11))
    assert draws.min() >= 0.05 and draws.max() <= 1.0
    for order in (1, 2):
        values = draws**order
        error = values.std() / np.sqrt(values.size)
        assert abs(values.mean() - law.moment(order)) < 4 * error
    scenario = make_scenario({"model": "ring_lattice", "n": 100, "k": 4,
                              "weights": POWER_LAW}, people={"susceptibility": POWER_LAW})
    model = BuzzModel(scenario, create_agents=False)
    assert model.population.susceptibility.min() >= 0.05
    assert model.graph.edge_weight.max() <= 1.0
