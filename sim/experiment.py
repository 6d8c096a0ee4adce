"""Batches: expand a scenario into runs, execute them, collect tidy tables.

A run is one (point, replication). Points come from the scenario's sweep (one
point when there is none); run ids are ``point * replications + replication``.
Runs are executed replication by replication so that points sharing a network
reuse the same graph (it is identical anyway: the network is drawn from the
replication's stream, DESIGN decision 3).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, with_values
from sim.graph import Graph
from sim.metrics import curve_metrics
from sim.model import BuzzModel
from sim.networks import build_network
from sim.randomness import RunStreams
from sim.store import new_manifest, prepare_folder, write_json_atomic, write_scenario, write_tables

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
    """One finished run: a ``runs`` frame (a row per message) and its ``timeseries``."""

    spec: RunSpec
    runs: pd.DataFrame
    timeseries: pd.DataFrame
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
    [(0, 0, 0, {'messages.a.rule.p': 0.1}), (1, 0, 1, {'messages.a.rule.p': 0.1}),
     (2, 1, 0, {'messages.a.rule.p': 0.2}), (3, 1, 1, {'messages.a.rule.p': 0.2})]
    """
    n_replications = replications or scenario.replications
    points = scenario.sweep.points() if scenario.sweep is not None else [{}]
    specs = []
    for point, values in enumerate(points):
        resolved = with_values(scenario, values, source) if values else scenario
        for replication in range(n_replications):
            specs.append(
                RunSpec(point * n_replications + replication, point, replication, values, resolved)
            )
    return specs


def execute_run(spec: RunSpec, graph: Graph | None = None, source: str = "<scenario>") -> RunResult:
    """Run one (point, replication) to the end and tabulate it."""
    started = time.perf_counter()
    model = BuzzModel(
        spec.scenario, replication=spec.replication, graph=graph, create_agents=False, source=source
    )
    model.run()
    ids = {"run": spec.run, "point": spec.point, "replication": spec.replication}
    run_rows, series = [], []
    for track in model.tracks:
        heard, adopters, sharing = track.cumulative(model.t)
        row = {**ids, "seed": spec.scenario.seed, "message": track.message.name}
        row.update(curve_metrics(heard, adopters, sharing, model.graph.n_nodes))
        row["steps"] = model.t
        row["n_nodes"] = model.graph.n_nodes
        row.update(spec.values)
        run_rows.append(row)
        series.append(
            pd.DataFrame(
                {
                    **ids,
                    "step": np.arange(model.t + 1),
                    "message": track.message.name,
                    "heard": heard,
                    "adopters": adopters,
                    "sharing": sharing,
                }
            )
        )
    runs = pd.DataFrame(run_rows)
    timeseries = pd.concat(series, ignore_index=True)
    return RunResult(spec, runs, timeseries, time.perf_counter() - started)


def network_key(scenario: Scenario, replication: int) -> str:
    """What identifies a run's graph: the network section and the replication."""
    return json.dumps(
        [scenario.seed, replication, scenario.network.model_dump(mode="json")], sort_keys=True
    )


def iterate_results(
    specs: Iterable[RunSpec],
    source: str = "<scenario>",
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Execute runs serially, replication-major so a graph is built once per replication.

    ``on_result`` is called as each run finishes (to stream it to disk).
    """
    ordered = sorted(specs, key=lambda spec: (spec.replication, spec.point))
    cached_key, cached_graph = None, None
    results = []
    for spec in ordered:
        key = network_key(spec.scenario, spec.replication)
        if key != cached_key:
            streams = RunStreams(spec.scenario.seed, spec.replication)
            cached_graph = build_network(spec.scenario.network, streams.network_rng())
            cached_key = key
        result = execute_run(spec, cached_graph, source)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def swept_columns(scenario: Scenario) -> list[str]:
    """Names of the columns added for swept keys (their dotted paths)."""
    return list(scenario.sweep.grid) if scenario.sweep is not None else []


@dataclass(frozen=True)
class BatchResult:
    """The tables of a finished (or interrupted) batch and where they were written."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    out: Path | None
    complete: bool


def run_batch(
    scenario: Scenario,
    out: str | Path | None = None,
    *,
    replications: int | None = None,
    source: str = "<scenario>",
    force: bool = False,
    on_result: Callable[[RunResult, int, int], None] | None = None,
) -> BatchResult:
    """Run every point and replication serially and write the results folder.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    out : path, optional
        The results folder; nothing is written when ``None``.
    replications : int, optional
        Overrides ``scenario.replications``.
    source : str
        The scenario's file, for messages and the manifest.
    force : bool
        Replace results already in ``out``.
    on_result : callable, optional
        Called with ``(result, n_done, n_total)`` after each run (progress).

    Returns
    -------
    BatchResult
        If interrupted (Ctrl-C), the finished runs are still written and
        ``complete`` is false; the manifest says ``interrupted``.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "replications": 3, "seed": 5,
    ...     "network": {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3}}]})
    >>> batch = run_batch(scenario)
    >>> batch.runs[["run", "replication", "message"]].values.tolist()
    [[0, 0, 'a'], [1, 1, 'a'], [2, 2, 'a']]
    """
    specs = expand_runs(scenario, replications, source)
    folder = Path(out) if out is not None else None
    manifest = new_manifest(scenario, source, len(specs))
    if folder is not None:
        prepare_folder(folder, force=force)
        write_scenario(folder, scenario)
        write_json_atomic(folder / "manifest.json", manifest)
    finished: list[RunResult] = []
    started = time.perf_counter()

    def record(result: RunResult) -> None:
        finished.append(result)
        manifest["runs"][str(result.spec.run)] = {
            "point": result.spec.point,
            "replication": result.spec.replication,
            "status": "done",
            "seconds": round(result.seconds, 4),
        }
        if on_result is not None:
            on_result(result, len(finished), len(specs))

    complete = False
    try:
        iterate_results(specs, source, record)
        complete = True
    finally:
        runs, timeseries = _tables(finished, scenario)
        manifest["status"] = "complete" if complete else "interrupted"
        manifest["seconds"] = round(time.perf_counter() - started, 3)
        if folder is not None:
            write_tables(folder, runs, timeseries)
            write_json_atomic(folder / "manifest.json", manifest)
    return BatchResult(
        runs.sort_values(["run", "message"], ignore_index=True),
        timeseries.sort_values(["run", "message", "step"], ignore_index=True),
        folder,
        complete,
    )


def _tables(results: list[RunResult], scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = RUN_COLUMNS + swept_columns(scenario)
    if not results:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=TIMESERIES_COLUMNS)
    runs = pd.concat([r.runs for r in results], ignore_index=True)
    timeseries = pd.concat([r.timeseries for r in results], ignore_index=True)
    return runs[columns], timeseries[TIMESERIES_COLUMNS]
