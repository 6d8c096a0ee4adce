"""Many replications at once (sim.batch.multirep): each equals its own single run, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.batch import experiment, run_batch
from sim.batch.experiment import expand_runs, graph_for
from sim.batch.multirep import (
    _blocks,
    finish_together,
    independent_cascades,
    models_per_block,
    multirep_applies,
)
from sim.config import scenario_from_dict
from sim.measures.cascade import cascade_metrics
from sim.model import BuzzModel
from sim.network.generators import ring_lattice

from .conftest import make_scenario

NETWORKS = [
    {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1, "fixed": True},
    {"model": "barabasi_albert", "n": 300, "m": 3, "fixed": True},
    {"model": "follower", "n": 300, "m": 3, "reciprocity": 0.3, "fixed": True},
    {"model": "erdos_renyi", "n": 300, "mean_degree": 4.0, "fixed": True},
    {"model": "complete", "n": 40},
]


def _ic(p: float, count: int = 2, strategy: str = "random", name: str = "promo") -> dict:
    return {
        "name": name,
        "rule": {"model": "independent_cascade", "p": p},
        "seeding": {"strategy": strategy, "count": count},
    }


def _single_runs(scenario, replications):
    """Each replication run alone by BuzzModel.run(): the oracle."""
    models = []
    for replication in replications:
        model = BuzzModel(scenario, replication=replication, create_agents=False)
        model.run()
        models.append(model)
    return models


def _assert_track_equals(cascades, index, track, states: bool) -> None:
    steps = track.step
    assert cascades.steps[index] == steps
    np.testing.assert_array_equal(cascades.counts[index, : steps + 1], track.counts[: steps + 1])
    assert not cascades.counts[index, steps + 1 :].any()
    if states:
        np.testing.assert_array_equal(cascades.heard_at[index], track.heard_at)
        np.testing.assert_array_equal(cascades.shared_at[index], track.shared_at)
        np.testing.assert_array_equal(cascades.source[index], track.source)


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("p", [0.05, 0.3, 1.0])
def test_every_replication_equals_its_single_run(network, p):
    # 70 replications: one full block of 64 lanes and a partial one
    scenario = make_scenario(network, [_ic(p)], seed=5, steps=60)
    replications = list(range(70))
    models = _single_runs(scenario, replications)
    graph = models[0].graph
    seeds = [m.tracks[0].seeds for m in models]
    keys = [m.tracks[0].key for m in models]
    for method in ("lanes", "runs"):
        for threads in (1, 2):
            for record in (False, True):
                result = independent_cascades(
                    graph, p, seeds, keys, scenario.steps, threads=threads,
                    record_states=record, method=method,
                )
                for index, model in enumerate(models):
                    _assert_track_equals(result, index, model.tracks[0], states=record)
    assert max(m.count("adopters") for m in models) > 2  # some cascades went somewhere


@pytest.mark.parametrize("method", ["lanes", "runs"])
def test_capped_steps_and_many_seeds_equal_single_runs(method):
    # steps=4 stops most cascades early; 10 top-degree seeds overlap across replications
    scenario = make_scenario(
        NETWORKS[0], [_ic(0.4, count=10, strategy="top_degree")], seed=2, steps=4
    )
    models = _single_runs(scenario, range(9))
    assert any(m.t == 4 and m.tracks[0].n_frontier > 0 for m in models)
    result = independent_cascades(
        models[0].graph, 0.4, [m.tracks[0].seeds for m in models],
        [m.tracks[0].key for m in models], 4, method=method, record_states=True,
    )
    for index, model in enumerate(models):
        _assert_track_equals(result, index, model.tracks[0], states=True)


def test_replications_without_seeds_stay_at_step_zero():
    ring = ring_lattice(12, 2)
    for method in ("lanes", "runs"):
        result = independent_cascades(
            ring, 0.5, [np.array([], dtype=np.int64), np.array([3])], [7, 8], 10, method=method
        )
        assert result.steps[0] == 0 and not result.counts[0].any()
        assert result.counts[1, 0].tolist() == [1, 1]


def test_results_do_not_depend_on_threads_or_method():
    scenario = make_scenario(NETWORKS[1], [_ic(0.2)], seed=8)
    graph = BuzzModel(scenario, create_agents=False).graph
    rng = np.random.default_rng(3)
    seeds = [rng.choice(graph.n_nodes, 2, replace=False) for _ in range(150)]
    keys = rng.integers(0, 2**63, 150, dtype=np.uint64)
    results = [
        independent_cascades(graph, 0.2, seeds, keys, 200, threads=threads, method=method)
        for threads in (1, 2, 3)
        for method in ("lanes", "runs")
    ]
    for other in results[1:]:
        np.testing.assert_array_equal(other.steps, results[0].steps)
        width = min(other.counts.shape[1], results[0].counts.shape[1])
        np.testing.assert_array_equal(other.counts[:, :width], results[0].counts[:, :width])
        assert not other.counts[:, width:].any() and not results[0].counts[:, width:].any()


def test_seeds_as_a_2d_array_equal_seeds_as_lists():
    ring = ring_lattice(50, 4)
    seeds = np.array([[0, 10], [5, 6], [49, 0]])
    keys = [11, 12, 13]
    as_rows = independent_cascades(ring, 0.4, seeds, keys, 30, record_states=True)
    as_lists = independent_cascades(ring, 0.4, list(seeds), keys, 30, record_states=True)
    np.testing.assert_array_equal(as_rows.counts, as_lists.counts)
    np.testing.assert_array_equal(as_rows.source, as_lists.source)
    assert as_rows.counts[:, 0].tolist() == [[2, 2]] * 3


def test_blocks_cover_every_replication_once_and_fill_threads():
    for n_replications in (1, 2, 63, 64, 65, 130, 1000):
        for threads in (1, 2, 3):
            blocks = _blocks(n_replications, threads, 64)
            covered = [r for start, stop in blocks for r in range(start, stop)]
            assert covered == list(range(n_replications))
            assert all(0 < stop - start <= 64 for start, stop in blocks)
            if n_replications >= threads:
                assert len(blocks) % threads == 0


def test_bad_arguments_are_refused():
    ring = ring_lattice(10, 2)
    with pytest.raises(ValueError, match="p_share must lie in"):
        independent_cascades(ring, 1.5, [np.array([0])], [1], 5)
    with pytest.raises(ValueError, match=r"seeds must lie in 0\.\.9"):
        independent_cascades(ring, 0.5, [np.array([10])], [1], 5)
    with pytest.raises(ValueError, match="differ in length"):
        independent_cascades(ring, 0.5, [np.array([0])], [1, 2], 5)
    with pytest.raises(ValueError, match="method must be"):
        independent_cascades(ring, 0.5, [np.array([0])], [1], 5, method="fast")


# ------------------------------------------------------------------ qualification
def _raw(**changes) -> dict:
    raw = {
        "name": "q", "seed": 1, "replications": 4,
        "network": {"model": "watts_strogatz", "n": 200, "k": 4, "fixed": True},
        "messages": [_ic(0.2)],
    }
    raw.update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "applies"),
    [
        ({}, True),
        ({"network": {"model": "watts_strogatz", "n": 200, "k": 4}}, False),
        ({"network": {"model": "ring_lattice", "n": 200, "k": 4}}, True),
        ({"messages": [_ic(0.2), _ic(0.1, name="other")]}, True),
        ({"messages": [{**_ic(0.2), "seeding": {"count": 2, "step": 3}}]}, False),
        ({"messages": [{"name": "t", "rule": {"model": "linear_threshold", "threshold": 0.2}}]},
         False),
        ({"messages": [{**_ic(0.2), "modifiers": {"half_life": 3}}]}, False),
        ({"people": {"susceptibility": 0.5}}, False),
        ({"messages": [_ic(0.2), _ic(0.1, name="b")],
          "interactions": [{"kind": "competition", "from": "promo", "to": "b"}]}, False),
    ],
)
def test_multirep_applies_only_to_plain_cascades_on_a_shared_network(changes, applies):
    assert multirep_applies(scenario_from_dict(_raw(**changes))) is applies


def test_finish_together_leaves_every_model_as_its_own_run_would():
    """The same state, and the same cascade metrics, measured in the kernel's threads."""
    scenario = scenario_from_dict(_raw(messages=[_ic(0.35), _ic(0.2, count=4, name="b")],
                                       steps=12))
    graph = BuzzModel(scenario, create_agents=False).graph
    models = [BuzzModel(scenario, replication=r, graph=graph, create_agents=False)
              for r in range(5)]
    finish_together(models, threads=2)
    for replication, model in enumerate(models):
        alone = BuzzModel(scenario, replication=replication, create_agents=False)
        alone.run()
        assert (model.t, model.steps, model.running) == (alone.t, alone.steps, alone.running)
        for track, single in zip(model.tracks, alone.tracks, strict=True):
            _assert_track_equals_track(track, single)
            # its shape, measured in the kernel's threads, is kept for its table
            assert track.metrics is not None
            kept, measured = track.metrics, cascade_metrics(*single.state)
            assert kept.keys() == measured.keys()
            assert all(kept[k] == measured[k] or (np.isnan(kept[k]) and np.isnan(measured[k]))
                       for k in kept)


def _assert_track_equals_track(track, single) -> None:
    for a, b in zip(track.state, single.state, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(track.counts, single.counts)
    assert (track.step, track.n_frontier) == (single.step, single.n_frontier)
    frontier = np.sort(track.buffers[0][: track.n_frontier])
    np.testing.assert_array_equal(frontier, np.sort(single.buffers[0][: single.n_frontier]))


def test_finish_together_refuses_what_it_cannot_do():
    drawn = scenario_from_dict(_raw(network={"model": "watts_strogatz", "n": 200, "k": 4}))
    with pytest.raises(ValueError, match="cannot run together"):
        finish_together([BuzzModel(drawn, create_agents=False)])
    fixed = scenario_from_dict(_raw())
    apart = [BuzzModel(fixed, replication=r, create_agents=False) for r in range(2)]
    with pytest.raises(ValueError, match="share their scenario and graph"):
        finish_together(apart)
    stepped = BuzzModel(fixed, create_agents=False)
    stepped.step()
    with pytest.raises(ValueError, match="not have been stepped"):
        finish_together([stepped])


def test_models_per_block_bounds_memory():
    assert models_per_block(1000, 1) == 64
    assert 2 <= models_per_block(10**7, 3) < models_per_block(10**6, 1) < 64


# ------------------------------------------------------------------ fixed networks
def test_fixed_network_is_replication_zeros_for_every_replication():
    fixed = scenario_from_dict(_raw())
    drawn = scenario_from_dict(_raw(network={"model": "watts_strogatz", "n": 200, "k": 4}))
    graphs = [BuzzModel(fixed, replication=r, create_agents=False).graph for r in range(3)]
    for graph in graphs[1:]:
        np.testing.assert_array_equal(graph.indices, graphs[0].indices)
    own = [BuzzModel(drawn, replication=r, create_agents=False).graph for r in range(2)]
    np.testing.assert_array_equal(own[0].indices, graphs[0].indices)  # replication 0 unchanged
    assert not np.array_equal(own[1].indices, own[0].indices)
    specs = expand_runs(fixed)
    assert graph_for(specs[3]) is graph_for(specs[0])
    np.testing.assert_array_equal(graph_for(specs[3]).indices, graphs[0].indices)


# ------------------------------------------------------------------ the batch engine
def test_batch_tables_are_identical_with_and_without_multirep(tmp_path, monkeypatch):
    raw = {
        "name": "together", "seed": 21, "steps": 80, "replications": 70,
        "network": {"model": "watts_strogatz", "n": 500, "k": 6, "p": 0.1, "fixed": True},
        "messages": [_ic(0.3), {**_ic(0.15, count=3, name="second"), "valence": "negative"}],
        "sweep": {"grid": {"messages.promo.rule.p": [0.2, 0.4]}},
    }
    scenario = scenario_from_dict(raw)
    assert multirep_applies(scenario)
    calls = []
    real = experiment.finish_together

    def counted(models, **kwargs):
        calls.append(len(models))
        return real(models, **kwargs)

    monkeypatch.setattr(experiment, "finish_together", counted)
    together = run_batch(scenario, tmp_path / "together", executor="serial")
    assert sum(calls) == 140  # every run went through the multi-replication path
    monkeypatch.setattr(experiment, "USE_MULTIREP", False)
    alone = run_batch(scenario, tmp_path / "alone", executor="serial")
    assert sum(calls) == 140
    for name in ("runs", "timeseries"):
        left = pd.read_parquet(tmp_path / "together" / f"{name}.parquet")
        right = pd.read_parquet(tmp_path / "alone" / f"{name}.parquet")
        pd.testing.assert_frame_equal(left, right)
    assert together.runs["reach"].max() > 50 and alone.runs["steps"].nunique() > 1


def test_actors_keep_replications_apart():
    """A brand's actions or a community manager act between steps, run by run."""
    from sim.batch.multirep import multirep_applies
    from sim.config import scenario_from_dict

    raw = {"name": "demo", "network": {"model": "complete", "n": 50},
           "messages": [{"name": "a", "valence": "negative",
                         "rule": {"model": "independent_cascade", "p": 0.2}},
                        {"name": "b", "rule": {"model": "independent_cascade", "p": 0.2},
                         "seeding": {"count": 0}}]}
    assert multirep_applies(scenario_from_dict(raw))
    with_brand = {**raw, "campaign": {"actions": [
        {"action": "promotion", "message": "a", "start": 1, "end": 3, "boost": 2.0}]}}
    assert not multirep_applies(scenario_from_dict(with_brand))
    with_manager = {**raw, "community_manager": {"watch": "a", "respond_with": "b",
                                                 "detect_reach": 5}}
    assert not multirep_applies(scenario_from_dict(with_manager))
