"""Many replications of one independent cascade at once, on one shared graph.

:func:`independent_cascades` runs ``R`` cascades that differ only in their coin
keys and seeds (the replications of a sweep point on a network they share), in
blocks spread over threads (the kernels release the GIL), with one of two kernels
of :mod:`sim.batch.multirep_kernels`: a bit-parallel one that carries 64 replications per
machine word through one traversal per step, which wins when cascades are dense
enough for the replications' frontiers to meet; and a branch-free traversal per
replication, which wins otherwise. Each replication's result equals what the
single-cascade kernel (``Simulation.run()``) gives for the same key and seeds: the
same counts per step and the same number of steps, and, with ``record_states``, the
same ``heard_at``, ``shared_at`` and ``source``.

:func:`multirep_applies` says whether a scenario's runs may take this path; the
batch engine (:func:`sim.batch.experiment.run_chunk`) uses it on its own.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.batch.multirep_kernels import LANES, ic_lanes, ic_runs, log_length
from sim.batch.multirep_shape import (
    in_root_order,
    shape_of_lists,
    shape_of_log,
    shape_workspace,
)
from sim.config import IndependentCascade, Scenario
from sim.measures.cascade import FUNNEL_TOP, metrics_of_shape
from sim.network.graph import Graph
from sim.rules.common import NEVER, NO_SOURCE


def multirep_applies(scenario: Scenario) -> bool:
    """Whether the replications of ``scenario`` may run together in one traversal.

    Deliberately conservative: every message is an independent cascade with
    nothing but ``p`` (its other options at their defaults), seeded at step 0, with
    no modifiers; people are all alike (default ``people``); messages do not
    interact; no actor (brand, community manager) acts between steps; the network
    is a single layer without weights or times; and the replications share it (a
    deterministic network, or ``network.fixed``). Anything added later stays on the
    one-run-at-a-time path until this function admits it.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> raw = {"name": "demo", "network": {"model": "watts_strogatz", "n": 100, "k": 4},
    ...        "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.2}}]}
    >>> multirep_applies(scenario_from_dict(raw))  # each replication draws its own network
    False
    >>> raw["network"]["fixed"] = True
    >>> multirep_applies(scenario_from_dict(raw))
    True
    """
    if scenario.network.model == "layers" or not scenario.network.shared_by_replications:
        return False
    if scenario.network.weighted or scenario.network.temporal:
        return False  # its kernels know no weights and no times
    if scenario.interactions or not scenario.people.is_default:
        return False
    if scenario.campaign.actions or scenario.community_manager is not None:
        return False  # actors act between steps, run by run
    for message in scenario.messages:
        rule = message.rule
        if type(rule) is not IndependentCascade or any(
            getattr(rule, name) != field.get_default(call_default_factory=True)
            for name, field in type(rule).model_fields.items()
            if name not in ("model", "p")
        ):
            return False  # any other rule option is left at its default
        if message.seeding.step != 0 or not message.modifiers.is_default:
            return False
    return True


@dataclass(frozen=True)
class Cascades:
    """What :func:`independent_cascades` returns, replication by replication.

    ``counts[r, t] = (new heard, new sharers)`` at step ``t`` (zero after the
    replication stopped; ``counts.shape[1]`` is one more than the longest run's
    steps); ``steps[r]`` the step replication ``r`` stopped at. With
    ``record_states``, ``heard_at``, ``shared_at`` and ``source`` are ``(R, n)``
    int32 arrays as in :class:`sim.model.MessageTrack`; otherwise ``None``.
    With a ``measure``, ``measured[r]`` is what it gave for replication ``r``; with
    ``shape``, replication ``r``'s :func:`~sim.measures.cascade.cascade_metrics`.
    """

    counts: np.ndarray
    steps: np.ndarray
    heard_at: np.ndarray | None = None
    shared_at: np.ndarray | None = None
    source: np.ndarray | None = None
    measured: list | None = None

    def final_sizes(self) -> np.ndarray:
        """``(R, 2)``: people who heard and people who shared, per replication."""
        return self.counts.sum(axis=1)

    def cumulative(self, replication: int, until_step: int) -> tuple[np.ndarray, ...]:
        """``(heard, adopters, sharing)`` of one replication for steps ``0 .. until_step``,
        as :meth:`sim.model.MessageTrack.cumulative` gives them."""
        counts = np.zeros((until_step + 1, 2), dtype=np.int64)
        kept = min(until_step + 1, self.counts.shape[1])
        counts[:kept] = self.counts[replication, :kept]
        return np.cumsum(counts[:, 0]), np.cumsum(counts[:, 1]), counts[:, 1].copy()


def default_threads() -> int:
    """Threads for the kernel: one per core, but one inside a pool's worker process,
    where the other workers already hold the other cores."""
    if multiprocessing.parent_process() is not None:
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


LANES_FROM = 4.0
"""Mean number of people a sharer convinces (``p`` times mean out-degree) from which
:func:`independent_cascades` uses the bit-parallel kernel: below it the replications'
frontiers rarely meet in the same step and one traversal per replication is faster
(benchmarks/README.md, multi-replication table)."""


def _blocks(n_replications: int, threads: int, most: int) -> list[tuple[int, int]]:
    """Contiguous ranges of replications, at most ``most`` each, in a multiple of
    ``threads`` (so that no thread is left idle at the end) and as even as possible."""
    n_blocks = -(-n_replications // most)
    n_blocks = min(n_replications, threads * -(-n_blocks // threads))
    edges = np.linspace(0, n_replications, n_blocks + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _run_blocks(blocks, threads: int, make_workspace, run_block) -> list:
    """``run_block(start, stop, workspace)`` for every block, over ``threads`` threads
    that take blocks one at a time (each with its own workspace); results in block order.
    The kernels release the GIL, so the threads run at once."""
    results: list = [None] * len(blocks)
    queue = iter(range(len(blocks)))
    lock = threading.Lock()

    def work() -> None:
        workspace = make_workspace()
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                return
            results[index] = run_block(*blocks[index], workspace)

    n_threads = min(threads, len(blocks))
    if n_threads <= 1:
        work()
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            for future in [pool.submit(work) for _ in range(n_threads)]:
                future.result()
    return results


def _seed_arrays(seeds, n_nodes: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(seed_ptr, seed_nodes)``: the seed lists end to end, as the kernels take them
    (a 2-D array is taken whole, without a Python loop over its rows)."""
    if isinstance(seeds, np.ndarray) and seeds.ndim == 2:
        seed_ptr = np.arange(seeds.shape[0] + 1, dtype=np.int64) * seeds.shape[1]
        seed_nodes = seeds.ravel()
    else:
        lists = [np.asarray(s).ravel() for s in seeds]
        seed_ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        seed_ptr[1:] = np.cumsum([s.size for s in lists])
        seed_nodes = np.concatenate([*lists, np.empty(0, np.int64)])
    if seed_nodes.size and (seed_nodes.min() < 0 or seed_nodes.max() >= n_nodes):
        raise ValueError(f"seeds must lie in 0..{n_nodes - 1}")
    return seed_ptr, seed_nodes.astype(dtype)


def _block_seeds(seeds: tuple[np.ndarray, np.ndarray], start: int, stop: int):
    """The ``(seed_ptr, seed_nodes)`` of replications ``start .. stop - 1``."""
    seed_ptr, seed_nodes = seeds
    return seed_ptr[start : stop + 1] - seed_ptr[start], seed_nodes[seed_ptr[start]:seed_ptr[stop]]


def independent_cascades(
    graph: Graph,
    p_share: float,
    seeds: Sequence[np.ndarray],
    keys: Sequence[int] | np.ndarray,
    last_step: int,
    *,
    threads: int | None = None,
    record_states: bool = False,
    method: str = "auto",
    measure: Callable | None = None,
    shape: bool = False,
) -> Cascades:
    """Run ``len(keys)`` independent cascades seeded at step 0, together.

    Parameters
    ----------
    graph : Graph
        The network all replications share.
    p_share : float
        Sharing probability in [0, 1].
    seeds : sequence of int arrays, or 2-D int array
        ``seeds[r]``: who starts replication ``r`` (internal indices); a 2-D array
        when every replication has as many seeds (cheaper for many replications).
    keys : sequence of int
        ``keys[r]``: replication ``r``'s 64-bit coin key
        (:meth:`sim.randomness.RunStreams.coin_key`).
    last_step : int
        The most steps a replication may take (the scenario's ``steps``).
    threads : int, optional
        Threads to use; default :func:`default_threads`. Results do not depend on it.
    record_states : bool
        Also return each replication's ``heard_at``, ``shared_at`` and ``source``
        (``3 * R * n`` int32 values).
    method : {"auto", "lanes", "runs"}
        ``lanes``: the bit-parallel kernel, 64 replications per traversal
        (:func:`sim.batch.multirep_kernels.ic_lanes`); ``runs``: one branch-free traversal
        per replication (:func:`sim.batch.multirep_kernels.ic_runs`); ``auto``: ``lanes``
        when ``p_share`` times the mean out-degree is at least :data:`LANES_FROM`.
        Every method gives the same results.
    measure : callable, optional
        With ``record_states``: called as ``measure(heard_at, shared_at, source)`` on
        each replication's state in the thread that ran it, right after its block
        (a compiled measure that releases the GIL then runs in parallel too).
    shape : bool
        Measure each replication's cascade shape (``measured[r]``: the dict of
        :func:`~sim.measures.cascade.cascade_metrics`, the same to the bit) in the
        thread that ran it, without ``record_states``: the kernel keeps who told whom
        in the order it happened (``lanes``: a log of tellings; ``runs``: its lists of
        people convinced and touched, with who told them) and the shape is read from
        that (:mod:`sim.batch.multirep_shape`): on the standard batch this adds half
        of what recording the states and measuring them did. It holds about ``16 n``
        bytes for each replication of a thread's block (``record_states``: ``12 n``
        for every replication).

    Returns
    -------
    Cascades

    Examples
    --------
    >>> from sim.network.generators import ring_lattice
    >>> ring = ring_lattice(10, 2)
    >>> result = independent_cascades(ring, 1.0, [np.array([0]), np.array([5])], [1, 2], 20)
    >>> result.steps.tolist(), result.final_sizes().tolist()
    ([6, 6], [[10, 10], [10, 10]])
    >>> result.counts[0, :, 1].tolist()  # the ring is covered two people a step
    [1, 2, 2, 2, 2, 1, 0]
    """
    if not 0.0 <= p_share <= 1.0:
        raise ValueError(f"p_share must lie in [0, 1], got {p_share}")
    if last_step < 0:
        raise ValueError(f"last_step must be at least 0, got {last_step}")
    if method not in ("auto", "lanes", "runs"):
        raise ValueError(f"method must be auto, lanes or runs, got {method!r}")
    if measure is not None and not record_states:
        raise ValueError("measure needs record_states: it reads the recorded states")
    if shape and measure is not None:
        raise ValueError("give measure or shape, not both")
    keys = np.asarray(keys, dtype=np.uint64).ravel()
    if len(seeds) != keys.size:
        raise ValueError(f"seeds and keys differ in length: {len(seeds)} vs {keys.size}")
    n_nodes = graph.n_nodes
    seed_arrays = _seed_arrays(seeds, n_nodes, graph.indices.dtype)
    threads = default_threads() if threads is None else int(threads)
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if method == "auto":
        mean_degree = graph.indices.size / max(1, n_nodes)
        method = "lanes" if p_share * mean_degree >= LANES_FROM else "runs"
    states = _fresh_states(keys.size, n_nodes) if record_states else None
    run = _lanes if method == "lanes" else _runs
    blocks, results = run(graph, float(p_share), seed_arrays, keys, int(last_step), threads,
                          states, measure, shape)
    counts, steps = (_runs_counts if method == "runs" else _lanes_counts)(
        blocks, [result for result, _ in results], keys.size)
    measured = ([value for _, values in results for value in values] if measure or shape
                else None)
    return Cascades(counts, steps, *(states or (None, None, None)), measured)


def _measured(measure, record) -> list:
    """``measure`` of every replication recorded in a block (none without a measure)."""
    return [] if measure is None else [measure(*state) for state in zip(*record, strict=True)]


_NO_STATES = tuple(np.empty((0, 0), dtype=np.int32) for _ in range(3))


def _fresh_states(n_replications: int, n_nodes: int) -> tuple[np.ndarray, ...]:
    """``(heard_at, shared_at, source)`` of replications nobody has reached yet."""
    return (
        np.full((n_replications, n_nodes), NEVER, dtype=np.int32),
        np.full((n_replications, n_nodes), NEVER, dtype=np.int32),
        np.full((n_replications, n_nodes), NO_SOURCE, dtype=np.int32),
    )


def _log_workspace(blocks, n_nodes: int, last_step: int, shape: bool, lanes: bool) -> tuple:
    """``(log, shape workspace)`` of a thread: what :func:`ic_lanes` (``lanes``) or
    :func:`ic_runs` keeps of each replication of the widest block (pages touched only as
    far as the cascades go) and what the shape is read in; arrays with no rows and
    ``None`` without ``shape``."""
    widest = max(stop - start for start, stop in blocks) if shape else 0
    if lanes:
        log = (np.empty((widest, log_length(n_nodes, last_step) if shape else 0, 2), np.int32),
               np.zeros(widest, dtype=np.int64))
    else:
        length = n_nodes + 1 if shape else 0
        log = tuple(np.empty((widest, length), np.int32) for _ in range(4))
    return log, shape_workspace(n_nodes) if shape else None


def _shapes(log, n_replications: int, shape_work, most_offspring: int,
            runs_result=None) -> list:
    """:func:`~sim.measures.cascade.cascade_metrics` of each replication of a block,
    from what :func:`ic_lanes` (a log: two arrays) or :func:`ic_runs` (lists, read with
    the counts per step of its result) kept."""
    if runs_result is None:
        entries, ends = log
        shapes = (shape_of_log(entries[r], ends[r], shape_work, most_offspring, FUNNEL_TOP)
                  for r in range(n_replications))
    else:
        offsets, rows, _ = runs_result
        shapes = (shape_of_lists(*(part[r] for part in log), rows[offsets[r]:offsets[r + 1]],
                                 shape_work, most_offspring, FUNNEL_TOP)
                  for r in range(n_replications))
    return [metrics_of_shape(in_root_order(*shape)) for shape in shapes]


def _runs(graph, p_share, seed_arrays, keys, last_step, threads, states, measure, shape):
    n_nodes = graph.n_nodes
    graph_arrays = (graph.indptr, graph.indices)
    # small blocks: threads that finish early take more, so a few big cascades
    # do not leave a thread idle
    blocks = _blocks(keys.size, threads, max(1, -(-keys.size // (8 * threads))))
    most_offspring = int(graph.degree.max(initial=0))

    def make_workspace():
        work = (
            np.zeros(n_nodes, dtype=np.uint8),
            np.empty(n_nodes + 1, dtype=np.int32),
            np.empty(n_nodes + 1, dtype=np.int32),
            np.zeros(n_nodes // 64 + 1, dtype=np.uint64),
        )
        return work, *_log_workspace(blocks, n_nodes, last_step, shape, lanes=False)

    def run_block(start, stop, workspace):
        seeds = _block_seeds(seed_arrays, start, stop)
        record = _NO_STATES if states is None else tuple(a[start:stop] for a in states)
        work, log, shape_work = workspace
        result = ic_runs(graph_arrays, seeds, keys[start:stop], p_share, last_step, work,
                         record, log)
        return result, (_shapes(log, stop - start, shape_work, most_offspring, result)
                        if shape else _measured(measure, record))

    return blocks, _run_blocks(blocks, threads, make_workspace, run_block)


def _runs_counts(blocks, results, n_replications):
    """``(counts, steps)`` of every replication from :func:`ic_runs`' blocks."""
    steps = np.concatenate([r[2] for r in results]) if results else np.zeros(0, np.int64)
    counts = np.zeros((n_replications, int(steps.max(initial=0)) + 1, 2), dtype=np.int64)
    for (start, _), (offsets, rows, _) in zip(blocks, results, strict=True):
        # scatter every row at once: a Python loop here cost more than tiny cascades
        lengths = np.diff(offsets)
        replication = np.repeat(np.arange(start, start + lengths.size), lengths)
        step = np.arange(rows.shape[0]) - np.repeat(offsets[:-1], lengths)
        counts[replication, step] = rows
    return counts, steps


def _lanes(graph, p_share, seed_arrays, keys, last_step, threads, states, measure, shape):
    n_nodes = graph.n_nodes
    graph_arrays = (graph.indptr, graph.indices)
    blocks = _blocks(keys.size, threads, LANES)
    most_offspring = int(graph.degree.max(initial=0))

    def make_workspace():
        # reused block after block: the kernel leaves the words all zero
        words = (
            np.zeros((n_nodes, 4), dtype=np.uint64),
            np.empty(n_nodes, dtype=np.int32),
            np.empty(n_nodes, dtype=np.int32),
            np.empty(n_nodes, dtype=np.int32),
        )
        return words, *_log_workspace(blocks, n_nodes, last_step, shape, lanes=True)

    def run_block(start, stop, workspace):
        words, log, shape_work = workspace
        seeds = _block_seeds(seed_arrays, start, stop)
        record = _NO_STATES if states is None else tuple(a[start:stop] for a in states)
        log[1][:] = 0
        result = ic_lanes(graph_arrays, seeds, keys[start:stop], p_share, last_step, words,
                          record, log)
        return result, (_shapes(log, stop - start, shape_work, most_offspring) if shape
                        else _measured(measure, record))

    return blocks, _run_blocks(blocks, threads, make_workspace, run_block)


def _lanes_counts(blocks, results, n_replications):
    """``(counts, steps)`` of every replication from :func:`ic_lanes`' blocks."""
    width = max((r[0].shape[1] for r in results), default=1)
    counts = np.zeros((n_replications, width, 2), dtype=np.int64)
    steps = np.zeros(n_replications, dtype=np.int64)
    for (start, stop), (block_counts, block_steps) in zip(blocks, results, strict=True):
        counts[start:stop, : block_counts.shape[1]] = block_counts
        steps[start:stop] = block_steps
    return counts, steps


# ------------------------------------------------------------------ whole runs
MODEL_BYTES_PER_BLOCK = 2**28  # models finished together hold about this much state


def models_per_block(n_nodes: int, n_messages: int) -> int:
    """How many models of this size to finish together: up to 64 (one block of lanes),
    fewer when their state arrays would pass :data:`MODEL_BYTES_PER_BLOCK`.

    Examples
    --------
    >>> models_per_block(10_000, 1), models_per_block(10**6, 1), models_per_block(10**7, 2)
    (64, 8, 2)
    """
    # per message: three int32 state arrays in the model, three while recording;
    # per model: two int32 frontier buffers
    per_model = 4 * n_nodes * (6 * n_messages + 2)
    return max(2, min(LANES, MODEL_BYTES_PER_BLOCK // per_model))


def finish_together(models: Sequence, *, threads: int | None = None,
                    keep_states: bool = True) -> None:
    """Run freshly built models of one scenario on one shared graph to the end, together.

    ``models`` are :class:`sim.simulation.Simulation` objects of different replications,
    built and not yet stepped, whose scenario satisfies :func:`multirep_applies`.
    Each ends in exactly the state its own ``run()`` would leave: the same
    ``heard_at``, ``shared_at``, ``source``, counts, steps and ``t``; the shape of
    each cascade is measured in the threads that ran it and left in its track's
    ``metrics`` for the run's table. Seeds and coin
    keys are read from the models' tracks, so whatever chose them is respected.

    Each track's ``metrics`` are measured from what the kernel kept of who told whom
    (:func:`independent_cascades`' ``shape``). With ``keep_states=False`` the models end
    with only what a run's table reads: counts, steps, ``t`` and ``metrics``; their
    state arrays and frontiers stay as built, and the states are never recorded (the
    batch's way: 40% of the kernel's time on a network of 10^5).

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> from sim.simulation import Simulation
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 4, "steps": 50,
    ...     "network": {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1, "fixed": True},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3}}]})
    >>> models = [Simulation(scenario, replication=r) for r in range(3)]
    >>> models = [Simulation(scenario, replication=r, graph=models[0].graph)
    ...           for r in range(3)]
    >>> finish_together(models)
    >>> alone = Simulation(scenario, replication=2)
    >>> alone.run()
    >>> models[2].t == alone.t, bool((models[2].tracks[0].source == alone.tracks[0].source).all())
    (True, True)
    """
    if not models:
        return
    scenario, graph = models[0].scenario, models[0].graph
    if not multirep_applies(scenario):
        raise ValueError("these replications cannot run together (see multirep_applies)")
    for model in models:
        if model.scenario != scenario or model.graph is not graph:
            raise ValueError("models finished together must share their scenario and graph")
        if model.t != 0 or any(track.step != 0 for track in model.tracks):
            raise ValueError("models finished together must not have been stepped")
    for index, message in enumerate(scenario.messages):
        tracks = [model.tracks[index] for model in models]
        result = independent_cascades(
            graph, message.rule.p, [track.seeds for track in tracks],
            [track.key for track in tracks], scenario.steps, threads=threads,
            record_states=keep_states, shape=True,
        )
        for r, track in enumerate(tracks):
            track.metrics = result.measured[r]  # measured in the kernel's threads
            steps = int(result.steps[r])
            track.counts[: steps + 1] = result.counts[r, : steps + 1]
            track.step = steps
            if not keep_states:
                continue
            recorded = (result.heard_at, result.shared_at, result.source)
            for target, values in zip(track.state, recorded, strict=True):
                target[:] = values[r]
            # still sharing when the last step stopped the run: the kernel's frontier
            track.n_frontier = int(result.counts[r, steps, 1]) if steps > 0 else 0
            if track.n_frontier:
                track.buffers[0][: track.n_frontier] = np.flatnonzero(track.shared_at == steps)
    for model in models:
        model.t = max([0] + [track.step for track in model.tracks])
        model.steps = model.t
        model.running = False
