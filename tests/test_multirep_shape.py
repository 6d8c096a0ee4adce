"""The cascade shape read from the lanes kernel's log (sim.batch.multirep_shape) equals
cascade_metrics of the recorded states, to the bit, NaN where it is NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.batch.multirep import _seed_arrays, finish_together, independent_cascades
from sim.batch.multirep_kernels import ic_lanes, ic_runs, log_length
from sim.batch.multirep_shape import (
    EXACT_BELOW,
    _placed_in_lists,
    _placed_in_log,
    _wiener_in_floats,
    shape_of_lists,
    shape_of_log,
    shape_workspace,
)
from sim.config import scenario_from_dict
from sim.measures.cascade import FUNNEL_TOP, cascade_metrics
from sim.network.generators import barabasi_albert, ring_lattice, watts_strogatz
from sim.rules.common import NEVER
from sim.simulation import Simulation


def _same(got: dict, expected: dict) -> bool:
    return got.keys() == expected.keys() and all(
        got[k] == expected[k] or (math.isnan(got[k]) and math.isnan(expected[k]))
        for k in got)


def _recorded_metrics(graph, p, seeds, keys, last_step):
    states = independent_cascades(graph, p, seeds, keys, last_step, record_states=True)
    return [cascade_metrics(*state)
            for state in zip(states.heard_at, states.shared_at, states.source, strict=True)]


GRAPHS = {
    "ws": lambda rng: watts_strogatz(600, 6, 0.1, rng=rng),
    "ba": lambda rng: barabasi_albert(500, 3, rng=rng),
    "ring": lambda rng: ring_lattice(300, 2),
}


@pytest.mark.parametrize("kind", GRAPHS)
@pytest.mark.parametrize("p", [0.0, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("method", ["lanes", "runs"])
def test_shape_equals_the_metrics_of_the_recorded_states(kind, p, method):
    """Random cascades: no seeds (nobody reached), seeds listed twice, one seed and
    several (several trees), nobody beyond the seeds (p = 0), cascades capped by steps;
    70 replications (a full block of lanes and a partial one) on two threads."""
    rng = np.random.default_rng(hash((kind, p)) % 2**32)
    graph = GRAPHS[kind](rng)
    seeds = [rng.integers(0, graph.n_nodes, rng.integers(0, 6)) for _ in range(70)]
    seeds[1] = np.array([4, 4, 9])
    keys = rng.integers(0, 2**63, 70, dtype=np.uint64)
    seeds[2] = np.array([], dtype=np.int64)
    for last_step in (500, 3, 0):
        shaped = independent_cascades(graph, p, seeds, keys, last_step, threads=2,
                                      method=method, shape=True)
        expected = _recorded_metrics(graph, p, seeds, keys, last_step)
        assert shaped.heard_at is None  # nothing recorded
        for got, want in zip(shaped.measured, expected, strict=True):
            assert _same(got, want), (got, want)
    # at step 0 nobody is beyond the seeds; with no seeds nobody is reached
    assert shaped.measured[1]["depth"] == 0 and shaped.measured[1]["max_breadth"] == 2
    assert math.isnan(shaped.measured[1]["structural_virality"])
    assert shaped.measured[2]["max_breadth"] == 0
    assert math.isnan(shaped.measured[2]["mean_offspring"])


def _kept(graph, p, seeds, keys, last_step, lanes):
    """What ``ic_lanes`` (``lanes``) or ``ic_runs`` keeps of one block of replications."""
    n = graph.n_nodes
    graph_arrays = (graph.indptr, graph.indices)
    seed_arrays = _seed_arrays(seeds, n, graph.indices.dtype)
    no_record = tuple(np.empty((0, 0), np.int32) for _ in range(3))
    keys = np.asarray(keys, np.uint64)
    if lanes:
        workspace = (np.zeros((n, 4), np.uint64), *(np.empty(n, np.int32) for _ in range(3)))
        log = (np.empty((len(keys), log_length(n, last_step), 2), np.int32),
               np.zeros(len(keys), np.int64))
        ic_lanes(graph_arrays, seed_arrays, keys, p, last_step, workspace, no_record, log)
    else:
        workspace = (np.zeros(n, np.uint8), np.empty(n + 1, np.int32),
                     np.empty(n + 1, np.int32), np.zeros(n // 64 + 1, np.uint64))
        log = tuple(np.empty((len(keys), n + 1), np.int32) for _ in range(4))
        offsets, rows, _ = ic_runs(graph_arrays, seed_arrays, keys, p, last_step, workspace,
                                   no_record, log)
        log = (*log, [rows[offsets[r]:offsets[r + 1]] for r in range(len(keys))])
    return log


@pytest.mark.parametrize("lanes", [True, False], ids=["lanes", "runs"])
def test_wiener_sums_in_floats_give_the_exact_sums_where_both_apply(lanes):
    """The fallback for huge trees (sums added in floats, in the people's order) gives
    each tree's virality as the exact integer sums do."""
    rng = np.random.default_rng(11)
    graph = watts_strogatz(800, 6, 0.1, rng=rng)
    seeds = [rng.integers(0, graph.n_nodes, 4) for _ in range(20)]
    keys = rng.integers(0, 2**63, 20, dtype=np.uint64)
    log = _kept(graph, 0.3, seeds, keys, 1000, lanes)
    work = shape_workspace(graph.n_nodes)
    tree_of, counts = work
    most, n = int(graph.degree.max()), graph.n_nodes
    for r in range(20):
        if lanes:
            entries, ends = log[0][r], log[1][r]
            shape, roots = shape_of_log(entries, ends, work, most, FUNNEL_TOP)
            persons, tellers = _placed_in_log(entries, ends, roots.size, n)
        else:
            kept = [part[r] for part in log]
            shape, roots = shape_of_lists(*kept, work, most, FUNNEL_TOP)
            steps = kept[4]
            persons, tellers = _placed_in_lists(*kept[:4], roots.size, steps[:, 1].sum(),
                                                steps[:, 0].sum())
        assert not counts.any()  # left at zero for the next replication
        virality, tree_size = shape[4], shape[5]
        assert (tree_size >= 2).any()
        again = np.zeros(roots.size)
        _wiener_in_floats(persons, tellers, tree_of, tree_size, again)
        np.testing.assert_array_equal(again, virality)


def test_a_chain_too_long_for_exact_integer_sums_is_summed_as_the_states_are():
    """A ring covered from one seed: two chains of 1.5 10^5 people each, too long for
    the sums in integers, take the sums in floats; still the same bits."""
    n = 300_000
    ring = ring_lattice(n, 2)
    seeds, keys = [np.array([0]), np.array([5, n // 2])], [3, 4]
    expected = _recorded_metrics(ring, 1.0, seeds, keys, n)
    for method in ("lanes", "runs"):
        shaped = independent_cascades(ring, 1.0, seeds, keys, n, shape=True, method=method)
        for got, want in zip(shaped.measured, expected, strict=True):
            assert _same(got, want)
    one_tree = shaped.measured[0]
    assert one_tree["depth"] == n // 2
    # N S1, S1 the sum of the depths: past what integer sums are trusted with
    assert n * one_tree["mean_separation"] * (n - 1) >= EXACT_BELOW


def test_finish_together_without_states_keeps_the_same_counts_and_metrics():
    scenario = scenario_from_dict({
        "name": "demo", "seed": 9, "steps": 40,
        "network": {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1, "fixed": True},
        "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3},
                      "seeding": {"strategy": "random", "count": 3}},
                     {"name": "b", "rule": {"model": "independent_cascade", "p": 0.05}}]})
    graph = Simulation(scenario).graph

    def finished(keep_states):
        models = [Simulation(scenario, replication=r, graph=graph) for r in range(6)]
        finish_together(models, threads=2, keep_states=keep_states)
        return models

    for kept, lean in zip(finished(True), finished(False), strict=True):
        assert (kept.t, kept.steps, kept.running) == (lean.t, lean.steps, lean.running)
        for a, b in zip(kept.tracks, lean.tracks, strict=True):
            np.testing.assert_array_equal(a.counts, b.counts)
            assert a.step == b.step
            assert _same(a.metrics, b.metrics)
            assert _same(b.metrics, cascade_metrics(*a.state))
        assert (lean.tracks[0].heard_at == NEVER).sum() > 0
