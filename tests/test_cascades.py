"""Cascade-shape metrics: closed forms, brute force against networkx, real runs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.measures.cascade import (
    _scan,
    cascade_forest,
    cascade_metrics,
    structural_virality,
)
from sim.rules.common import NEVER
from tests.conftest import make_scenario


def state_of_forest(parent: list[int], n_people: int, rng: np.random.Generator):
    """State arrays of a forest on nodes ``0 .. len(parent)-1`` (parent before child),
    placed at random among ``n_people`` people; leaves only heard, the rest shared."""
    n_tree = len(parent)
    place = rng.permutation(n_people)[:n_tree]
    depth = np.zeros(n_tree, dtype=np.int32)
    for i, p in enumerate(parent):
        depth[i] = 0 if p < 0 else depth[p] + 1
    has_child = np.zeros(n_tree, dtype=bool)
    for p in parent:
        if p >= 0:
            has_child[p] = True
    heard = np.full(n_people, NEVER, dtype=np.int32)
    shared = np.full(n_people, NEVER, dtype=np.int32)
    source = np.full(n_people, -1, dtype=np.int32)
    for i, p in enumerate(parent):
        heard[place[i]] = depth[i]
        if has_child[i] or p < 0:
            shared[place[i]] = depth[i]
        if p >= 0:
            source[place[i]] = place[p]
    return heard, shared, source


def star(n: int):
    return [-1] + [0] * (n - 1)


def path(n: int):
    return [-1, *range(n - 1)]


@pytest.mark.parametrize("n", [2, 3, 5, 17, 100])
def test_structural_virality_of_a_star_is_2_n_minus_1_over_n(n):
    heard, shared, source = state_of_forest(star(n), n + 7, np.random.default_rng(n))
    metrics = cascade_metrics(heard, shared, source)
    assert metrics["structural_virality"] == pytest.approx(2 * (n - 1) / n, rel=1e-12)
    assert structural_virality(np.array(star(n))) == pytest.approx(2 * (n - 1) / n, rel=1e-12)
    assert metrics["depth"] == 1
    assert metrics["max_breadth"] == n - 1 if n > 2 else 1
    assert metrics["mean_offspring"] == n - 1  # one sharer told everyone
    assert metrics["funnel_share"] == 1.0
    assert metrics["mean_separation"] == 1.0


@pytest.mark.parametrize("n", [2, 3, 10, 101, 1000])
def test_structural_virality_of_a_path_is_n_plus_1_over_3(n):
    heard, shared, source = state_of_forest(path(n), n, np.random.default_rng(n))
    metrics = cascade_metrics(heard, shared, source)
    assert metrics["structural_virality"] == pytest.approx((n + 1) / 3, rel=1e-12)
    assert structural_virality(np.array(path(n))) == pytest.approx((n + 1) / 3, rel=1e-12)
    assert metrics["depth"] == n - 1
    assert metrics["max_breadth"] == 1
    assert metrics["mean_offspring"] == 1.0  # n - 1 sharers told one each
    top = math.ceil(0.01 * (n - 1))
    assert metrics["funnel_share"] == pytest.approx(top / (n - 1))
    assert metrics["mean_separation"] == pytest.approx(n / 2)


def brute_force(parent: list[int], sharer: list[bool] | None = None) -> dict[str, float]:
    """The metrics from networkx shortest paths on each tree and plain counting;
    sharers default to the roots and everyone who told someone."""
    forest = nx.Graph()
    forest.add_nodes_from(range(len(parent)))
    forest.add_edges_from((i, p) for i, p in enumerate(parent) if p >= 0)
    roots = [i for i, p in enumerate(parent) if p < 0]
    depth = {}
    for r in roots:
        depth.update(nx.single_source_shortest_path_length(forest, r))
    trees = [forest.subgraph(c) for c in nx.connected_components(forest)]
    big = [t for t in trees if t.number_of_nodes() >= 2]
    virality = (
        sum(t.number_of_nodes() * nx.average_shortest_path_length(t) for t in big)
        / sum(t.number_of_nodes() for t in big)
        if big
        else math.nan
    )
    children = [sum(1 for p in parent if p == i) for i in range(len(parent))]
    if sharer is None:
        sharer = [c > 0 or p < 0 for c, p in zip(children, parent, strict=True)]
    sharers = [c for c, s in zip(children, sharer, strict=True) if s]
    transmissions = len(parent) - len(roots)
    top = sorted(sharers, reverse=True)[: max(1, math.ceil(0.01 * len(sharers)))]
    per_depth = np.bincount(list(depth.values()))
    non_roots = [depth[i] for i, p in enumerate(parent) if p >= 0]
    return {
        "depth": max(depth.values()),
        "max_breadth": int(per_depth.max()),
        "structural_virality": virality,
        "mean_offspring": transmissions / len(sharers),
        "funnel_share": sum(top) / transmissions if transmissions else math.nan,
        "mean_separation": float(np.mean(non_roots)) if non_roots else math.nan,
    }


@st.composite
def forests(draw):
    """Random recursive forests: each node's parent is an earlier node or none."""
    n = draw(st.integers(1, 60))
    n_roots = draw(st.integers(1, max(1, n // 4)))
    parent = [-1] * n_roots
    for i in range(n_roots, n):
        parent.append(draw(st.integers(-1 if draw(st.booleans()) and i % 7 == 0 else 0, i - 1)))
    return parent


@settings(max_examples=150, deadline=None)
@given(parent=forests(), seed=st.integers(0, 2**32 - 1), extra=st.integers(0, 20))
def test_metrics_match_brute_force_on_random_forests(parent, seed, extra):
    rng = np.random.default_rng(seed)
    heard, shared, source = state_of_forest(parent, len(parent) + extra, rng)
    got = cascade_metrics(heard, shared, source)
    expected = brute_force(parent)
    for name, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[name]), name
        else:
            assert got[name] == pytest.approx(value, rel=1e-12), name


@settings(max_examples=100, deadline=None)
@given(parent=forests(), seed=st.integers(0, 2**32 - 1), extra=st.integers(0, 20),
       late=st.integers(0, 5))
def test_forests_told_in_step_order_or_not_give_the_same_bits(parent, seed, extra, late):
    """The counting sort by step (sources told people later) and the walk to the roots
    (any forest: here everyone is told at step 0, or some sharers only later than
    they heard) are two ways to one result, to the bit."""
    heard, shared, source = state_of_forest(parent, len(parent) + extra,
                                            np.random.default_rng(seed))
    in_order = cascade_metrics(heard, shared, source)
    reached = heard != NEVER
    at_once_state = (np.where(reached, 0, heard), np.where(shared != NEVER, 0, shared), source)
    at_once = cascade_metrics(*at_once_state)
    delayed = shared.copy()  # sharers convinced `late` steps after they heard: still in order
    delayed[shared != NEVER] += late * (np.flatnonzero(shared != NEVER) % 2)
    if any(p >= 0 for p in parent):  # both ways were taken
        assert _scan(heard, shared, source)[3] and not _scan(*at_once_state)[3]
    for other in (at_once, cascade_metrics(heard, delayed, source)):
        assert other.keys() == in_order.keys()
        for name, value in in_order.items():
            assert (math.isnan(value) and math.isnan(other[name])) or other[name] == value, name


def test_structural_virality_of_random_trees_matches_networkx():
    rng = np.random.default_rng(5)
    for n in (2, 10, 300, 2000):
        parent = [-1] + [int(rng.integers(i)) for i in range(1, n)]
        tree = nx.Graph((i, p) for i, p in enumerate(parent) if p >= 0)
        expected = nx.average_shortest_path_length(tree)
        assert structural_virality(np.array(parent)) == pytest.approx(expected, rel=1e-12)


def test_several_seeds_average_trees_by_size_not_a_virtual_root():
    # a star of 4 (SV 1.5) and a path of 3 (SV 4/3), plus a lone seed
    parent = [-1, 0, 0, 0, -1, 4, 5, -1]
    heard, shared, source = state_of_forest(parent, 10, np.random.default_rng(0))
    metrics = cascade_metrics(heard, shared, source)
    assert metrics["structural_virality"] == pytest.approx((4 * 1.5 + 3 * 4 / 3) / 7)
    assert metrics["max_breadth"] == 4  # depth 1: three leaves of the star and one of the path


def test_nobody_reached_and_nobody_beyond_the_seeds():
    empty = np.full(5, NEVER, dtype=np.int32)
    nothing = cascade_metrics(empty, empty, np.full(5, -1, dtype=np.int32))
    assert nothing["depth"] == 0 and nothing["max_breadth"] == 0
    for name in ("structural_virality", "mean_offspring", "funnel_share", "mean_separation"):
        assert math.isnan(nothing[name])
    heard, shared, source = state_of_forest([-1, -1, -1], 6, np.random.default_rng(1))
    seeds_only = cascade_metrics(heard, shared, source)
    assert seeds_only["depth"] == 0 and seeds_only["max_breadth"] == 3
    assert seeds_only["mean_offspring"] == 0.0
    for name in ("structural_virality", "funnel_share", "mean_separation"):
        assert math.isnan(seeds_only[name])


def test_funnel_share_counts_the_top_one_percent_of_sharers():
    # 200 sharers under one seed: the seed told 199 sharers (and 0 more), sharer 1 told 50
    # people, sharer 2 told 30, the rest told 1 each: the top 1% is 2 sharers
    parent = [-1] + [0] * 199 + [1] * 50 + [2] * 30 + list(range(3, 200))
    heard, shared, source = state_of_forest(parent, len(parent), np.random.default_rng(2))
    metrics = cascade_metrics(heard, shared, source)
    transmissions = len(parent) - 1
    assert metrics["funnel_share"] == pytest.approx((199 + 50) / transmissions)


def test_inconsistent_sources_are_refused():
    heard = np.array([0, 1, 1], dtype=np.int32)
    shared = np.array([0, NEVER, NEVER], dtype=np.int32)
    with pytest.raises(ValueError, match="not a reached sharer"):
        cascade_metrics(heard, shared, np.array([-1, 2, 0], dtype=np.int32))
    loop_shared = np.array([1, 1, 0], dtype=np.int32)
    with pytest.raises(ValueError, match="cycle"):
        cascade_metrics(heard, loop_shared, np.array([1, 0, -1], dtype=np.int32))
    with pytest.raises(ValueError, match="one length"):
        cascade_metrics(heard, shared[:2], np.array([-1, 0, 0], dtype=np.int32))
    with pytest.raises(ValueError, match="one tree"):
        structural_virality(np.array([-1, -1, 0]))


@pytest.mark.parametrize(
    "rule",
    [
        {"model": "independent_cascade", "p": 0.15},
        {"model": "linear_threshold", "threshold": 0.1},
        {"model": "rumor", "lambda": 0.6, "alpha": 0.3},
        {"model": "bass", "p_external": 0.002, "q": 0.4},
    ],
)
def test_metrics_of_real_runs_match_brute_force(rule):
    from sim.model import BuzzModel

    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 1500, "k": 6, "p": 0.1},
        [{"name": "promo", "rule": rule, "seeding": {"strategy": "random", "count": 4}}],
        steps=40,
    )
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    heard, shared, source = model.tracks[0].state
    reached, parent, depth = cascade_forest(heard, shared, source)
    assert reached.size > 20  # a real cascade, not a trivial one
    got = cascade_metrics(heard, shared, source)
    expected = brute_force(parent.tolist(), (shared[reached] != NEVER).tolist())
    for name, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[name]), name
        else:
            assert got[name] == pytest.approx(value, rel=1e-9), name
    # one hop per step: depth never exceeds the step at which the source told them
    # (the step they started sharing, or for those who only heard, first heard)
    told_at = np.where(shared[reached] != NEVER, shared[reached], heard[reached])
    assert np.all(depth <= told_at)
