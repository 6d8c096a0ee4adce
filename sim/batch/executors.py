"""Where chunks of runs execute: in this process, in local processes, or on Dask.

Each executor takes the same list of chunks and a picklable function, and yields
each chunk's results as it finishes (in any order: the store sorts by run id).
Because every run's randomness depends only on its (seed, replication) and never on
which worker ran it, all three give identical tables (DESIGN decision 7).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

EXECUTORS = ("serial", "processes", "dask")
CHOICES = ("auto", *EXECUTORS)  # what run_batch and `buzz run --executor` accept

SMALL_BATCH_SECONDS = 2.0
"""Under this estimated serial time a batch runs in-process: a pool's start and the
workers' own set-up would cost more than they save."""


def choose_executor(*, runs_together: bool, estimated_seconds: float, workers: int) -> str:
    """What ``auto`` means for a batch: ``serial`` (in this process) when its
    replications run together on the kernel's threads (one per core already), when
    it is small, or when there is one core; else ``processes`` (one per core, each
    kernel on one thread), so processes times threads never exceed the cores.

    Examples
    --------
    >>> choose_executor(runs_together=True, estimated_seconds=60.0, workers=2)
    'serial'
    >>> choose_executor(runs_together=False, estimated_seconds=0.5, workers=2)
    'serial'
    >>> choose_executor(runs_together=False, estimated_seconds=60.0, workers=2)
    'processes'
    """
    if runs_together or estimated_seconds < SMALL_BATCH_SECONDS or workers < 2:
        return "serial"
    return "processes"


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def run_chunks(
    chunks: Sequence[Any],
    task: Callable[[Any], Any],
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """Yield ``task(chunk)`` for every chunk as it completes.

    Parameters
    ----------
    chunks : sequence
        The work, one picklable item per task.
    task : callable
        A module-level function (it is pickled to the workers).
    executor : {"serial", "processes", "dask"}
        ``processes`` uses ``workers`` local processes (default: one per core);
        ``dask`` connects to ``scheduler`` (``tcp://host:port``) or, when none is
        given, starts a LocalCluster of ``workers`` processes on 127.0.0.1.

    Examples
    --------
    >>> sorted(run_chunks([1, 2, 3], abs))
    [1, 2, 3]
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if executor == "serial":
        for chunk in chunks:
            yield task(chunk)
    elif executor == "processes":
        yield from _processes(chunks, task, workers or default_workers())
    else:
        yield from _dask(chunks, task, workers or default_workers(), scheduler)


def _processes(chunks, task, workers: int) -> Iterator[Any]:
    # fork starts workers in milliseconds with sim already imported; nothing in the
    # driver has started threads by then (numba's parallel pool is not used here)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending = set()
    try:
        queue = iter(chunks)
        # keep a bounded number in flight so results stream to disk as they finish
        for chunk in queue:
            pending.add(pool.submit(task, chunk))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                for chunk in queue:
                    pending.add(pool.submit(task, chunk))
                    break
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(chunks, task, workers: int, scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="20s")
    futures = []
    try:
        futures = [client.submit(task, chunk, pure=False) for chunk in chunks]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.cancel(futures)
        client.close()
        if cluster is not None:
            cluster.close()
