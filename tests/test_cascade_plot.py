"""The cascade-tree picture: known trees (a star, a path), what is drawn for real runs of
every rule, and ``buzz plot`` replaying a results folder's first run."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import run_batch
from sim.errors import InputError
from sim.model import BuzzModel
from sim.network.graph import Graph
from sim.results.plots import cascade_tree
from sim.results.replay import replay_cascade_tree
from sim.rules.common import NEVER

from .conftest import make_scenario


def certain_cascade(graph: Graph, start: int) -> BuzzModel:
    """Everyone tells everyone (p = 1) from ``start``, run to the end."""
    scenario = make_scenario(
        {"model": "complete", "n": graph.n_nodes},
        [{"name": "m", "rule": {"model": "independent_cascade", "p": 1.0},
          "seeding": {"strategy": "nodes", "nodes": [start]}}],
        steps=graph.n_nodes,
    )
    model = BuzzModel(scenario, graph=graph, create_agents=False)
    model.run()
    return model


def test_a_star_is_its_centre_with_every_leaf_one_step_later(tmp_path):
    star = Graph.from_edges(np.zeros(9, int), np.arange(1, 10), n_nodes=10)
    model = certain_cascade(star, 0)
    tree = cascade_tree(*model.tracks[0].state, tmp_path / "star.png")
    assert (tree.nodes, tree.edges, tree.depth, tree.roots, tree.reached) == (10, 9, 1, 1, 10)
    assert not tree.truncated
    assert tree.drawn.tolist() == list(range(10))
    # leaves one row apart, in order, at step 1; the centre at step 0, centred on them
    assert tree.xy.tolist() == [[0.0, 4.0]] + [[1.0, float(row)] for row in range(9)]
    assert (tmp_path / "star.png").stat().st_size > 5_000


def test_a_path_is_one_straight_chain(tmp_path):
    path = Graph.from_edges(np.arange(11), np.arange(1, 12), n_nodes=12)
    model = certain_cascade(path, 0)
    tree = cascade_tree(*model.tracks[0].state, tmp_path / "path.png")
    assert (tree.nodes, tree.edges, tree.depth, tree.roots) == (12, 11, 11, 1)
    assert tree.xy.tolist() == [[float(step), 0.0] for step in range(12)]


def test_a_long_cascade_draws_the_first_people_told_and_says_so(tmp_path):
    path = Graph.from_edges(np.arange(499), np.arange(1, 500), n_nodes=500)
    model = certain_cascade(path, 250)  # two branches, one each way
    tree = cascade_tree(*model.tracks[0].state, tmp_path / "long.png", max_nodes=41,
                        title="long")
    assert (tree.nodes, tree.reached, tree.edges, tree.depth) == (41, 500, 40, 20)
    assert tree.truncated
    assert tree.title == "long\nfirst 41 of 500 people reached, by step told"
    assert sorted(tree.drawn.tolist()) == list(range(230, 271))


def test_nobody_reached_draws_nothing(tmp_path):
    never = np.full(5, NEVER, dtype=np.int32)
    assert cascade_tree(never, never, np.full(5, -1), tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


RULES = {
    "independent_cascade": {"model": "independent_cascade", "p": 0.35},
    "linear_threshold": {"model": "linear_threshold", "threshold": 0.15},
    "rumor": {"model": "rumor", "lambda": 0.9, "alpha": 0.3},
    "bass": {"model": "bass", "p_external": 0.004, "q": 0.6},
}


@pytest.mark.parametrize("rule", list(RULES))
def test_what_is_drawn_is_the_runs_who_told_whom(rule, tmp_path):
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 2000, "k": 6, "p": 0.1},
        [{"name": "m", "rule": RULES[rule], "seeding": {"strategy": "random", "count": 4}}],
        steps=60,
    )
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    heard, shared, source = model.tracks[0].state
    reached = int((heard != NEVER).sum())
    assert reached > 150, "the run should be larger than the drawing"
    tree = cascade_tree(heard, shared, source, tmp_path / "tree.png", max_nodes=150)
    assert (tree.nodes, tree.reached) == (150, reached)
    drawn = set(tree.drawn.tolist())
    told_at = np.where(shared != NEVER, shared, heard)
    # the first 150 by step told: nobody left out was told earlier than someone drawn
    left_out = np.setdiff1d(np.flatnonzero(heard != NEVER), tree.drawn)
    assert told_at[left_out].min() >= told_at[tree.drawn].max()
    # every teller of a drawn person is drawn, acted earlier (the step before, for
    # cascades and thresholds; rumour spreaders and Bass adopters go on), and is linked
    tellers = source[tree.drawn]
    told, tellers = tree.drawn[tellers >= 0], tellers[tellers >= 0]
    assert set(tellers.tolist()) <= drawn
    gap = told_at[told] - told_at[tellers]
    assert (gap == 1).all() if rule in ("independent_cascade", "linear_threshold") else (
        (gap >= 1).all() and (gap > 1).any())
    assert tree.edges == tellers.size == tree.nodes - tree.roots
    assert tree.xy[:, 0].tolist() == told_at[tree.drawn].astype(float).tolist()
    # depth: the longest chain of tellers, followed by hand
    def hops(node: int) -> int:
        count = 0
        while source[node] >= 0:
            node, count = int(source[node]), count + 1
        return count
    assert tree.depth == max(hops(int(node)) for node in tree.drawn)
    if rule == "bass":
        assert tree.roots > 4  # the ad started some people: roots besides the seeds
    else:
        assert tree.roots == 4


# ------------------------------------------------------------------ results folders
@pytest.fixture(scope="module")
def swept_folder(tmp_path_factory):
    """A finished batch: two points, two messages (a big cascade and a small rumour)."""
    folder = tmp_path_factory.mktemp("swept")
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 600, "k": 6, "p": 0.1},
        [{"name": "quiet", "rule": {"model": "rumor", "lambda": 0.3, "alpha": 1.0},
          "seeding": {"strategy": "random", "count": 1}},
         {"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
          "seeding": {"strategy": "top_degree", "count": 3}}],
        name="swept", seed=11, replications=2,
        sweep={"grid": {"messages.promo.rule.p": [0.3, 0.5]}},
    )
    batch = run_batch(scenario, folder, executor="serial")
    return folder, batch.runs


def test_a_folders_first_run_is_replayed_and_its_largest_message_drawn(swept_folder):
    folder, runs = swept_folder
    first = runs[runs["run"] == 0].set_index("message")["reach"]
    assert first["promo"] > first["quiet"]
    tree = replay_cascade_tree(folder)
    assert tree.path == folder / "figures" / "cascade_tree.png"
    assert tree.path.stat().st_size > 10_000
    assert tree.reached == first["promo"]
    assert tree.nodes == min(300, first["promo"])
    assert tree.roots == 3 and tree.edges == tree.nodes - 3
    assert tree.title.startswith("swept: who told whom, promo, replication 0 (p=0.3)")


def test_buzz_plot_draws_the_cascade_tree_with_the_other_figures(swept_folder):
    folder, _ = swept_folder
    result = subprocess.run([sys.executable, "-m", "sim.cli", "plot", str(folder)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = [line.strip() for line in result.stdout.splitlines()]
    assert printed[-1] == str(folder / "figures" / "cascade_tree.png")
    assert str(folder / "figures" / "adoption.png") in printed


def test_a_folder_the_run_does_not_reproduce_gets_no_tree(tmp_path):
    scenario = make_scenario({"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
                             name="tampered", replications=1)
    run_batch(scenario, tmp_path, executor="serial")
    replay_cascade_tree(tmp_path)
    assert (tmp_path / "figures" / "cascade_tree.png").exists()
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    runs.loc[runs["run"] == 0, "reach"] += 1
    runs.to_parquet(tmp_path / "runs.parquet")
    with pytest.raises(InputError, match=r"runs\.parquet: run 0, message promo = \d+"):
        replay_cascade_tree(tmp_path)
    assert not (tmp_path / "figures" / "cascade_tree.png").exists()  # no stale picture
    result = subprocess.run([sys.executable, "-m", "sim.cli", "plot", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning: no cascade tree: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "figures" / "reach.png").exists()


def test_a_run_that_reached_nobody_leaves_no_tree(tmp_path):
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
        [{"name": "silent", "rule": {"model": "independent_cascade", "p": 0.5},
          "seeding": {"count": 0}}], replications=1)
    run_batch(scenario, tmp_path, executor="serial")
    (tmp_path / "figures").mkdir(exist_ok=True)
    (tmp_path / "figures" / "cascade_tree.png").write_bytes(b"from an earlier batch")
    assert replay_cascade_tree(tmp_path) is None
    assert not (tmp_path / "figures" / "cascade_tree.png").exists()
