"""Networks that change: contacts at times read from an edge list. Paths must respect
time (exact), kernel = reference on random contacts, batches and tables work, and bad
input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import sim
from sim.network.edgelist import read_edgelist
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, run_three_ways
from .test_cli import assert_one_line_error, buzz
from .test_modifiers import PEOPLE

SHARE_FOREVER = {"model": "sir", "beta": 1.0, "gamma": 0.0}
# the rules that know time, each once (the networks that change test them all)
TEMPORAL_RULES = pytest.mark.parametrize("rule", [
    {"model": "independent_cascade", "p": 0.9},
    {"model": "sir", "beta": 0.5, "gamma": 0.2},
    {"model": "sis", "beta": 0.5, "gamma": 0.3},
], ids=["independent_cascade", "sir", "sis"])


def _contacts(tmp_path, text: str, **network) -> dict:
    path = tmp_path / "contacts.txt"
    path.write_text(text)
    return {"model": "edgelist", "path": str(path), "columns": {"time": 3},
            "step_duration": 3600, **network}


def _from_zero(rule: dict) -> list[dict]:
    return [{"name": "m", "rule": rule, "seeding": {"strategy": "nodes", "nodes": [0]}}]


@pytest.mark.parametrize(("later", "reached_at"), [(3600, None), (4 * 3600, 5)])
def test_paths_respect_time(tmp_path, later, reached_at):
    """Contacts 0-1 at step 2 and 1-2 at step 1: a message seeded at 0 reaches 1 at
    step 3 and never 2, though 0-1-2 is a path of the network; with 1-2 at step 4 it
    reaches 2 at step 5. Times are seconds, a step an hour (3-4 anchors step 0)."""
    network = _contacts(tmp_path, f"0 1 7200\n1 2 {later}\n3 4 0\n")
    scenario = make_scenario(network, _from_zero(SHARE_FOREVER), steps=8)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    ids = whole.graph.node_ids.tolist()
    shared_at = dict(zip(ids, whole.tracks[0].shared_at.tolist(), strict=True))
    heard_at = dict(zip(ids, whole.tracks[0].heard_at.tolist(), strict=True))
    assert shared_at[1] == 3
    assert shared_at[2] == (NEVER if reached_at is None else reached_at)
    assert heard_at[2] == shared_at[2]  # without a contact in time, not even heard


def test_an_independent_cascade_passes_only_at_its_one_sharing_step(tmp_path):
    """A cascade sharer shares at the step they start, so only the contacts of that
    step carry it: 0 (seed, sharing at step 0) meets 1 at step 0 and 2 at step 1, too
    late; 1 (sharing at step 1) meets 3 at step 1, in time."""
    network = _contacts(tmp_path, "0 1 0\n0 2 3600\n1 3 3600\n")
    rule = {"model": "independent_cascade", "p": 1.0}
    stepped, whole, slow = run_three_ways(make_scenario(network, _from_zero(rule), steps=5))
    assert_same_state(stepped, slow)
    ids = whole.graph.node_ids.tolist()
    shared_at = dict(zip(ids, whole.tracks[0].shared_at.tolist(), strict=True))
    assert (shared_at[1], shared_at[2], shared_at[3]) == (1, NEVER, 2)


def _random_contacts(n_people: int, n_contacts: int, n_hours: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n_people, size=(n_contacts, 2))
    times = rng.integers(0, n_hours * 3600, size=n_contacts)
    return "".join(f"{u} {v} {t}\n" for (u, v), t in zip(pairs, times, strict=True))


@TEMPORAL_RULES
@pytest.mark.parametrize("people", ["none", "everything"])
@pytest.mark.parametrize("directed", [False, True])
def test_temporal_kernel_equals_reference(tmp_path, rule, people, directed):
    network = _contacts(tmp_path, _random_contacts(120, 3000, 30, seed=1), directed=directed)
    top = {} if people == "none" else {"people": PEOPLE[people]}
    messages = [{"name": "m", "rule": rule, "seeding": {"strategy": "random", "count": 5}}]
    scenario = make_scenario(network, messages, seed=4, steps=40, **top)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert whole.count("adopters") > 5


def test_contacts_are_read_and_mapped_to_steps(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("a,b,when\n1,2,100\n2,1,100\n1,2,3700\n2,3,7300\n3,3,50\n")
    graph = read_edgelist(path, time="when", step_duration=3600)
    # 1-2 at step 0 given twice (both ways) is one contact; 1-2 again at step 1
    assert graph.temporal and graph.n_edges == 3 and graph.dropped_duplicates == 1
    assert graph.neighbors(0).tolist() == [1, 1] and graph.edge_step[:2].tolist() == [0, 1]
    assert graph.static().n_edges == 2 and not graph.static().temporal
    directed = read_edgelist(path, directed=True, time=3, step_duration=3600)
    assert directed.n_edges == 4 and directed.reversed().edge_step.tolist() == [0, 0, 1, 2]


def test_temporal_runs_go_through_batches_and_tables(tmp_path):
    network = _contacts(tmp_path, _random_contacts(100, 2000, 24, seed=2))
    messages = [{"name": "m", "rule": {"model": "sir", "beta": 0.4, "gamma": 0.2},
                 "seeding": {"strategy": "random", "count": 3}}]
    scenario = make_scenario(network, messages, steps=30, replications=3,
                             sweep={"grid": {"messages.m.rule.beta": [0.2, 0.4]}})
    serial = sim.run_batch(scenario, out=tmp_path / "serial", executor="serial").runs
    processes = sim.run_batch(scenario, out=tmp_path / "processes", executor="processes",
                              workers=2).runs
    assert len(serial) == 6 and (serial["final_size"] > 0).all()
    assert serial.equals(processes)


def test_network_stats_of_contacts(tmp_path):
    network = _contacts(tmp_path, "0 1 0\n0 1 3600\n1 2 7200\n")
    raw = {"name": "c", "network": network,
           "messages": [{"name": "m", "rule": SHARE_FOREVER}]}
    scenario = tmp_path / "c.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    result = buzz("network-stats", scenario)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["temporal"] == {"contacts": 3, "steps": 3}
    assert stats["edges"] == 2  # who was ever in contact with whom


@pytest.mark.parametrize(
    ("network", "messages", "command", "needles"),
    [
        ({"step_duration": 0}, None, "validate", ["network.step_duration", "greater than 0"]),
        ({"columns": {}, "step_duration": 60}, None, "validate",
         ["network.step_duration", "only with columns.time"]),
        ({}, [{"name": "m", "rule": {"model": "linear_threshold", "count": 1}}], "validate",
         ["messages.m.rule.model", "'linear_threshold'", "independent_cascade, sir, sis"]),
        ({}, [{"name": "m", "rule": SHARE_FOREVER,
               "seeding": {"strategy": "greedy", "count": 1}}], "validate",
         ["messages.m.seeding.strategy", "'greedy'", "temporal"]),
        ({"columns": {"time": 3, "weight": 3}}, None, "validate",
         ["network.columns.time", "not supported"]),
        ({"columns": {"time": "when"}}, None, "run", ["network.columns.time", "'when'"]),
    ],
)
def test_bad_temporal_settings_are_one_line_errors(tmp_path, network, messages, command,
                                                   needles):
    (tmp_path / "contacts.txt").write_text("0 1 0\n1 2 60\n")
    raw = {"name": "c",
           "network": {"model": "edgelist", "path": "contacts.txt", "columns": {"time": 3},
                       **network},
           "messages": messages or [{"name": "m", "rule": SHARE_FOREVER}]}
    scenario = tmp_path / "c.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    args = ("--out", tmp_path / "o") if command == "run" else ()
    assert_one_line_error(buzz(command, scenario, *args), *needles)


@pytest.mark.parametrize(("line", "needles"), [
    ("1 2 noon", ["line 2", "'noon'", "a time in column 3 that is a number"]),
    ("1 2 nan", ["line 2", "'nan'", "finite"]),
    ("1 2", ["line 2", "none there"]),
])
def test_a_bad_time_names_its_line(tmp_path, line, needles):
    (tmp_path / "contacts.txt").write_text(f"0 1 0\n{line}\n")
    raw = {"name": "c", "network": {"model": "edgelist", "path": "contacts.txt",
                                    "columns": {"time": 3}},
           "messages": [{"name": "m", "rule": SHARE_FOREVER}]}
    scenario = tmp_path / "c.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    assert_one_line_error(buzz("run", scenario, "--out", tmp_path / "o"), "contacts.txt",
                          *needles)
