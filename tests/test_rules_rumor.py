"""The rumour rule: kernel against the per-agent reference, semantics and theory.

Theory (complete graph, one seed). Every call is made by a current spreader to a
person drawn uniformly from the ``n - 1`` others, with fresh coins, and its effect
on the counts (ignorants ``i``, spreaders ``s``, stiflers ``r``) depends only on
the counts: Maki-Thompson (MT) ``(i, s) -> (i - 1, s + 1)`` with probability
``lambda * i / (n - 1)``, ``s -> s - 1`` with ``alpha * (n - 1 - i) / (n - 1)``;
Daley-Kendall (DK) as MT but a call to one of the ``s - 1`` other spreaders
removes two. Who calls, and in what order, never changes these probabilities, and
the run stops exactly when ``s = 0``. So the counts after each call form the
embedded jump chain of the continuous-time process (each spreader calling at
rate 1), with lazy steps when a coin fails: the final size has *the same
distribution* as the classic one, for every ``n``, although our steps group
calls differently in time.

The law of large numbers (Kurtz's density-dependent limit; Sudbury 1985 for MT)
gives, with ``x`` ignorant and ``y`` spreader fractions and ``c = alpha / lambda``:

- MT: ``dy/dx = -1 + c (1 - x) / x``, so the final ``x`` solves
  ``ln x + (1 + lambda / alpha)(1 - x) = 0``: 0.2032 for ``lambda = alpha = 1``
  (Maki and Thompson 1973; Sudbury 1985), 0.0595 for ``alpha = 1/2``.
- DK with calls (DESIGN: "meeting a spreader turns both into stiflers"): the
  spreader-spreader rate is ``s (s - 1)`` (either may call), twice that of the
  classic pair-meeting DK of Daley and Kendall (1965), whose 0.203 therefore does
  not apply. ``dy/dx = -1 + c (1 - x + y) / x`` integrates to
  ``y = 2 x^c / (1 - c) - (1 + c) x / (1 - c) - 1`` (``c != 1``) and
  ``y = x - 1 - 2 x ln x`` (``c = 1``): final ``x`` 0.2847 for ``c = 1`` and
  exactly 1/9 for ``c = 1/2``.

Tolerances: four standard errors of the replication mean plus a finite-size
allowance ``5 / n``. A single run fluctuates by ``O(1/sqrt(n))`` (Pittel 1987:
variance about 0.273 / n for MT; measured sd * sqrt(n) about 0.5 at n = 500 to
8000), which the standard error covers; the mean's bias is ``O(1/n)`` (the seed
shifts ``x(0)`` by ``1/n`` and the diffusion correction is of order ``1/n``);
measured means at n = 2000 (200 replications) were 0.2035, 0.0596 and 0.2855.
Runs that die out early (two of the first spreaders calling each other,
probability ``O(1/n)``) are excluded, as the limit describes a rumour that takes
off.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.config import scenario_from_dict, with_overrides
from sim.errors import InputError
from sim.model import BuzzModel
from sim.network.graph import Graph
from sim.reference import ReferenceModel
from sim.rules import RumorRule, make_rule
from sim.rules.common import NEVER, NO_SOURCE

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways

NETWORKS = [
    {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
    {"model": "barabasi_albert", "n": 300, "m": 3},
    {"model": "erdos_renyi", "n": 300, "mean_degree": 4.0},
    {"model": "follower", "n": 300, "m": 3, "reciprocity": 0.3},
]
VARIANTS = ["maki_thompson", "daley_kendall"]


def _rumor(variant="maki_thompson", spread=1.0, alpha=1.0) -> dict:
    return {"model": "rumor", "variant": variant, "lambda": spread, "alpha": alpha}


def _assert_same(fast: BuzzModel, slow: BuzzModel) -> None:
    assert_same_state(fast, slow)
    for fast_track, slow_track in zip(fast.tracks, slow.tracks, strict=True):
        assert fast_track.n_frontier == slow_track.n_frontier
        if isinstance(fast_track.rule, RumorRule):
            np.testing.assert_array_equal(
                fast_track.work.stifled_at, slow_track.work.stifled_at
            )
            assert fast_track.n_waiting == slow_track.n_waiting


def _assert_consistent(model: BuzzModel) -> None:
    """Invariants of the documented semantics, on a finished model."""
    graph = model.graph
    for track in model.tracks:
        heard_at, shared_at, source = track.state
        stifled_at = track.work.stifled_at
        seeds = set(track.seeds.tolist())
        assert (heard_at <= shared_at).all() and (shared_at <= stifled_at).all()
        np.testing.assert_array_equal(
            np.bincount(heard_at[heard_at != NEVER], minlength=model.t + 1)[: model.t + 1],
            track.counts[: model.t + 1, 0],
        )
        np.testing.assert_array_equal(
            np.bincount(shared_at[shared_at != NEVER], minlength=model.t + 1)[: model.t + 1],
            track.counts[: model.t + 1, 1],
        )
        # one call per spreader per step: nobody is told more often than there are
        # spreaders; a caller was a spreader at the start of the step
        for person in np.flatnonzero(heard_at != NEVER).tolist():
            caller = int(source[person])
            if caller == NO_SOURCE:
                assert person in seeds
                continue
            assert person in graph.neighbors(caller)
            step = shared_at[person] if shared_at[person] != NEVER else heard_at[person]
            assert shared_at[caller] < step <= stifled_at[caller]
        if not track.can_change():
            spreading = (shared_at != NEVER) & (stifled_at == NEVER)
            idle = track.rule.alpha == 0.0 and track.message.modifiers.forgetting == 0.0
            for person in np.flatnonzero(spreading).tolist():
                # nobody left to call, or (alpha 0) every neighbour spreads already
                neighbours = graph.neighbors(person)
                assert len(neighbours) == 0 or (idle and (shared_at[neighbours] != NEVER).all())


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", VARIANTS)
def test_kernel_equals_reference(network, seed, variant):
    messages = [
        message_spec(_rumor(variant), 3, name="classic"),
        message_spec(_rumor(variant, spread=0.6, alpha=0.3), 2, name="weak", step=2),
    ]
    scenario = make_scenario(network, messages, seed=seed)
    fast, slow = BuzzModel(scenario, create_agents=False), ReferenceModel(scenario)
    fast.run()
    slow.run()
    _assert_same(fast, slow)
    _assert_consistent(fast)
    assert fast.count("heard", "classic") > 3


@pytest.mark.parametrize("variant", VARIANTS)
def test_without_stifling_a_rumour_stops_once_everyone_spreads(variant):
    """alpha 0: spreaders call for ever, but once every neighbour of every caller
    spreads no call changes anything; the run stopped at the step bound (issue 15)."""
    messages = [message_spec(_rumor(variant, alpha=0.0), 2, name="endless"),
                message_spec(_rumor(variant, spread=0.5, alpha=0.0), 1, name="late", step=30)]
    scenario = make_scenario({"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
                             messages, steps=500)
    fast, slow = BuzzModel(scenario, create_agents=False), ReferenceModel(scenario)
    fast.run()
    slow.run()
    _assert_same(fast, slow)
    _assert_consistent(fast)
    assert fast.count("heard", "endless") == 300 and fast.count("heard", "late") == 300
    assert fast.t < 150  # everyone spreads within a few dozen steps; the bound is 500


def test_mixed_rules_stepped_late_seeded_and_capped_equal_reference():
    messages = [
        message_spec(_rumor("daley_kendall", 0.8, 0.7), 3, name="dk"),
        message_spec(_rumor(), 2, name="late", step=4, strategy="top_degree"),
        message_spec({"model": "independent_cascade", "p": 0.3}, 2, name="cascade"),
        message_spec({"model": "bass", "p_external": 0.02, "q": 0.3}, 0, name="ads"),
        message_spec({"model": "linear_threshold", "threshold": 0.2}, 4, name="lt"),
    ]
    for steps in (200, 6):
        scenario = make_scenario(
            {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.05}, messages, seed=4, steps=steps
        )
        stepped, whole, slow = run_three_ways(scenario)
        _assert_same(stepped, whole)
        _assert_same(stepped, slow)
        late = stepped.track("late")
        assert (late.shared_at[late.seeds] <= 4).all()
    assert stepped.t == 6


def test_sequential_within_a_step_on_a_star():
    """Hand-checkable: a star's hub seeded alone calls one leaf per step; with
    lambda = alpha = 1 the leaf becomes a spreader, calls the hub back the next
    step (a spreader) and, MT, is stifled, while the hub tells another leaf."""
    graph = Graph.from_edges([0] * 5, [1, 2, 3, 4, 5], 6)
    scenario = make_scenario(
        {"model": "complete", "n": 6}, [message_spec(_rumor(), 0, strategy="nodes", nodes=[0])]
    )
    model = BuzzModel(scenario, graph=graph, create_agents=False)
    model.step()
    track = model.tracks[0]
    assert model.count("heard") == 2  # the hub and the one leaf it called
    leaf = int(np.flatnonzero(track.shared_at == 1)[0])
    model.step()
    assert track.work.stifled_at[leaf] == 2  # called the hub, a spreader
    assert track.work.stifled_at[0] in (2, NEVER)  # hub stifled only if it called leaf


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_new_spreader_does_not_call_in_its_first_step(variant):
    """With lambda = 1 and alpha = 0 nobody is stifled and each caller of a step
    makes at most one new spreader, so spreaders at most double per step; if new
    spreaders called in the step they joined, growth would be faster."""
    scenario = make_scenario(
        {"model": "complete", "n": 1000}, [message_spec(_rumor(variant, 1.0, 0.0), 1)], steps=12
    )
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.tracks[0]
    spreaders = np.cumsum(track.counts[:, 1])
    assert (spreaders <= 2 ** np.arange(spreaders.size)).all()
    assert spreaders[:3].tolist() == [1, 2, 4]
    assert (track.work.stifled_at == NEVER).all()
    assert model.t == 12 and track.can_change()  # a rumour nobody stifles never stops


def test_scenario_syntax_alias_dump_and_overrides():
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
        [message_spec(_rumor("daley_kendall", 0.7, 0.4), 2, name="r")],
    )
    rule = scenario.messages[0].rule
    assert (rule.variant, rule.spread, rule.alpha) == ("daley_kendall", 0.7, 0.4)
    dumped = scenario.model_dump(mode="json")["messages"][0]["rule"]
    assert dumped == {"model": "rumor", "variant": "daley_kendall", "lambda": 0.7, "alpha": 0.4,
                      "layers": {}}
    assert with_overrides(scenario, ["messages.r.rule.lambda=0.5"]).messages[0].rule.spread == 0.5
    assert make_rule(rule) == RumorRule(variant="daley_kendall", spread=0.7, alpha=0.4)
    defaults = scenario_from_dict(
        {
            "name": "d",
            "network": {"model": "complete", "n": 10},
            "messages": [{"name": "r", "rule": {"model": "rumor"}}],
        }
    )
    assert make_rule(defaults.messages[0].rule) == RumorRule("maki_thompson", 1.0, 1.0)
    with pytest.raises(InputError, match="known keys: model, variant, lambda, alpha"):
        with_overrides(scenario, ["messages.r.rule.lamda=0.5"])
    with pytest.raises(InputError, match=r"messages\.r\.rule\.lambda = 1\.5"):
        with_overrides(scenario, ["messages.r.rule.lambda=1.5"])
    with pytest.raises(InputError, match="maki_thompson"):
        with_overrides(scenario, ["messages.r.rule.variant=gossip"])


# ---------------------------------------------------------------------- theory
def _final_ignorant(n, variant, spread, alpha, replications, seed=2026):
    scenario = make_scenario(
        {"model": "complete", "n": n},
        [message_spec(_rumor(variant, spread, alpha), 1)],
        seed=seed,
        steps=100_000,
    )
    graph, out = None, []
    for replication in range(replications):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        graph = model.graph
        model.run()
        assert not model.tracks[0].can_change()
        out.append(np.mean(model.tracks[0].shared_at == NEVER))
    out = np.array(out)
    took_off = out < 0.9
    assert took_off.mean() >= 0.9
    return out[took_off]


def _dk_final(c: float) -> float:
    if c == 1.0:
        return brentq(lambda x: x - 1 - 2 * x * np.log(x), 1e-9, 0.9)
    return brentq(lambda x: 2 * x**c - (1 + c) * x - (1 - c), 1e-9, 0.9)


THEORY = {
    "mt": ("maki_thompson", 1.0, 1.0, brentq(lambda x: np.log(x) + 2 * (1 - x), 1e-9, 0.9)),
    "mt_alpha_half": (
        "maki_thompson",
        1.0,
        0.5,
        brentq(lambda x: np.log(x) + 3 * (1 - x), 1e-9, 0.9),
    ),
    "dk": ("daley_kendall", 1.0, 1.0, _dk_final(1.0)),
    "dk_alpha_half": ("daley_kendall", 1.0, 0.5, _dk_final(0.5)),
}


def test_theory_values():
    assert THEORY["mt"][3] == pytest.approx(0.2032, abs=1e-4)
    assert THEORY["mt_alpha_half"][3] == pytest.approx(0.0595, abs=1e-4)
    assert THEORY["dk"][3] == pytest.approx(0.2847, abs=1e-4)
    assert THEORY["dk_alpha_half"][3] == pytest.approx(1 / 9, abs=1e-9)


@pytest.mark.parametrize("case", list(THEORY))
def test_final_ignorant_fraction_on_a_complete_graph(case):
    variant, spread, alpha, expected = THEORY[case]
    n = 2000
    finals = _final_ignorant(n, variant, spread, alpha, replications=30)
    standard_error = finals.std(ddof=1) / np.sqrt(finals.size)
    assert abs(finals.mean() - expected) <= 4 * standard_error + 5 / n


@pytest.mark.parametrize("variant", VARIANTS)
def test_more_stifling_or_less_spreading_means_smaller_reach(variant):
    network = {"model": "watts_strogatz", "n": 2000, "k": 10, "p": 0.1}

    def mean_reach(spread, alpha):
        scenario = make_scenario(network, [message_spec(_rumor(variant, spread, alpha), 5)], seed=3)
        graph, reach = None, []
        for replication in range(10):
            model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
            graph = model.graph
            model.run()
            reach.append(model.count("heard"))
        return np.mean(reach)

    by_alpha = [mean_reach(1.0, alpha) for alpha in (0.25, 0.5, 1.0)]
    assert by_alpha[0] > by_alpha[1] > by_alpha[2]
    assert mean_reach(0.5, 1.0) < by_alpha[2]
