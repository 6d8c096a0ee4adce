"""Batches end to end: expand the runs, execute them anywhere, stream them to disk.

:func:`run_batch` is the Python face of ``buzz run``. Whatever the executor, the
results folder holds the same tables, bit for bit (DESIGN decision 7).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.batch import experiment
from sim.batch.executors import (
    CHOICES,
    SMALL_BATCH_SECONDS,
    choose_executor,
    default_workers,
    run_chunks,
)
from sim.batch.experiment import (
    RunSpec,
    data_files,
    expand_runs,
    graph_for,
    make_chunks,
    run_chunk,
)
from sim.batch.multirep import multirep_applies
from sim.batch.store import ResultsStore, column_types, input_digests, load_results
from sim.config import Scenario, load_scenario
from sim.simulation import Simulation


@dataclass
class BatchResult:
    """A finished (or interrupted) batch: where its results are, and its tables.

    ``runs`` and ``timeseries`` are read from the folder on first use.
    """

    out: Path
    complete: bool
    n_runs: int
    n_done: int
    executor: str = "serial"  # where the runs went (what "auto" chose)
    _tables: dict = field(default_factory=dict, repr=False)
    _keep_alive: object = field(default=None, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = pd.read_parquet(self.out / f"{name}.parquet")
        return self._tables[name]

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run and message."""
        return self._table("runs")

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per run, step and message."""
        return self._table("timeseries")


def run_batch(
    scenario: Scenario | str | Path,
    out: str | Path | None = None,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    replications: int | None = None,
    resume: bool = False,
    force: bool = False,
    source: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    adjust_runs: Callable[[list[RunSpec]], list[RunSpec]] | None = None,
) -> BatchResult:
    """Run every point and replication of a scenario and write its results folder.

    Parameters
    ----------
    scenario : Scenario or path
        A validated scenario, or a YAML file to load.
    out : path, optional
        The results folder; a temporary one (kept while the result lives) if omitted.
    executor : {"serial", "processes", "dask", "auto"}
        Where runs execute; ``workers`` processes (default one per core), or the Dask
        scheduler at ``scheduler`` (a LocalCluster on 127.0.0.1 when omitted).
        ``auto`` (what ``buzz run`` does unless told) runs in this process when the
        replications run together on threads or the batch is small (estimated from
        the first run), else in one process per core
        (:func:`sim.batch.executors.choose_executor`).
    replications : int, optional
        Overrides ``scenario.replications``.
    resume, force : bool
        Continue an interrupted batch in ``out`` (finished runs are skipped), or
        replace results already there.
    on_progress : callable, optional
        Called with ``(runs_done, runs_total)`` after each chunk.
    adjust_runs : callable, optional
        Applied to the expanded runs before any executes; the values it adds to a
        run's ``values`` become columns of ``runs`` (``buzz run --from-fit`` draws each
        replication's fitted values with it: :mod:`sim.fit.forecast`).

    Returns
    -------
    BatchResult
        Interrupted batches (Ctrl-C, a dead worker) keep every finished run on disk
        and return ``complete=False`` only if the exception is caught by the caller;
        the manifest says ``interrupted`` either way.

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
    if not isinstance(scenario, Scenario):
        source = source or str(scenario)
        scenario = load_scenario(scenario)
    source = source or "<scenario>"
    keep_alive = None
    if out is None:
        keep_alive = tempfile.TemporaryDirectory(prefix="buzz-")
        out = keep_alive.name
    if executor not in CHOICES:
        raise ValueError(f"executor must be one of {', '.join(CHOICES)}, got {executor!r}")
    specs = expand_runs(scenario, replications, source)
    if adjust_runs is not None:
        specs = adjust_runs(specs)
    # replications that run together take other kernels than a run alone: building the
    # first run checks their data; it runs in this process anyway (no estimate needed)
    points = [spec for spec in specs if spec.replication == 0]
    together = all(runs_together(spec.scenario) for spec in points)
    first_seconds = check_setup(specs[0], source, estimate=executor == "auto" and not together,
                                run=not together)
    files = list(dict.fromkeys(path for spec in points for path in data_files(spec.scenario)))
    store = ResultsStore(Path(out), scenario, source, len(specs), resume=resume, force=force,
                         inputs=input_digests(source, files),
                         types=column_types([spec.values for spec in points]),
                         replications=replications or scenario.replications)
    done = store.done_runs()
    todo = [spec for spec in specs if spec.run not in done]
    if executor == "auto":
        executor = choose_executor(
            runs_together=bool(todo) and all(runs_together(spec.scenario) for spec in todo),
            estimated_seconds=first_seconds * len(todo),
            workers=workers or default_workers(),
        )
    n_workers = 1 if executor == "serial" else (workers or default_workers())
    chunks = make_chunks(todo, n_workers, source)
    n_done = len(specs) - len(todo)
    if on_progress is not None:
        on_progress(n_done, len(specs))
    started = time.perf_counter()
    complete = False
    try:
        for result in run_chunks(chunks, run_chunk, executor=executor, workers=workers,
                                 scheduler=scheduler):
            store.add(result.runs, result.timeseries, result.timings)
            n_done += len(result.timings)
            if on_progress is not None:
                on_progress(n_done, len(specs))
        complete = True
    finally:
        if not complete and store.fresh:
            store.discard()  # nothing ran: the folder is left as it was, free to reuse
        else:
            store.finish(complete=complete, seconds=time.perf_counter() - started)
    return BatchResult(Path(out), complete, len(specs), n_done, executor,
                       _keep_alive=keep_alive)


def check_setup(spec, source: str, *, estimate: bool = False, run: bool = True) -> float:
    """Build and run the first run here, before any worker starts, so that bad data (a
    malformed edge list, an unknown seed id, too many seeds) is reported at once in one
    line. It also compiles (or loads) every kernel the scenario uses: forked workers
    inherit them instead of each loading them again. Returns the CPU seconds of this
    thread the run took, which other work on the machine leaves alone (wall time read
    4.1 s for a run of crisis.yaml that takes 1.5 s on a quiet machine, and sent its
    small batch to worker processes); with ``estimate``, the faster of two runs, as
    the first may have spent its time compiling. Without ``run``, the run is only built
    (its network, people and seeds: where bad data shows)."""
    seconds = math.inf
    for _ in range(2 if estimate else 1):
        started = time.thread_time()
        model = Simulation(spec.scenario, replication=spec.replication, graph=graph_for(spec),
                           source=source)
        if run:
            model.run()
        seconds = min(seconds, time.thread_time() - started)
        if seconds >= SMALL_BATCH_SECONDS:
            break  # slow even if it compiled: no second look needed
    return seconds


def runs_together(scenario: Scenario) -> bool:
    """Whether the replications of a point run together on the kernel's threads."""
    return experiment.USE_MULTIREP and multirep_applies(scenario)


__all__ = ["BatchResult", "load_results", "run_batch"]
