"""Where chunks of runs execute: in this process, in local processes, or on Dask.

Each executor takes the same list of chunks and a picklable function, and yields
each chunk's results as it finishes (in any order: the store sorts by run id).
Because every run's randomness depends only on its (seed, replication) and never on
which worker ran it, all three give identical tables (DESIGN decision 7).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

from sim.errors import InputError

EXECUTORS = ("serial", "processes", "dask")
CHOICES = ("auto", *EXECUTORS)  # what run_batch and `buzz run --executor` accept

SMALL_BATCH_SECONDS = 2.0
"""Under this estimated serial time a batch runs in-process: a pool's start and the
workers' own set-up would cost more than they save."""


DASK_RETRIES = 2
"""Times a Dask task that raised is tried again (on any worker) before the batch fails."""

LOST_SECONDS = 30.0
"""How long a batch waits for a lost Dask scheduler, or for workers when none is left,
before it ends (finished runs kept)."""

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ExecutorLost(RuntimeError):
    """The executor can no longer run anything: the Dask scheduler is gone, or it has
    had no worker for :data:`LOST_SECONDS`."""


def bind_to_parent(parent: int) -> None:
    """Set up a worker process so that it dies with the driver that started it.

    On Linux the kernel kills it when the driver ends, however it ends (``kill -9``
    included: ``PR_SET_PDEATHSIG``); everywhere a thread watches the parent's id as well.
    Ctrl-C is left to the driver, which ends its workers itself, so a worker never
    prints a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the driver died before the line above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="buzz-parent-watch").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Check that a Dask scheduler address is well formed and that something listens
    there, before a results folder is touched.

    Raises
    ------
    InputError
        In one line, naming the address and what is allowed.

    Examples
    --------
    >>> check_scheduler("garbage")
    Traceback (most recent call last):
    ...
    sim.errors.InputError: buzz run: --scheduler = 'garbage': allowed: a Dask scheduler address tcp://HOST:PORT
    """
    allowed = "a Dask scheduler address tcp://HOST:PORT"
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not port or (
            parts.path not in ("", "/")):
        raise InputError("buzz run", "--scheduler", address, allowed)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise InputError("buzz run", "--scheduler", address,
                         f"{allowed} where a scheduler runs (nothing answers there: "
                         f"{reason})") from None


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
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=bind_to_parent, initargs=(os.getpid(),))
    pending = set()
    finished = False
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
        finished = True
    finally:
        for future in pending:
            future.cancel()
        if not finished:  # interrupted: the chunks in flight are lost anyway, end them now
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own log lines (a worker's cancelled task, a nanny killing a worker, a
    client reconnecting) stay out of the terminal while a batch runs: what went wrong
    reaches the user as one line of ours. Worker processes started here read the level
    from the environment."""
    import logging

    logger = logging.getLogger("distributed")
    level, variable = logger.level, os.environ.get(QUIET_VARIABLE)
    logger.setLevel(logging.CRITICAL)
    os.environ[QUIET_VARIABLE] = "critical"
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="distributed")
            yield
    finally:
        logger.setLevel(level)
        if variable is None:
            os.environ.pop(QUIET_VARIABLE, None)
        else:
            os.environ[QUIET_VARIABLE] = variable


QUIET_VARIABLE = "DASK_LOGGING__DISTRIBUTED"


def _dask(chunks, task, workers: int, scheduler: str | None) -> Iterator[Any]:
    with _quiet_dask():
        yield from _dask_batch(chunks, task, workers, scheduler)


def _dask_batch(chunks, task, workers: int, scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        # Worker processes are started with Ctrl-C ignored (they inherit it): the driver
        # ends them itself, so a Ctrl-C prints one line, not each worker's traceback.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address="127.0.0.1:0")
        finally:
            signal.signal(signal.SIGINT, previous)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise InputError("buzz run", "--scheduler", scheduler,
                             f"the address of a running Dask scheduler ({err})") from None
    futures = []
    lost = False
    try:
        futures = [client.submit(task, chunk, pure=False, retries=DASK_RETRIES)
                   for chunk in chunks]
        yield from _completed(client, futures, scheduler or "the local cluster")
    except ExecutorLost:
        lost = True
        raise
    finally:
        with contextlib.suppress(Exception):
            if not lost:
                client.cancel(futures)
            client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)


def _completed(client, futures, where: str, poll: float = 1.0) -> Iterator[Any]:
    """Yield each future's result as it completes; raise :class:`ExecutorLost` when the
    scheduler has been unreachable, or without workers, for :data:`LOST_SECONDS`."""
    from dask.distributed import wait as dask_wait
    from distributed.comm.core import CommClosedError

    # the client cancels every future when it loses the scheduler; a result being
    # gathered from a worker at that moment fails with a closed connection instead
    gone = (CancelledError, CommClosedError)
    pending = set(futures)
    trouble_since = None
    lost = ExecutorLost(f"the Dask scheduler at {where} was lost")
    while pending:
        try:
            done, pending = dask_wait(pending, timeout=poll, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        except gone:
            raise lost from None
        # A finished task's result lives on its worker: when that worker died the result
        # must be computed again, and with no worker left it never comes.
        stuck = set()
        for future in done:
            try:
                result = future.result(timeout=5 * poll)
            except TimeoutError:
                stuck.add(future)
                continue
            except gone:
                raise lost from None
            yield result
        pending |= stuck
        if len(done) > len(stuck):
            trouble_since = None
            continue
        trouble = _trouble(client)
        if trouble is None:
            trouble_since = None
        elif trouble_since is None:
            trouble_since = time.monotonic()
        elif time.monotonic() - trouble_since >= LOST_SECONDS:
            raise ExecutorLost(f"the Dask scheduler at {where} {trouble} for "
                               f"{LOST_SECONDS:.0f} s")


def _trouble(client) -> str | None:
    """What keeps a Dask batch from going on (``None`` when nothing does)."""
    if client.status != "running":
        return "was unreachable"
    try:
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
    except Exception:  # a scheduler that stops answering midway
        return "was unreachable"
    return None if n_workers else "had no worker"
