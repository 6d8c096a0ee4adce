"""Same seed, same tables; another seed, other tables; common random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.batch import run_batch
from sim.config import with_overrides
from sim.model import BuzzModel

from .conftest import make_scenario

NETWORK = {"model": "barabasi_albert", "n": 1500, "m": 3}


def _scenario(seed: int = 5, replications: int = 4, **top):
    messages = [
        {
            "name": "promo",
            "rule": {"model": "independent_cascade", "p": 0.2},
            "seeding": {"strategy": "random", "count": 2},
        }
    ]
    return make_scenario(NETWORK, messages, seed=seed, replications=replications, **top)


def test_same_seed_gives_identical_tables(tmp_path):
    first = run_batch(_scenario(), tmp_path / "a")
    second = run_batch(_scenario(), tmp_path / "b")
    pd.testing.assert_frame_equal(first.runs, second.runs)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    on_disk = pd.read_parquet(tmp_path / "a" / "runs.parquet")
    pd.testing.assert_frame_equal(on_disk, first.runs)


def test_another_seed_gives_other_tables():
    first = run_batch(_scenario(seed=5)).runs
    other = run_batch(_scenario(seed=6)).runs
    assert not first[["reach", "adopters"]].equals(other[["reach", "adopters"]])


def test_more_replications_leave_existing_runs_unchanged():
    few = run_batch(_scenario(replications=3)).runs
    many = run_batch(_scenario(replications=6)).runs
    pd.testing.assert_frame_equal(few, many[many["replication"] < 3].reset_index(drop=True))


def test_points_share_graph_and_coins_within_a_replication():
    """Common random numbers: only what the point changes differs."""
    base = _scenario()
    low = with_overrides(base, ["messages.promo.rule.p=0.1"])
    high = with_overrides(base, ["messages.promo.rule.p=0.3"])
    a, b = BuzzModel(low, replication=2), BuzzModel(high, replication=2)
    np.testing.assert_array_equal(a.graph.indices, b.graph.indices)
    np.testing.assert_array_equal(a.tracks[0].seeds, b.tracks[0].seeds)
    assert a.tracks[0].key == b.tracks[0].key
    a.run()
    b.run()
    # same coins: every adopter at p = 0.1 is an adopter at p = 0.3 (monotone coupling)
    adopted_low = a.tracks[0].shared_at != np.iinfo(np.int32).max
    adopted_high = b.tracks[0].shared_at != np.iinfo(np.int32).max
    assert adopted_low.sum() < adopted_high.sum()
    assert not (adopted_low & ~adopted_high).any()


def test_adding_a_message_leaves_the_others_alone():
    one = _scenario()
    extra = {
        "name": "rival",
        "rule": {"model": "independent_cascade", "p": 0.3},
        "seeding": {"strategy": "top_degree", "count": 3},
    }
    two = make_scenario(NETWORK, [one.messages[0].model_dump(mode="json"), extra], seed=5)
    a, b = BuzzModel(one, replication=1), BuzzModel(two, replication=1)
    a.run()
    b.run()
    for left, right in zip(a.tracks[0].state, b.track("promo").state, strict=True):
        np.testing.assert_array_equal(left, right)
