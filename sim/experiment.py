"""Batches: expand a scenario into runs, execute them, collect tidy tables.

A run is one (point, replication). Points come from the scenario's sweep (one
point when there is none). Run ids are replication-major,
``replication * n_points + point``: consecutive runs share their replication and so
their graph (the network is drawn from the replication's stream, DESIGN decision
3), chunks of consecutive runs build it once, and adding replications leaves the
ids of existing runs unchanged. Each worker process also keeps the last few graphs
it built, so a graph is built once per replication on each worker.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, with_values
from sim.graph import Graph
from sim.metrics import curve_metrics
from sim.model import BuzzModel
from sim.networks import build_network
from sim.randomness import RunStreams

RUN_COLUMNS = [
    "run",
    "point",
    "replication",
    "seed",
    "message",
    "reach",
    "reach_frac",
    "adopters",
    "peak_step",
    "t50",
    "steps",
    "n_nodes",
]
TIMESERIES_COLUMNS = [
    "run",
    "point",
    "replication",
    "step",
    "message",
    "heard",
    "adopters",
    "sharing",
]


@dataclass(frozen=True)
class RunSpec:
    """One run to execute: its ids, its point's values and its resolved scenario."""

    run: int
    point: int
    replication: int
    values: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class RunResult:
    """One finished run: ``runs`` rows (one per message) and ``timeseries`` columns
    (one dict of arrays per message)."""

    spec: RunSpec
    runs: list[dict[str, Any]]
    timeseries: list[dict[str, np.ndarray]]
    seconds: float


def expand_runs(
    scenario: Scenario, replications: int | None = None, source: str = "<scenario>"
) -> list[RunSpec]:
    """All runs of a scenario, in run-id order.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "replications": 2,
    ...     "network": {"model": "complete", "n": 10},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.1}}],
    ...     "sweep": {"grid": {"messages.a.rule.p": [0.1, 0.2]}}})
    >>> [(r.run, r.point, r.replication, r.values) for r in expand_runs(scenario)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(0, 0, 0, {'messages.a.rule.p': 0.1}), (1, 1, 0, {'messages.a.rule.p': 0.2}),
     (2, 0, 1, {'messages.a.rule.p': 0.1}), (3, 1, 1, {'messages.a.rule.p': 0.2})]
    """
    n_replications = replications or scenario.replications
    points = scenario.sweep.points(scenario.seed) if scenario.sweep is not None else [{}]
    resolved = [with_values(scenario, values, source) if values else scenario
                for values in points]
    return [
        RunSpec(replication * len(points) + point, point, replication, values, resolved[point])
        for replication in range(n_replications)
        for point, values in enumerate(points)
    ]


def execute_run(spec: RunSpec, graph: Graph | None = None, source: str = "<scenario>") -> RunResult:
    """Run one (point, replication) to the end and tabulate it.

    The tables come back as plain rows and arrays: building pandas frames per run
    cost several times the simulation itself, so :func:`run_chunk` builds one pair
    of frames per chunk.
    """
    started = time.perf_counter()
    model = BuzzModel(
        spec.scenario, replication=spec.replication, graph=graph, create_agents=False, source=source
    )
    model.run()
    ids = {"run": spec.run, "point": spec.point, "replication": spec.replication}
    run_rows, series = [], []
    n_steps = model.t + 1
    for track in model.tracks:
        heard, adopters, sharing = track.cumulative(model.t)
        row = {**ids, "seed": spec.scenario.seed, "message": track.message.name}
        row.update(curve_metrics(heard, adopters, sharing, model.graph.n_nodes))
        row["steps"] = model.t
        row["n_nodes"] = model.graph.n_nodes
        row.update(spec.values)
        run_rows.append(row)
        series.append({
            "run": np.full(n_steps, spec.run), "point": np.full(n_steps, spec.point),
            "replication": np.full(n_steps, spec.replication), "step": np.arange(n_steps),
            "message": np.full(n_steps, track.message.name, dtype=object),
            "heard": heard, "adopters": adopters, "sharing": sharing,
        })
    return RunResult(spec, run_rows, series, time.perf_counter() - started)


def network_key(scenario: Scenario, replication: int) -> str:
    """What identifies a run's graph: the network section and the replication."""
    return json.dumps(
        [scenario.seed, replication, scenario.network.model_dump(mode="json")], sort_keys=True
    )


def swept_columns(scenario: Scenario) -> list[str]:
    """Names of the columns added for swept keys (their dotted paths)."""
    return scenario.sweep.keys() if scenario.sweep is not None else []


_GRAPHS: OrderedDict[str, Graph] = OrderedDict()
_GRAPHS_LOCK = threading.Lock()
_GRAPHS_KEPT = 4


def graph_for(spec: RunSpec) -> Graph:
    """The run's graph, from this process's cache of the last few built."""
    key = network_key(spec.scenario, spec.replication)
    with _GRAPHS_LOCK:
        if key in _GRAPHS:
            _GRAPHS.move_to_end(key)
            return _GRAPHS[key]
    streams = RunStreams(spec.scenario.seed, spec.replication)
    graph = build_network(spec.scenario.network, streams.network_rng())
    with _GRAPHS_LOCK:
        _GRAPHS[key] = graph
        while len(_GRAPHS) > _GRAPHS_KEPT:
            _GRAPHS.popitem(last=False)
    return graph


@dataclass(frozen=True)
class Chunk:
    """Consecutive runs executed as one task."""

    specs: tuple[RunSpec, ...]
    source: str = "<scenario>"


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's tables (sorted by run, message, step) and each run's timing."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    timings: dict[int, dict]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Execute a chunk's runs in order (the task every executor runs)."""
    results = [execute_run(spec, graph_for(spec), chunk.source) for spec in chunk.specs]
    columns = RUN_COLUMNS + swept_columns(chunk.specs[0].scenario)
    runs = pd.DataFrame([row for r in results for row in r.runs]).reindex(columns=columns)
    pieces = [piece for r in results for piece in r.timeseries]
    series = pd.DataFrame({name: np.concatenate([piece[name] for piece in pieces])
                           for name in TIMESERIES_COLUMNS})
    series["message"] = series["message"].astype(str)
    timings = {
        r.spec.run: {"point": r.spec.point, "replication": r.spec.replication,
                     "seconds": round(r.seconds, 5)}
        for r in results
    }
    return ChunkResult(
        runs.sort_values(["run", "message"], ignore_index=True),
        series[TIMESERIES_COLUMNS].sort_values(["run", "message", "step"], ignore_index=True),
        timings,
    )


def make_chunks(specs: list[RunSpec], n_workers: int, source: str = "<scenario>",
                most: int = 256) -> list[Chunk]:
    """Split runs into chunks of consecutive run ids, about four per worker or more,
    made of whole replications when a chunk can hold one.

    A chunk never spans a gap in the run ids (runs finished before a resume), so the
    parts of a results folder cover disjoint, ordered ranges.
    """
    if not specs:
        return []
    size = max(1, min(most, -(-len(specs) // (4 * max(1, n_workers)))))
    points_per_replication = max(spec.point for spec in specs) + 1
    if size >= points_per_replication:
        # whole replications per chunk: each graph is built by one worker, once
        size -= size % points_per_replication
    chunks, current = [], [specs[0]]
    for spec in specs[1:]:
        if spec.run != current[-1].run + 1 or len(current) >= size:
            chunks.append(Chunk(tuple(current), source))
            current = []
        current.append(spec)
    chunks.append(Chunk(tuple(current), source))
    return chunks
