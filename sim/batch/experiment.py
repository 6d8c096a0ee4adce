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
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.multirep import finish_together, models_per_block, multirep_applies
from sim.config import Scenario, get_dotted, with_values
from sim.measures.cascade import METRICS as CASCADE_METRICS
from sim.measures.cascade import cascade_metrics
from sim.measures.curves import curve_metrics, time_to_contain, voice_and_sentiment
from sim.measures.layers import reach_by_layer
from sim.measures.money import cost_metrics, return_metrics
from sim.network.generators import build_network
from sim.network.graph import Graph
from sim.randomness import RunStreams
from sim.rules import rule_class
from sim.simulation import Simulation

RUN_COLUMNS = [
    "run",
    "point",
    "arm",
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
    *CASCADE_METRICS,
    "cost",
    "cost_per_reach",
    "cost_per_adopter",
    "value",
    "roi",
    "time_to_contain",
    "total_cost",
    "final_net_sentiment",
    "min_net_sentiment",
]
# the people's mean opinion (runs: at the end; timeseries: at each step), in scenarios
# where people hold one (sim.simulation.Simulation.opinion)
OPINION_COLUMNS = ["mean_opinion"]
TIMESERIES_COLUMNS = [
    "run",
    "point",
    "arm",
    "replication",
    "step",
    "message",
    "heard",
    "adopters",
    "sharing",
    "share_of_voice",
    "net_sentiment",
]


@dataclass(frozen=True)
class RunSpec:
    """One run to execute: its ids, its point's values and its resolved scenario,
    and the point's name in words (``arm``)."""

    run: int
    point: int
    replication: int
    values: dict[str, Any]
    scenario: Scenario
    arm: str = ""


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
    labels = scenario.point_labels()
    # An arm sets some keys; its columns show the value every key it leaves had.
    keys = scenario.sweep.keys() if scenario.sweep is not None else []
    base = scenario.model_dump(mode="json", exclude_none=True) if scenario.sweep else {}
    shown = sweep_cells(
        [{key: values[key] if key in values else get_dotted(base, key) for key in keys}
         for values in points])
    return [
        RunSpec(replication * len(points) + point, point, replication, shown[point],
                resolved[point], labels[point])
        for replication in range(n_replications)
        for point in range(len(points))
    ]


def execute_run(spec: RunSpec, graph: Graph | None = None, source: str = "<scenario>") -> RunResult:
    """Run one (point, replication) to the end and tabulate it.

    The tables come back as plain rows and arrays: building pandas frames per run
    cost several times the simulation itself, so :func:`run_chunk` builds one pair
    of frames per chunk.
    """
    started = time.perf_counter()
    model = Simulation(spec.scenario, replication=spec.replication, graph=graph, source=source)
    model.run()
    return tabulate_run(spec, model, started)


def tabulate_run(spec: RunSpec, model, started: float) -> RunResult:
    """The rows of a finished :class:`~sim.simulation.Simulation` (``started``: the
    ``perf_counter`` at the start of its run)."""
    ids = {"run": spec.run, "point": spec.point, "arm": spec.arm,
           "replication": spec.replication}
    run_rows, series = [], []
    n_steps = model.t + 1
    curves = [track.cumulative(model.t) for track in model.tracks]
    voices, net_sentiment = voice_and_sentiment(
        [curve[0] for curve in curves], [track.message.valence for track in model.tracks]
    )
    opinions = model.mean_opinions(model.t) if model.opinion is not None else None
    for track, (heard, adopters, sharing), voice in zip(
        model.tracks, curves, voices, strict=True
    ):
        row = {**ids, "seed": spec.scenario.seed, "message": track.message.name}
        row.update(curve_metrics(heard, adopters, sharing, model.graph.n_nodes))
        row["steps"] = model.t
        row["n_nodes"] = model.graph.n_nodes
        row.update(track.metrics if track.metrics is not None
                   else cascade_metrics(*track.state))
        row.update(cost_metrics(model.costs[track.message.name], row["reach"], row["adopters"]))
        worth = spec.scenario.value if spec.scenario.valued(track.message.name) else None
        row.update(return_metrics(row["cost"], row["reach"], row["adopters"],
                                  worth and worth.per_reach, worth and worth.per_adopter))
        row["time_to_contain"] = (
            time_to_contain(track.counts[:n_steps, 0], spec.scenario.contain_below)
            if track.message.valence == "negative"
            else float("nan")
        )
        row.update(reach_by_layer(model.graph, track.source))
        row.update(track.rule.run_measures(
            (heard, adopters, sharing), model.graph.n_nodes, spec.scenario.steps
        ))
        row.update(track.rule.state_measures(track))
        if model.opinion is not None:  # the people's opinion, the same on every row
            row["mean_opinion"] = float(opinions[-1])
        row["total_cost"] = float(sum(model.costs.values()))
        row["final_net_sentiment"] = int(net_sentiment[-1])
        row["min_net_sentiment"] = int(net_sentiment.min())
        row.update({swept_column(key): value for key, value in spec.values.items()})
        run_rows.append(row)
        series.append({
            "run": np.full(n_steps, spec.run), "point": np.full(n_steps, spec.point),
            "arm": np.full(n_steps, spec.arm, dtype=object),
            "replication": np.full(n_steps, spec.replication), "step": np.arange(n_steps),
            "message": np.full(n_steps, track.message.name, dtype=object),
            "heard": heard, "adopters": adopters, "sharing": sharing,
            "share_of_voice": voice, "net_sentiment": net_sentiment,
            **track.rule.series_measures(track, model.t),
            **({"mean_opinion": opinions} if opinions is not None else {}),
        })
    return RunResult(spec, run_rows, series, time.perf_counter() - started)


def sweep_cells(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The swept values of every point as table cells of one kind per key, decided by
    the whole sweep (a part file holding only some points then has the same column
    type as the others): numbers all floats when any is, text for all when any value
    is neither a number nor a truth value (JSON for numbers, lists and mappings).

    Examples
    --------
    >>> sweep_cells([{"p": 0}, {"p": 0.5}])
    [{'p': 0.0}, {'p': 0.5}]
    >>> sweep_cells([{"a": 0.5}, {"a": {"distribution": "beta", "a": 2, "b": 3}}])
    [{'a': '0.5'}, {'a': '{"distribution":"beta","a":2,"b":3}'}]
    """
    cells = [dict(values) for values in points]
    for key in dict.fromkeys(key for values in points for key in values):
        present = [values[key] for values in points if values.get(key) is not None]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
        truths = all(isinstance(v, bool) for v in present)
        for values in cells:
            value = values.get(key)
            if value is None or truths:
                continue
            if numbers:
                values[key] = float(value) if any(isinstance(v, float) for v in present) else value
            elif not isinstance(value, str):
                values[key] = json.dumps(value, separators=(",", ":"))
    return cells


def swept_column(key: str) -> str:
    """The ``runs`` column of a swept key: its dotted path, or ``scenario.<key>`` for a
    top-level key whose name a measure already uses (``steps``: the steps a run took;
    ``seed``).

    Examples
    --------
    >>> swept_column("messages.a.rule.p"), swept_column("steps")
    ('messages.a.rule.p', 'scenario.steps')
    """
    return f"scenario.{key}" if key in RUN_COLUMNS else key


def data_files(scenario: Scenario) -> list[str]:
    """The data files a scenario's network reads (its edge lists), absolute paths."""
    network = scenario.network
    networks = [layer.network for layer in getattr(network, "layers", None) or []] or [network]
    return [str(net.path) for net in networks if getattr(net, "path", None)]


def network_key(scenario: Scenario, replication: int) -> str:
    """What identifies a run's graph: the network section and the replication whose
    network stream draws it (replication 0 for a network all replications share)."""
    drawn_by = scenario.network.graph_replication(replication)
    horizon = scenario.steps if scenario.network.temporal else None  # contacts drawn for it
    # an edge list rewritten since it was read is another graph (a notebook or a page
    # lives longer than one batch)
    files = [_file_version(path) for path in data_files(scenario)]
    return json.dumps(
        [scenario.seed, drawn_by, scenario.network.model_dump(mode="json"), horizon, files],
        sort_keys=True,
    )


def _file_version(path: str) -> list:
    try:
        status = os.stat(path)
    except OSError:
        return [path, None, None]  # reading it will say what is wrong
    return [path, status.st_mtime_ns, status.st_size]


def layer_columns(scenario: Scenario) -> list[str]:
    """The ``reach_<layer>`` columns of a network of several layers."""
    return [f"reach_{name}" for name in getattr(scenario.network, "layer_names", [])]


def rule_columns(scenario: Scenario) -> list[str]:
    """The columns the scenario's rules add (each rule's ``run_columns``), once each,
    and ``mean_opinion`` when people hold opinions."""
    columns = [column for message in scenario.messages
               for column in rule_class(message.rule.model).run_columns]
    return list(dict.fromkeys(columns + (OPINION_COLUMNS if scenario.has_opinions else [])))


def rule_series_columns(scenario: Scenario) -> list[str]:
    """The timeseries columns the scenario's rules add (each rule's
    ``series_columns``), and ``mean_opinion`` when people hold opinions."""
    columns = [column for message in scenario.messages
               for column in rule_class(message.rule.model).series_columns]
    return list(dict.fromkeys(columns + (OPINION_COLUMNS if scenario.has_opinions else [])))


def swept_columns(scenario: Scenario) -> list[str]:
    """Names of the columns added for swept keys (:func:`swept_column`)."""
    return [swept_column(key) for key in scenario.sweep.keys()] if scenario.sweep else []


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
    streams = RunStreams(spec.scenario.seed,
                         spec.scenario.network.graph_replication(spec.replication))
    graph = build_network(spec.scenario.network, streams.network_rng(), spec.scenario.steps)
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


USE_MULTIREP = True  # replications that qualify run together (execute_runs)


def execute_runs(specs: tuple[RunSpec, ...], source: str = "<scenario>") -> list[RunResult]:
    """Execute runs, in order, with the same results as :func:`execute_run` on each.

    When :func:`sim.batch.multirep.multirep_applies` admits the scenario, the replications
    of each point in ``specs`` share one graph and run together
    (:func:`sim.batch.multirep.finish_together`); each run is then timed as its share.
    """
    done: dict[int, RunResult] = {}
    groups: dict[tuple[int, str], list[RunSpec]] = {}
    for spec in specs:
        if USE_MULTIREP and multirep_applies(spec.scenario):
            # runs together only where the scenario is the same (values drawn per
            # replication, as --from-fit does, make each replication its own)
            key = (spec.point, json.dumps(spec.values, sort_keys=True, default=str))
            groups.setdefault(key, []).append(spec)
    for group in groups.values():
        if len(group) < 2:
            continue
        graph = graph_for(group[0])
        size = models_per_block(graph.n_nodes, len(group[0].scenario.messages))
        for start in range(0, len(group), size):
            block = group[start : start + size]
            started = time.perf_counter()
            models = [
                Simulation(spec.scenario, replication=spec.replication, graph=graph,
                           source=source)
                for spec in block
            ]
            # the table reads no person's state on one layer, which multirep_applies requires
            finish_together(models, keep_states=False)
            share = (time.perf_counter() - started) / len(block)
            for spec, model in zip(block, models, strict=True):
                done[spec.run] = tabulate_run(spec, model, time.perf_counter() - share)
    return [done.get(spec.run) or execute_run(spec, graph_for(spec), source) for spec in specs]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Execute a chunk's runs in order (the task every executor runs)."""
    results = execute_runs(chunk.specs, chunk.source)
    scenario = chunk.specs[0].scenario
    columns = (RUN_COLUMNS + layer_columns(scenario) + rule_columns(scenario)
               + swept_columns(scenario))
    columns += [key for key in chunk.specs[0].values if key not in columns]  # drawn values
    runs = pd.DataFrame([row for r in results for row in r.runs]).reindex(columns=columns)
    pieces = [piece for r in results for piece in r.timeseries]
    series_columns = TIMESERIES_COLUMNS + rule_series_columns(scenario)
    series = pd.DataFrame({
        name: np.concatenate([piece.get(name, np.full(piece["step"].size, np.nan))
                              for piece in pieces])
        for name in series_columns
    })
    series[["message", "arm"]] = series[["message", "arm"]].astype(str)
    timings = {
        r.spec.run: {"point": r.spec.point, "replication": r.spec.replication,
                     "seconds": round(r.seconds, 5)}
        for r in results
    }
    return ChunkResult(
        runs.sort_values(["run", "message"], ignore_index=True),
        series[series_columns].sort_values(["run", "message", "step"], ignore_index=True),
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
