"""Linear threshold and Bass: kernel against the per-agent reference, and theory.

Theory checks (tolerances are four standard errors of the replication mean or of a
binomial proportion, plus a stated allowance where the theory is approximate):

- Bass on a complete graph follows the discrete Bass curve
  F(t + 1) = F(t) + (p + q F(t)) (1 - F(t)) (Bass 1969);
- complex contagion (Centola and Macy 2007) crosses a ring lattice one person per
  side per step, and stalls on a random graph of the same degree;
- Watts's (2002) cascade window: with threshold 0.18 on Erdos-Renyi graphs, a
  single seed triggers a global cascade only for mean degree between about 1 and
  6, with the probability predicted by percolation of the vulnerable people.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import poisson

from sim.config import scenario_from_dict
from sim.errors import InputError
from sim.model import BuzzModel
from sim.reference import ReferenceModel
from sim.rules import BassRule, LinearThresholdRule, make_rule
from sim.rules.common import NEVER, NO_SOURCE

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways

NETWORKS = [
    {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
    {"model": "barabasi_albert", "n": 300, "m": 3},
    {"model": "erdos_renyi", "n": 300, "mean_degree": 4.0},
    {"model": "follower", "n": 300, "m": 3, "reciprocity": 0.3},
]

RULES = {
    "fraction": ({"model": "linear_threshold", "threshold": 0.18}, 3),
    "count": ({"model": "linear_threshold", "count": 2}, 6),
    "uniform": ({"model": "linear_threshold", "threshold_distribution": "uniform"}, 6),
    "bass": ({"model": "bass", "p_external": 0.03, "q": 0.38}, 0),
    "bass_seeded": ({"model": "bass", "p_external": 0.01, "q": 0.5}, 2),
    "word_of_mouth": ({"model": "bass", "p_external": 0.0, "q": 0.5}, 2),
}


def _assert_consistent(model: BuzzModel) -> None:
    """Invariants of the documented semantics, on a finished model."""
    listens = model.graph.reversed()
    for track in model.tracks:
        heard_at, shared_at, source = track.state
        seeds = set(track.seeds.tolist())
        assert (heard_at <= shared_at).all()
        np.testing.assert_array_equal(
            np.bincount(heard_at[heard_at != NEVER], minlength=model.t + 1)[: model.t + 1],
            track.counts[: model.t + 1, 0],
        )
        for person in np.flatnonzero(heard_at != NEVER).tolist():
            others = listens.neighbors(person)
            if isinstance(track.rule, BassRule):
                assert heard_at[person] == shared_at[person]
                if source[person] != NO_SOURCE:
                    adopted = others[shared_at[others] < shared_at[person]]
                    assert source[person] == adopted.min()
                continue
            if person in seeds and source[person] == NO_SOURCE:
                continue
            # heard at the step after the first in-neighbour shared; told by the
            # lowest-numbered sharer of the step before the last change
            assert heard_at[person] == shared_at[others].min() + 1
            last = shared_at[person] if shared_at[person] != NEVER else heard_at[person]
            assert source[person] == others[shared_at[others] == last - 1].min()


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", list(RULES))
def test_kernel_equals_reference(network, seed, variant):
    rule, count = RULES[variant]
    scenario = make_scenario(network, [message_spec(rule, count)], seed=seed)
    fast, slow = BuzzModel(scenario, create_agents=False), ReferenceModel(scenario)
    fast.run()
    slow.run()
    assert_same_state(fast, slow)
    _assert_consistent(fast)


def test_mixed_rules_stepped_late_seeded_and_capped_equal_reference():
    messages = [
        message_spec(RULES["count"][0], 4, name="complex"),
        message_spec(RULES["fraction"][0], 2, name="late", step=4),
        message_spec(RULES["bass"][0], 0, name="ads"),
        message_spec(RULES["word_of_mouth"][0], 3, name="talk", step=2, strategy="top_degree"),
        message_spec({"model": "independent_cascade", "p": 0.3}, 2, name="cascade"),
    ]
    for steps in (200, 6):
        scenario = make_scenario(
            {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.05}, messages, seed=4, steps=steps
        )
        stepped, whole, slow = run_three_ways(scenario)
        assert_same_state(stepped, whole)
        assert_same_state(stepped, slow)
        late = stepped.track("late")
        assert (late.shared_at[late.seeds] == 4).all()
    assert stepped.t == 6


def test_bass_runs_until_everyone_adopts_and_stops():
    scenario = make_scenario(
        {"model": "erdos_renyi", "n": 500, "mean_degree": 3.0},
        [message_spec({"model": "bass", "p_external": 0.05, "q": 0.3}, 0)],
    )
    model = BuzzModel(scenario, create_agents=False)
    assert model.running  # nobody seeded, yet ads will reach people
    model.run()
    track = model.tracks[0]
    assert model.count("adopters") == 500
    assert not track.can_change()
    assert model.t < scenario.steps
    np.testing.assert_array_equal(track.heard_at, track.shared_at)


def test_rules_with_nothing_to_do_stop_at_once():
    silent = [
        message_spec({"model": "bass", "p_external": 0.0, "q": 0.9}, 0, name="unseeded"),
        message_spec({"model": "bass", "p_external": 0.0, "q": 0.0}, 3, name="no_talk"),
        message_spec({"model": "linear_threshold", "count": 3}, 1, name="alone"),
    ]
    scenario = make_scenario({"model": "ring_lattice", "n": 100, "k": 4}, silent)
    model = BuzzModel(scenario)
    model.run()
    assert model.t <= 1
    assert model.count("adopters", "unseeded") == 0
    assert model.count("adopters", "no_talk") == 3
    assert model.count("adopters", "alone") == 1
    assert model.count("heard", "alone") == 5  # its four neighbours heard it


# ------------------------------------------------------------------ configuration
@pytest.mark.parametrize(
    ("rule", "where", "allowed"),
    [
        ({"model": "linear_threshold"}, "rule", "exactly one of threshold"),
        ({"model": "linear_threshold", "threshold": 0.2, "count": 2}, "rule", "exactly one"),
        ({"model": "linear_threshold", "threshold": 1.5}, "rule.threshold", "less than or equal"),
        ({"model": "linear_threshold", "count": 0}, "rule.count", "greater than 0"),
        (
            {"model": "linear_threshold", "count": 2, "threshold_distribution": "uniform"},
            "rule.threshold_distribution",
            "no threshold or count",
        ),
        ({"model": "bass", "p_external": 0.1}, "rule.q", "required"),
        ({"model": "bass", "p_external": 0.1, "q": 2}, "rule.q", "less than or equal"),
        ({"model": "bass", "p_external": 0.1, "q": 0.2, "p": 1}, "rule.p", "known keys"),
    ],
)
def test_invalid_rules_are_one_line_errors(rule, where, allowed):
    raw = {
        "name": "bad",
        "network": {"model": "complete", "n": 10},
        "messages": [{"name": "m", "rule": rule}],
    }
    with pytest.raises(InputError) as caught:
        scenario_from_dict(raw)
    assert caught.value.where == f"messages.m.{where}"
    assert allowed in caught.value.allowed
    assert "\n" not in str(caught.value)


def test_make_rule_builds_each_rule():
    scenario = make_scenario(
        {"model": "complete", "n": 10},
        [
            message_spec({"model": "linear_threshold", "count": 2}, 1, name="a"),
            message_spec(
                {"model": "linear_threshold", "threshold_distribution": "uniform"}, 1, "b"
            ),
            message_spec({"model": "bass", "p_external": 0.1, "q": 0.2}, 1, name="c"),
        ],
    )
    rules = [make_rule(message.rule) for message in scenario.messages]
    assert rules == [
        LinearThresholdRule(count=2),
        LinearThresholdRule(threshold_distribution="uniform"),
        BassRule(p_external=0.1, q=0.2),
    ]


def test_uniform_thresholds_come_from_the_population_stream():
    scenario = make_scenario(
        {"model": "erdos_renyi", "n": 400, "mean_degree": 5.0},
        [message_spec({"model": "linear_threshold", "threshold_distribution": "uniform"}, 5)],
    )
    first, again = BuzzModel(scenario), BuzzModel(scenario)
    other = BuzzModel(scenario, replication=1)
    drawn = first.tracks[0].work.thresholds
    np.testing.assert_array_equal(drawn, again.tracks[0].work.thresholds)
    assert not np.array_equal(drawn, other.tracks[0].work.thresholds)
    assert ((drawn >= 0) & (drawn < 1)).all()
    # 400 uniforms: mean within 4 standard errors of 1/2
    assert abs(drawn.mean() - 0.5) < 4 * math.sqrt(1 / 12 / drawn.size)


# ------------------------------------------------------------------------- Bass theory
def bass_curve(p_external: float, q: float, steps: int) -> np.ndarray:
    """The discrete Bass curve F(t + 1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0."""
    curve = [0.0]
    for _ in range(steps):
        adopted = curve[-1]
        curve.append(adopted + (p_external + q * adopted) * (1.0 - adopted))
    return np.array(curve)


def _bass_fractions(p_external: float, q: float, n: int, steps: int, replications: int):
    scenario = make_scenario(
        {"model": "complete", "n": n},
        [message_spec({"model": "bass", "p_external": p_external, "q": q}, 0)],
        steps=steps,
        seed=1969,
    )
    graph = BuzzModel(scenario, create_agents=False).graph
    fractions = []
    for replication in range(replications):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        fractions.append(model.tracks[0].cumulative(steps)[1] / n)
    return np.array(fractions)


def test_bass_on_a_complete_graph_follows_the_bass_curve():
    """Mean adopted fraction of 20 runs (n = 2000, p = 0.03, q = 0.38, no seeds).

    A non-adopter adopts with probability p + q A/(n - 1), so the exact expectation
    obeys E F(t+1) = E F + E[(p + q F)(1 - F)] + O(1/n)
    = (the mean-field step at E F) - q Var F(t) + O(1/n).
    The curve is the mean-field; the run lags it by the accumulated q Var F terms.
    Var F(t) is at most about 0.021**2 here (measured over 200 runs: fluctuations of
    order 1/sqrt(n), amplified during take-off), so each step adds at most
    0.38 * 4.4e-4 = 1.7e-4, and over the take-off the measured lag stays below
    1e-3; the n/(n-1) in the fraction adds below 3e-4. Allowance: 0.003, on top
    of four standard errors of the mean over replications.
    """
    p_external, q, n, steps = 0.03, 0.38, 2000, 25
    fractions = _bass_fractions(p_external, q, n, steps, replications=20)
    curve = bass_curve(p_external, q, steps)
    for step in (1, 2, 3, 5, 8, 10, 12, 15, 20):
        observed = fractions[:, step]
        se = observed.std(ddof=1) / math.sqrt(observed.size)
        assert abs(observed.mean() - curve[step]) < 4 * se + 0.003, (step, observed.mean())
    # the familiar S-shape: adoptions per step rise, peak and fall
    new = np.diff(fractions.mean(axis=0))
    peak = int(np.argmax(new))
    assert 3 < peak < 12 and new[0] < new[peak] > new[-1]


def test_bass_with_ads_only_is_geometric():
    """With q = 0 each person adopts independently with probability p per step, so
    E F(t) = 1 - (1 - p)**t exactly (no allowance) and F(t) is binomial."""
    p_external, n, steps = 0.1, 2000, 15
    fractions = _bass_fractions(p_external, 0.0, n, steps, replications=10)
    for step in range(1, steps + 1):
        expected = 1.0 - (1.0 - p_external) ** step
        se = math.sqrt(expected * (1 - expected) / (n * fractions.shape[0]))
        assert abs(fractions[:, step].mean() - expected) < 4 * se, step


# --------------------------------------------------------------- complex contagion
@pytest.mark.parametrize("n", [5, 6, 200, 201])
def test_complex_contagion_crosses_a_ring_lattice_one_person_per_side_per_step(n):
    """count = 2 on a ring lattice (each person tied to i-2, i-1, i+1, i+2), seeded
    at 0 and 1. Person 2 sees 0 and 1 sharing, so shares at step 1; likewise n - 1.
    Inductively, while the two fronts are apart, if 1 + j and n - j share at step
    j, then 2 + j sees 1 + j and j (two sharers) and shares at j + 1, while 3 + j
    sees only 1 + j. So person i shares at min(i - 1, n - i): one person per side
    per step. Where the fronts meet, for odd n, the middle person m = (n + 1) / 2
    sees its two second neighbours m - 2 and m + 2, one from each front, share at
    step m - 3, and so shares one step early, at (n - 3) / 2, beside m - 1 and m + 1.
    Everyone shares by step floor((n - 2) / 2): (n - 2) / 2 for even n, where the
    last step adds two people, and (n - 3) / 2 for odd n, where it adds three.
    (Not ceil((n - 2) / 2): with k = 4 the last person is reached from both sides.)
    """
    scenario = make_scenario(
        {"model": "ring_lattice", "n": n, "k": 4},
        [message_spec({"model": "linear_threshold", "count": 2}, 0, strategy="nodes",
                      nodes=[0, 1])],
        steps=1000,
    )
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    shared_at = model.tracks[0].shared_at
    people = np.arange(n)
    expected = np.minimum(people - 1, n - people)
    expected[:2] = 0
    if n % 2:
        expected[(n + 1) // 2] = (n - 3) // 2
    np.testing.assert_array_equal(shared_at, expected)
    last = (n - 2) // 2
    assert shared_at.max() == last
    assert model.count("adopters") == n
    sharing = model.tracks[0].counts[: last + 1, 1]
    assert sharing[0] == 2 and set(sharing[1:-1].tolist()) <= {2}
    assert sharing[-1] == (2 if n % 2 == 0 else 3)


@pytest.mark.parametrize(
    "network",
    [
        {"model": "watts_strogatz", "n": 2000, "k": 4, "p": 1.0},
        {"model": "erdos_renyi", "n": 2000, "mean_degree": 4.0},
    ],
    ids=["rewired", "erdos_renyi"],
)
def test_complex_contagion_stalls_on_a_random_graph_of_the_same_degree(network):
    """Two adjacent seeds on a random graph of mean degree 4: a third person needs
    both as neighbours, and the expected number of common neighbours of two people
    is about k**2 / n = 0.008; even one such person would need another triangle to
    go on. So the message stops within a few people in every replication."""
    reached = []
    for replication in range(10):
        probe = make_scenario(network, [message_spec({"model": "linear_threshold", "count": 2}, 0)])
        graph = BuzzModel(probe, replication=replication, create_agents=False).graph
        first = int(np.argmax(graph.degree > 0))
        pair = [first, int(graph.neighbors(first)[0])]
        scenario = make_scenario(
            network,
            [message_spec({"model": "linear_threshold", "count": 2}, 0, strategy="nodes",
                          nodes=pair)],
        )
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        reached.append(model.count("adopters"))
    assert max(reached) <= 4, reached


# ------------------------------------------------------------------- Watts 2002
def vulnerable_cascade_probability(mean_degree: float, threshold: float) -> tuple[float, float]:
    """Watts's cascade condition and the probability that one random seed starts a
    global cascade on a large Erdos-Renyi graph (Watts 2002; Gleeson and Cahalane,
    Phys. Rev. E 75, 056103, 2007).

    A person of degree k is vulnerable (one sharing neighbour suffices) when
    1 <= k and threshold * k <= 1. Global cascades need the vulnerable people to
    percolate: G = sum_k k (k - 1) rho_k p_k / z > 1. If u is the probability that
    an edge leads to no infinite vulnerable cluster, u = 1 - sum_k q_k rho_k (1 -
    u**(k - 1)) with q_k = k p_k / z, and a seed of degree k starts a global
    cascade with probability 1 - u**k. Returns ``(G, probability)``.
    """
    degrees = np.arange(200)
    p_k = poisson.pmf(degrees, mean_degree)
    vulnerable = (degrees >= 1) & (threshold * degrees <= 1.0)
    q_k = degrees * p_k / mean_degree
    condition = float((degrees * (degrees - 1) * vulnerable * p_k).sum() / mean_degree)
    if condition <= 1.0:
        return condition, 0.0

    def excess(u: float) -> float:
        return 1.0 - (q_k * vulnerable * (1.0 - u ** np.maximum(degrees - 1, 0))).sum() - u

    # u = 1 is always a root; the one that matters is the other, below 1
    u = brentq(excess, 0.0, 1.0 - 1e-9)
    return condition, float(1.0 - (p_k * u**degrees).sum())


def _cascade_sizes(mean_degree: float, replications: int) -> np.ndarray:
    scenario = make_scenario(
        {"model": "erdos_renyi", "n": 10_000, "mean_degree": mean_degree},
        [message_spec({"model": "linear_threshold", "threshold": 0.18}, 1)],
        steps=1000,
        seed=2002,
    )
    sizes = []
    for replication in range(replications):  # a new graph and seed each replication
        model = BuzzModel(scenario, replication=replication, create_agents=False)
        model.run()
        sizes.append(model.count("adopters") / 10_000)
    return np.array(sizes)


@pytest.mark.parametrize("mean_degree", [2.0, 3.0, 4.0, 5.0])
def test_watts_global_cascades_inside_the_window(mean_degree):
    """Inside the window the share of global cascades (over half the people) is a
    binomial proportion of 200 runs; it must match the percolation prediction
    within four standard errors plus 0.03 for n = 10,000 and for the non-vulnerable
    people a cascade can also tip (which the prediction ignores). Cascades are
    either tiny or global: nothing in between."""
    condition, expected = vulnerable_cascade_probability(mean_degree, 0.18)
    assert condition > 1.2  # well inside the window, away from its edges
    sizes = _cascade_sizes(mean_degree, replications=200)
    share_global = (sizes > 0.5).mean()
    se = math.sqrt(expected * (1 - expected) / sizes.size)
    assert abs(share_global - expected) < 4 * se + 0.03, (share_global, expected)
    assert not ((sizes > 0.02) & (sizes <= 0.5)).any()


@pytest.mark.parametrize("mean_degree", [0.5, 8.0, 12.0, 15.0])
def test_watts_no_global_cascades_outside_the_window(mean_degree):
    """Below mean degree 1 the graph has no giant component; at 8 and above too few
    people are vulnerable (G < 0.35) and the seed's neighbours resist."""
    condition, _ = vulnerable_cascade_probability(mean_degree, 0.18)
    assert condition < 0.5
    sizes = _cascade_sizes(mean_degree, replications=50)
    assert sizes.max() < 0.01, sizes.max()
