"""Numba kernel: many independent-cascade replications through one traversal.

``@njit`` functions only; :mod:`sim.batch.multirep` validates and calls them.

Up to 64 replications ("lanes") of one cascade on one graph travel together. Each
person has four 64-bit words, one bit per lane: *heard*, *shared* (started sharing
at or before the current step), *frontier* (started sharing at the current step)
and *next* (starts sharing at the next step). A step visits the out-edges of every
person whose frontier word is not zero, once for all the lanes in which that person
is a new sharer, and draws coins only for the lanes in which the neighbour is not
sharing yet. The four words sit side by side (a ``(n, 4)`` array, 32 bytes a
person), so a neighbour's whole state is one cache line read.

Coins are exactly those of the single-cascade kernel: lane ``l`` succeeds on the
pair ``(u, v)`` when ``pair_bits(keys[l], u, v) < chance_bits(p)``. The product
``(u << 32 | v) * golden`` inside ``pair_bits`` is shared by all lanes, so each lane
costs one addition and SplitMix64's finaliser. Because coins are counter-based, a
lane's outcome does not depend on which other lanes travel with it, on their order
or on threads: each lane ends exactly as :func:`sim.rules.independent_cascade.advance` ends with
the same key and seeds.

Sharers are visited in increasing order of their number, so the first sharer to
expose a person in a lane is the lowest-numbered one and the first successful coin
is the lowest-numbered successful sharer: the same ``source`` the single kernel
keeps by taking minima.

Instead of (or beside) each lane's state arrays, :func:`ic_lanes` can log each lane's
tellings that place someone in the cascade tree, in the order they happened (step by
step, and within a step by teller), one entry ``(who, by)`` each:

- ``(person, -1)``: a seed (at step 0);
- ``(-1, -1)``: the start of the next step (so the entries between the ``t``-th
  and the next are of people told at step ``t``, at depth ``t`` in the tree);
- ``(person, sharer)``: the person first heard from ``sharer`` and was convinced;
- ``(person, -2 - sharer)``: the person first heard from ``sharer`` and was not;
- ``(-1 - person, sharer)``: ``sharer`` convinced a person who had heard before
  (whose earlier entry is then not their place in the tree).

:mod:`sim.batch.multirep_shape` reads the tree's shape from it.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from sim.jit import njit
from sim.rules.coins import GOLDEN, chance_bits, finalize
from sim.rules.common import NO_SOURCE
from sim.rules.independent_cascade import enqueue_seeds

HEARD, SHARED, FRONTIER, NEXT = 0, 1, 2, 3
LANES = 64  # replications per machine word

SEEDED = -1  # the teller of a seed in the log (see the module docstring)
STEP_BEGINS = -1  # both halves of the log's entry that opens a step

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
AHEAD = 2  # how many sharers ahead the next rows of the graph are prefetched


@intrinsic
def _prefetch(typingctx, array, index):
    """Hint the processor to fetch ``array[index]`` into its caches (``llvm.prefetch``,
    for reading, high locality). Nothing is read: an index must still be in range."""
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False
        )
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        int32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer.type, int32, int32, int32])
        function = cgutils.get_or_insert_function(
            builder.module, function_type, "llvm.prefetch.p0i8"
        )
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [byte_pointer, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return signature, codegen


def log_length(n_nodes: int, last_step: int) -> int:
    """Room for a lane's log: each person heard first, then convinced, and the start
    of every step (at most one a person convinced, and ``last_step``)."""
    return 2 * n_nodes + min(n_nodes, last_step) + 2


@njit(cache=True, nogil=True)
def ic_lanes(graph, seeds, keys, p_share, last_step, workspace, record, log):
    """Run up to 64 independent cascades (lanes) seeded at step 0, together.

    Parameters
    ----------
    graph : tuple
        ``(indptr, indices)``, the CSR graph.
    seeds : tuple
        ``(seed_ptr, seed_nodes)``: lane ``l`` starts from
        ``seed_nodes[seed_ptr[l]:seed_ptr[l + 1]]``.
    keys : uint64 array
        The coin key of each lane (at most 64).
    p_share : float
        Sharing probability.
    last_step : int
        The last step a lane may reach (the scenario's ``steps``).
    workspace : tuple
        ``(words, active, upcoming, touched)``: a ``(n, 4)`` uint64 array all zero on
        entry (and left all zero on return), and three int32 arrays of length ``n``.
    record : tuple
        ``(heard_at, shared_at, source)``, int32 arrays of shape ``(lanes, n)``
        filled with ``NEVER``, ``NEVER`` and ``NO_SOURCE``, to receive every lane's
        state; or three arrays with no rows, to record nothing.
    log : tuple
        ``(entries, ends)``: an int32 array of shape ``(lanes, log_length(n,
        last_step), 2)`` and an
        int64 array of ``lanes`` zeros, to receive every lane's tellings in the order
        they happened (module docstring; ``ends[l]`` entries of lane ``l``); or arrays
        with no rows, to log nothing. Appending to one list per lane costs a fraction
        of ``record``'s writes all over ``(lanes, n)`` arrays.

    Returns
    -------
    counts : int64 array, shape ``(lanes, steps + 1, 2)``
        ``counts[l, t] = (new heard, new sharers)`` of lane ``l`` at step ``t``, for
        the steps the longest lane took (zero after a lane stopped).
    steps : int64 array
        The step at which each lane stopped, as the advance kernel returns it.

    Examples
    --------
    Two lanes on a ring of six, everyone convinced (``p_share = 1``), from 0 and from 3:

    >>> from sim.network.generators import ring_lattice
    >>> ring = ring_lattice(6, 2)
    >>> seeds = (np.array([0, 1, 2]), np.array([0, 3], dtype=np.int32))
    >>> workspace = (np.zeros((6, 4), np.uint64), *(np.empty(6, np.int32) for _ in range(3)))
    >>> no_record = tuple(np.empty((0, 0), np.int32) for _ in range(3))
    >>> no_log = (np.empty((0, 0, 2), np.int32), np.empty(0, np.int64))
    >>> counts, steps = ic_lanes((ring.indptr, ring.indices), seeds, np.array([7, 8], np.uint64),
    ...                          1.0, 50, workspace, no_record, no_log)
    >>> counts[0].tolist(), steps.tolist()
    ([[1, 1], [2, 2], [2, 2], [1, 1], [0, 0]], [4, 4])
    """
    indptr, indices = graph
    seed_ptr, seed_nodes = seeds
    words, active, upcoming, touched = workspace
    heard_at, shared_at, source = record
    recording = heard_at.shape[0] > 0
    entries, ends = log
    logging = entries.shape[0] > 0
    n_lanes = keys.size
    threshold = chance_bits(p_share)
    capacity = min(last_step + 1, 64)
    counts = np.zeros((n_lanes, capacity, 2), dtype=np.int64)
    steps = np.zeros(n_lanes, dtype=np.int64)
    new_heard = np.zeros(LANES, dtype=np.int64)
    new_shared = np.zeros(LANES, dtype=np.int64)

    # step 0: the seeds hear and share
    n_active = 0
    n_touched = 0
    alive = _ZERO  # lanes whose frontier is not empty
    for lane in range(n_lanes):
        bit = _ONE << np.uint64(lane)
        for i in range(seed_ptr[lane], seed_ptr[lane + 1]):
            node = seed_nodes[i]
            if words[node, SHARED] & bit:
                continue  # listed twice
            if words[node, HEARD] == _ZERO:
                touched[n_touched] = node
                n_touched += 1
            if words[node, FRONTIER] == _ZERO:
                active[n_active] = node
                n_active += 1
            words[node, HEARD] |= bit
            words[node, SHARED] |= bit
            words[node, FRONTIER] |= bit
            counts[lane, 0, 0] += 1
            counts[lane, 0, 1] += 1
            alive |= bit
            if recording:
                heard_at[lane, node] = 0
                shared_at[lane, node] = 0
                source[lane, node] = NO_SOURCE
            if logging:
                entries[lane, ends[lane], 0] = node
                entries[lane, ends[lane], 1] = SEEDED
                ends[lane] += 1
    active[:n_active].sort()

    step = 0
    while n_active > 0 and step < last_step:
        next_step = step + 1
        n_upcoming = 0
        if logging:  # a step begins in every lane still spreading
            begun = alive
            while begun != _ZERO:
                lane = trailing_zeros(begun)
                begun &= begun - _ONE
                entries[lane, ends[lane], 0] = STEP_BEGINS
                entries[lane, ends[lane], 1] = STEP_BEGINS
                ends[lane] += 1
        for i in range(n_active):
            if i + AHEAD < n_active:
                _prefetch(indices, indptr[active[i + AHEAD]])
            if i + 2 * AHEAD < n_active:
                _prefetch(indptr, active[i + 2 * AHEAD])
            sharer = active[i]
            sharing = words[sharer, FRONTIER]
            high = np.uint64(sharer) << _S32
            for edge in range(indptr[sharer], indptr[sharer + 1]):
                person = indices[edge]
                # lanes where the sharer is new and the person not sharing, now or next
                exposed = sharing & ~(words[person, SHARED] | words[person, NEXT])
                if exposed == _ZERO:
                    continue
                before = words[person, HEARD]
                if before == _ZERO:
                    touched[n_touched] = person
                    n_touched += 1
                fresh = exposed & ~before
                words[person, HEARD] = before | exposed
                mixed = (high | np.uint64(person)) * GOLDEN
                won = _ZERO
                while exposed != _ZERO:
                    lane = trailing_zeros(exposed)
                    exposed &= exposed - _ONE
                    hit = (finalize(keys[lane] + mixed) >> _S11) < threshold
                    # branch-free: a coin is the worst case for a branch predictor
                    won |= np.uint64(hit) << lane
                    new_shared[lane] += hit
                    new_heard[lane] += (fresh >> lane) & _ONE
                    if recording:
                        if (fresh >> lane) & _ONE:
                            heard_at[lane, person] = next_step
                            source[lane, person] = sharer
                        if hit:
                            shared_at[lane, person] = next_step
                            source[lane, person] = sharer
                if logging:
                    # the lanes where this telling places the person in the tree: a
                    # loop over them, not a test in every lane the coins visit
                    placed = fresh | won
                    while placed != _ZERO:
                        lane = trailing_zeros(placed)
                        placed &= placed - _ONE
                        # 0 when heard first / convinced here, else -1: person or
                        # -1 - person, sharer or -2 - sharer, without a branch
                        earlier = np.int64((fresh >> lane) & _ONE) - 1
                        failed = np.int64((won >> lane) & _ONE) - 1
                        end = ends[lane]
                        entries[lane, end, 0] = person ^ earlier
                        entries[lane, end, 1] = (sharer ^ failed) + failed
                        ends[lane] = end + 1
                if won != _ZERO:
                    if words[person, NEXT] == _ZERO:
                        upcoming[n_upcoming] = person
                        n_upcoming += 1
                    words[person, NEXT] |= won
        # close the step: the new sharers become the frontier
        for i in range(n_active):
            words[active[i], FRONTIER] = _ZERO
        for i in range(n_upcoming):
            person = upcoming[i]
            joined = words[person, NEXT]
            words[person, FRONTIER] = joined
            words[person, SHARED] |= joined
            words[person, NEXT] = _ZERO
        if next_step >= capacity:
            grown = np.zeros((n_lanes, min(2 * capacity, last_step + 1), 2), dtype=np.int64)
            for lane in range(n_lanes):  # a loop: slice assignment costs seconds to compile
                for step in range(capacity):
                    grown[lane, step, 0] = counts[lane, step, 0]
                    grown[lane, step, 1] = counts[lane, step, 1]
            counts = grown
            capacity = grown.shape[1]
        for lane in range(n_lanes):
            counts[lane, next_step, 0] = new_heard[lane]
            counts[lane, next_step, 1] = new_shared[lane]
            bit = _ONE << np.uint64(lane)
            if alive & bit and new_shared[lane] == 0:
                steps[lane] = next_step  # its frontier is empty: this lane stops here
                alive &= ~bit
            new_heard[lane] = 0
            new_shared[lane] = 0
        active, upcoming = upcoming, active
        n_active = n_upcoming
        active[:n_active].sort()
        step = next_step
    for lane in range(n_lanes):
        if alive & (_ONE << np.uint64(lane)):
            steps[lane] = step  # stopped by last_step
    # leave the workspace as it was given: all zero, at the cost of what was touched
    for i in range(n_touched):
        node = touched[i]
        for slot in range(4):
            words[node, slot] = _ZERO
    return counts[:, : step + 1].copy(), steps


@njit(cache=True, nogil=True)
def ic_runs(graph, seeds, keys, p_share, last_step, workspace, record, log):
    """Whole cascades, one after another, each counted step by step.

    A breadth-first traversal per replication, branch-free like
    :func:`sim.rules.independent_cascade.final_sizes_kernel`, whose queue holds the
    sharers in the order they started: one step's sharers are one contiguous
    stretch of it, so the end of the stretch marks the step, and the counts of a
    step are the growth of the queue (new sharers) and of the list of people touched
    (new heard).

    ``seeds`` is ``(seed_ptr, seed_nodes)`` as in :func:`ic_lanes`; ``workspace`` is
    ``(status, queue, touched, marks)``: a uint8 array of length ``n`` all zero on
    entry (and on return), two int32 arrays of length ``n + 1`` and a uint64 array of
    ``n // 64 + 1`` zeros (left so); ``record`` as in
    :func:`ic_lanes`, one row per replication. When recording or logging, each step's
    sharers are sorted first, so that the first sharer to reach a person is the
    lowest-numbered one, as the single kernel's ``source`` wants.

    ``log`` is ``(convinced_lists, convinced_by, touched_lists, touched_by)``: int32
    arrays of shape ``(runs, n + 1)`` to keep each replication's people in the order
    they were convinced (the seeds first) and who convinced them, and the people in the
    order they were touched (the seeds first) and who touched them first (``-1 -
    teller`` for those who then shared); or arrays with no rows, to keep nothing. The
    traversal writes the two lists of people anyway; who told them is a second write
    beside each (:mod:`sim.batch.multirep_shape` reads the tree from the four).

    Returns ``(offsets, rows, steps)``: replication ``r``'s counts per step are
    ``rows[offsets[r]:offsets[r + 1]]`` (``steps[r] + 1`` rows of ``(new heard, new
    sharers)``).

    Examples
    --------
    The lanes of :func:`ic_lanes`'s example, one after the other:

    >>> from sim.network.generators import ring_lattice
    >>> ring = ring_lattice(6, 2)
    >>> seeds = (np.array([0, 1, 2]), np.array([0, 3], dtype=np.int32))
    >>> workspace = (np.zeros(6, np.uint8), np.empty(7, np.int32), np.empty(7, np.int32),
    ...              np.zeros(1, np.uint64))
    >>> no_record = tuple(np.empty((0, 0), np.int32) for _ in range(3))
    >>> no_log = tuple(np.empty((0, 0), np.int32) for _ in range(4))
    >>> offsets, rows, steps = ic_runs((ring.indptr, ring.indices), seeds,
    ...                                np.array([7, 8], np.uint64), 1.0, 50, workspace,
    ...                                no_record, no_log)
    >>> offsets.tolist(), rows[:5].tolist(), steps.tolist()
    ([0, 5, 10], [[1, 1], [2, 2], [2, 2], [1, 1], [0, 0]], [4, 4])
    """
    indptr, indices = graph
    seed_ptr, seed_nodes = seeds
    status, queue, touched, marks = workspace
    heard_at, shared_at, source = record
    recording = heard_at.shape[0] > 0
    convinced_lists, convinced_by, touched_lists, touched_by = log
    logging = convinced_lists.shape[0] > 0
    threshold = chance_bits(p_share)
    n_runs = keys.size
    offsets = np.zeros(n_runs + 1, dtype=np.int64)
    steps = np.zeros(n_runs, dtype=np.int64)
    rows = np.zeros((max(64, 4 * n_runs), 2), dtype=np.int64)
    n_rows = 0
    for run in range(n_runs):
        key = keys[run]
        if logging:  # the lists of this run are kept
            touched = touched_lists[run]
            convinced_in_order = convinced_lists[run]
            touched_by_run = touched_by[run]
            convinced_by_run = convinced_by[run]
        tail = enqueue_seeds(status, queue, seed_nodes[seed_ptr[run] : seed_ptr[run + 1]])
        for i in range(tail):
            touched[i] = queue[i]
            if recording:
                heard_at[run, queue[i]] = 0
                shared_at[run, queue[i]] = 0
                source[run, queue[i]] = NO_SOURCE
        n_touched = tail
        if n_rows + 1 > rows.shape[0]:
            rows = _grown(rows)
        rows[n_rows, 0] = tail
        rows[n_rows, 1] = tail
        n_rows += 1
        head = 0
        step = 0
        while head < tail and step < last_step:
            step_end = tail
            touched_before = n_touched
            if logging:  # a loop: slice assignment costs seconds to compile
                for i in range(head, step_end):
                    convinced_in_order[i] = queue[i]
            if recording or logging:
                _sort_people(queue, head, step_end, marks)
            while head < step_end:
                # the graph's rows are the cache misses: ask for the next ones early
                if head + AHEAD < tail:
                    _prefetch(indices, indptr[queue[head + AHEAD]])
                if head + 2 * AHEAD < tail:
                    _prefetch(indptr, queue[head + 2 * AHEAD])
                sharer = queue[head]
                head += 1
                high = np.uint64(sharer) << _S32
                for edge in range(indptr[sharer], indptr[sharer + 1]):
                    # branch-free, as in final_sizes_kernel: unwanted writes land past
                    # the end of the lists or leave the status unchanged
                    person = indices[edge]
                    person_status = status[person]
                    touched[n_touched] = person
                    if logging:  # who told them, beside them: kept as they are
                        touched_by_run[n_touched] = sharer
                        convinced_by_run[tail] = sharer
                    n_touched += person_status == 0
                    coin = finalize(key + (high | np.uint64(person)) * GOLDEN) >> _S11
                    convinced = (coin < threshold) & (person_status != 2)
                    queue[tail] = person
                    tail += convinced
                    status[person] = max(person_status, 1 + convinced)
                    if recording:
                        if person_status == 0:
                            heard_at[run, person] = step + 1
                            source[run, person] = sharer
                        if convinced:
                            shared_at[run, person] = step + 1
                            source[run, person] = sharer
            step += 1
            if n_rows + 1 > rows.shape[0]:
                rows = _grown(rows)
            rows[n_rows, 0] = n_touched - touched_before
            rows[n_rows, 1] = tail - step_end
            n_rows += 1
        steps[run] = step
        offsets[run + 1] = n_rows
        if logging:
            for i in range(head, tail):  # a step cut short
                convinced_in_order[i] = queue[i]
        for i in range(n_touched):
            if logging:  # who touched a person who then shared, negated: not their place
                touched_by_run[i] ^= -np.int32(status[touched[i]] == 2)
            status[touched[i]] = 0
    return offsets, rows[:n_rows].copy(), steps


SORT_BY_MARKS_FROM = 64  # people in a step from which marks beat sorting by insertion


@njit(cache=True, nogil=True)
def _sort_people(queue, start, stop, marks):
    """Sort ``queue[start:stop]`` (distinct people) in place: a bit per person set in
    ``marks`` (all zero on entry and on return), then read back word by word between
    the lowest and highest; several times faster than a comparison sort of a step's
    sharers, which was a fifth of the standard batch's time."""
    if stop - start < SORT_BY_MARKS_FROM:  # by insertion: np.sort costs seconds to compile
        for i in range(start + 1, stop):
            person = queue[i]
            j = i
            while j > start and queue[j - 1] > person:
                queue[j] = queue[j - 1]
                j -= 1
            queue[j] = person
        return
    lowest = queue[start] >> 6
    highest = lowest
    for i in range(start, stop):
        word = queue[i] >> 6
        marks[word] |= _ONE << np.uint64(queue[i] & 63)
        lowest = min(lowest, word)
        highest = max(highest, word)
    i = start
    for word in range(lowest, highest + 1):
        bits = marks[word]
        marks[word] = _ZERO
        while bits != _ZERO:
            queue[i] = (word << 6) + np.int64(trailing_zeros(bits))
            bits &= bits - _ONE
            i += 1


@njit(cache=True, nogil=True)
def _grown(rows):
    """``rows`` in an array twice as long."""
    out = np.zeros((2 * rows.shape[0], 2), dtype=rows.dtype)
    for i in range(rows.shape[0]):  # a loop: slice assignment costs seconds to compile
        out[i, 0] = rows[i, 0]
        out[i, 1] = rows[i, 1]
    return out
