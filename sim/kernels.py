"""Numba kernels: the spreading itself. ``@njit`` functions only.

No Mesa, networkx or pandas here. Callers (``sim.rules``) validate parameters; these
functions trust their inputs.

State layout
------------
Each message has a ``state`` tuple of three int32 arrays of length ``n_nodes``:
``heard_at`` (step first exposed), ``shared_at`` (step started sharing) and
``source`` (who told them, ``-1`` for seeds and the unreached). ``NEVER`` marks
"not yet". The hot test of every visited edge reads ``shared_at`` alone; the other
two are touched only when a person is reached. (Packing the three into one
``(n, 3)`` array was measured 25% slower: the hot loop then strides 12 bytes.)

Randomness
----------
Draws are counter-based: the coin for the pair ``(u, v)`` is a hash of the run's
64-bit key and the pair (SplitMix64, Steele, Lea and Flood 2014). The outcome does
not depend on the order in which sharers or edges are visited, on threads, or on
the executor; two strategies run in the same replication see the same coins
(common random numbers); and nothing must be reset between cascades.
"""

from __future__ import annotations

import numba
import numpy as np

NEVER = np.int32(np.iinfo(np.int32).max)
NO_SOURCE = np.int32(-1)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11, _S32 = (np.uint64(s) for s in (30, 27, 31, 11, 32))
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(inline="always")
def _finalize(z):
    """SplitMix64's output function: a bijection on 64 bits with full avalanche."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def _pair_bits(key, u, v):
    """53 random bits for the ordered pair ``(u, v)`` under ``key``: the top bits of
    the ``(u << 32 | v)``-th output of a SplitMix64 stream started at ``key``."""
    counter = (np.uint64(u) << _S32) | np.uint64(v)
    return _finalize(key + counter * _GOLDEN) >> _S11


@numba.njit(inline="always")
def _pair_uniform(key, u, v):
    """Uniform in [0, 1) for the pair ``(u, v)``: ``_pair_bits * 2**-53``."""
    return np.float64(_pair_bits(key, u, v)) * _UNIT


@numba.njit(inline="always")
def _threshold(probability):
    """Integer form of a probability: ``uniform < p`` exactly when
    ``bits < ceil(p * 2**53)``, with no float work per edge."""
    return np.uint64(np.ceil(probability * 9007199254740992.0))


# ----------------------------------------------------------------------- modifiers
INOCULATION, REINFORCEMENT, COMPETITION = 0, 1, 2
_FORGET_SALT = np.uint64(0xD1B54A32D192ED03)


@numba.njit(cache=True)
def _no_modifiers():
    """The ``mods`` tuple of a message without modifiers (see :func:`_receptivity`)."""
    empty = np.empty(0, dtype=np.float64)
    no_links = (
        np.empty((0, 0), dtype=np.int32),
        np.empty((0, 0), dtype=np.int32),
        np.empty(0, dtype=np.int64),
        np.empty(0, dtype=np.int64),
        empty,
        np.empty(0, dtype=np.int64),
    )
    no_layers = (np.empty(0, dtype=np.int8), empty, np.empty(0, dtype=np.uint64))
    return (
        False, empty, empty, empty, empty, np.zeros(2, dtype=np.uint64), empty, no_links,
        no_layers,
    )


@numba.njit(inline="always")
def _hits(key, first, second, probability):
    """Whether the pair coin of ``(first, second)`` under ``key`` falls below
    ``probability`` (no coin is drawn when it is 1)."""
    return probability >= 1.0 or _pair_bits(key, first, second) < _threshold(probability)


@numba.njit(inline="always")
def _online(mods, person, step):
    """Whether ``person`` is online at ``step``: the coin of the pair ``(step, person)``
    under the run's activity key falls below their activity (shared by all messages)."""
    return _hits(mods[5][0], step, person, mods[3][person])


@numba.njit(inline="always")
def _visible(mods, sharer, person):
    """Whether ``sharer``'s shares reach ``person``: always for a public account; for a
    protected one, the pair's coin under the run's visibility key falls below the
    sharer's visibility (fixed for the run: the same followers see every share)."""
    return _hits(mods[5][1], sharer, person, mods[4][sharer])


@numba.njit(inline="always")
def _receptivity(mods, person, step):
    """How open ``person`` is to the message in the step from ``step`` to ``step + 1``.

    ``mods`` is ``(on, influence, susceptibility, activity, visibility, keys,
    step_factor, links, layers)``; ``step_factor[step]`` is the message's novelty
    decay times its negativity bias (and promotions); ``layers`` is ``(edge_layer,
    layer_parameter, layer_key)`` for a network of several layers (empty arrays
    otherwise, see :func:`_layer_chance`); ``links`` is ``(heard_all, shared_all, message,
    kind, factor, ahead)``, one entry per interaction aimed at this message:
    having heard (inoculation) or adopted (reinforcement) the other message by
    ``step`` multiplies the result by ``factor``; having adopted a competitor by
    ``step + ahead`` (``ahead`` is 1 when the competitor moves first in a step)
    makes it 0. The product is taken left to right, in link order.
    """
    factor = mods[2][person] * mods[6][step]
    heard_all, shared_all, message, kind, link_factor, ahead = mods[7]
    for i in range(message.size):
        other = message[i]
        if kind[i] == INOCULATION:
            if heard_all[other, person] <= step:
                factor *= link_factor[i]
        elif kind[i] == REINFORCEMENT:
            if shared_all[other, person] <= step:
                factor *= link_factor[i]
        elif shared_all[other, person] <= step + ahead[i]:
            return 0.0
    return factor


@numba.njit(inline="always")
def _weight(mods, sharer):
    """A sharer's weight in a count (threshold, word of mouth) in units of 2**-32:
    1 without modifiers, else their influence, rounded so that sums are exact
    integers whatever the order of addition."""
    if not mods[0]:
        return np.int64(1) << np.int64(32)
    return np.int64(mods[1][sharer] * 4294967296.0 + 0.5)


@numba.njit(cache=True)
def pair_uniforms(key, us, vs):
    """Vectorised ``_pair_uniform``, for tests and the reference implementation."""
    out = np.empty(us.size, dtype=np.float64)
    for i in range(us.size):
        out[i] = _pair_uniform(np.uint64(key), us[i], vs[i])
    return out


@numba.njit(cache=True)
def _seed_now(state, seeds, step, frontier, n_frontier):
    """Make ``seeds`` start sharing at ``step``; append the new sharers to ``frontier``.

    Returns ``(n_frontier, new_heard, new_shared)``. People already sharing stay as
    they are (a seed cannot start twice).
    """
    heard_at, shared_at, source = state
    new_heard = 0
    new_shared = 0
    for node in seeds:
        if shared_at[node] != NEVER:
            continue
        if heard_at[node] == NEVER:
            heard_at[node] = step
            new_heard += 1
        shared_at[node] = step
        source[node] = NO_SOURCE
        frontier[n_frontier] = node
        n_frontier += 1
        new_shared += 1
    return n_frontier, new_heard, new_shared


@numba.njit(inline="always")
def _close_step(state, seeds, seed_step, step, spare, n_next, new_heard, counts):
    """End a step of any rule: start the seeds due at ``step`` (appended to the
    ``n_next`` new sharers in ``spare``) and record the step's counts.

    Returns the number of people who start sharing at ``step``.
    """
    new_shared = n_next
    if step == seed_step:
        n_next, seeded_heard, seeded_shared = _seed_now(state, seeds, step, spare, n_next)
        new_heard += seeded_heard
        new_shared += seeded_shared
    counts[step, 0] = new_heard
    counts[step, 1] = new_shared
    return n_next


@numba.njit(inline="always")
def _layer_chance(mods, edge, parameter, key):
    """A tie's rule parameter and coin key: the message's own, or on a network of
    several layers the tie's layer's (each layer has its own key, so that a tie on
    two layers gets two independent coins)."""
    edge_layer, layer_parameter, layer_key = mods[8]
    if edge_layer.size == 0:
        return parameter, key
    layer = edge_layer[edge]
    return layer_parameter[layer], key ^ layer_key[layer]


@numba.njit(inline="always")
def _ic_coin(key, sharer, person, edge, step, p_share, threshold, mods):
    """Whether ``sharer`` convinces ``person`` over tie ``edge``: the pair coin against
    ``p_share``, or, with modifiers, against ``p * influence[sharer] * receptivity``
    with the tie's layer's ``p`` and key."""
    if not mods[0]:
        return _pair_bits(key, sharer, person) < threshold
    p_tie, tie_key = _layer_chance(mods, edge, p_share, key)
    probability = min(1.0, p_tie * mods[1][sharer] * _receptivity(mods, person, step))
    return _pair_bits(tie_key, sharer, person) < _threshold(probability)


@numba.njit(cache=True)
def _ic_transition(graph, state, frontier, n_frontier, step, key, p_share, next_frontier, mods):
    """One synchronous independent-cascade step from ``step`` to ``step + 1``.

    Everyone in ``frontier`` started sharing at ``step``; each exposes every
    out-neighbour at ``step + 1`` and gets one coin per neighbour that makes it
    share with probability ``p_share``. Who told whom is order-independent: an adopter's
    source is the lowest-numbered sharer whose coin succeeded; a person who only
    heard keeps the lowest-numbered sharer who exposed them first.

    With modifiers (``mods``, see :func:`_receptivity`) a neighbour offline at
    ``step + 1``, or who cannot see the sharer's posts (protected account), misses
    the share altogether: they neither hear nor get a coin.

    Returns ``(n_next, new_heard)``.
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    next_step = np.int32(step + 1)
    ukey = np.uint64(key)
    threshold = _threshold(p_share)
    modified = mods[0]
    n_next = 0
    new_heard = 0
    for i in range(n_frontier):
        sharer = frontier[i]
        for edge in range(indptr[sharer], indptr[sharer + 1]):
            person = indices[edge]
            person_shared_at = shared_at[person]
            if person_shared_at <= step:
                continue  # already sharing: exposure changes nothing
            if modified and not (
                _online(mods, person, next_step) and _visible(mods, sharer, person)
            ):
                continue
            if person_shared_at == next_step:
                # converted this step by someone else: only the source may change
                if sharer < source[person] and _ic_coin(
                    ukey, sharer, person, edge, step, p_share, threshold, mods
                ):
                    source[person] = sharer
                continue
            person_heard_at = heard_at[person]
            if person_heard_at == NEVER:
                heard_at[person] = next_step
                source[person] = sharer
                new_heard += 1
            if _ic_coin(ukey, sharer, person, edge, step, p_share, threshold, mods):
                shared_at[person] = next_step
                source[person] = sharer
                next_frontier[n_next] = person
                n_next += 1
            elif person_heard_at == next_step and sharer < source[person]:
                source[person] = sharer
    return n_next, new_heard


@numba.njit(cache=True)
def _ic_advance(graph, state, buffers, n_frontier, start_step, key, params, counts):
    """:func:`_ic_advance_with` without modifiers."""
    return _ic_advance_with(
        graph, state, buffers, n_frontier, start_step, key, params, counts, _no_modifiers()
    )


@numba.njit(cache=True)
def _ic_advance_with(graph, state, buffers, n_frontier, start_step, key, params, counts, mods):
    """Run independent-cascade steps from ``start_step`` while anything can change.

    ``buffers`` is ``(frontier, spare)``, two int32 arrays of length ``n_nodes``; the
    current sharers are ``frontier[:n_frontier]``. ``params`` is
    ``(p_share, seeds, seed_step, last_step)``: seeds are injected when ``seed_step``
    is reached. ``counts[s] = (new_heard, new_shared)`` is filled for each step taken.

    ``mods`` are the message's modifiers (see :func:`_receptivity`).

    Stops after ``last_step`` or once the frontier is empty and no seeding is due.
    Returns ``(step, n_frontier)``; the frontier is left in ``buffers[0]``.
    """
    p_share, seeds, seed_step, last_step = params
    frontier, spare = buffers
    step = start_step
    first = True
    while step < last_step and (n_frontier > 0 or seed_step > step):
        n_next, new_heard = _ic_transition(
            graph, state, frontier, n_frontier, step, key, p_share, spare, mods
        )
        step += 1
        n_next = _close_step(state, seeds, seed_step, step, spare, n_next, new_heard, counts)
        frontier, spare = spare, frontier
        first = not first
        n_frontier = n_next
    if not first:
        spare[:n_frontier] = frontier[:n_frontier]
    return step, n_frontier


@numba.njit(inline="always")
def _enqueue_seeds(status, queue, seeds):
    """Mark ``seeds`` as sharing (status 2) and queue them, each once; returns how many."""
    tail = 0
    for node in seeds:
        if status[node] != 2:
            status[node] = 2
            queue[tail] = node
            tail += 1
    return tail


@numba.njit(cache=True)
def _ic_final_sizes(graph, status, buffers, seeds, keys, p_share):
    """Whole cascades for many replications in one call, counting final sizes only.

    For replication-heavy batches and benchmarks: cascade ``r`` starts from
    ``seeds[r]`` at step 0 with coin key ``keys[r]``. ``status`` (uint8, all zero on
    entry and on return: 1 heard, 2 shared) is reset through the list of people
    touched, so each cascade costs work proportional to its size, never
    ``n_nodes``. ``buffers`` is ``(queue, touched)``, two int32 arrays of length
    ``n_nodes + 1`` (the branch-free loop writes one slot past each list's end).
    Final sizes equal those of ``_ic_advance`` for the same key, because both make
    a person share exactly when a chain of successful coins leads to them from a
    seed. Returns ``sizes[r] = (heard, adopters)``.
    """
    indptr, indices = graph
    queue, touched = buffers
    threshold = _threshold(p_share)
    sizes = np.zeros((keys.size, 2), dtype=np.int64)
    for replication in range(keys.size):
        ukey = np.uint64(keys[replication])
        tail = _enqueue_seeds(status, queue, seeds[replication])
        for i in range(tail):
            touched[i] = queue[i]
        n_touched = tail
        head = 0
        while head < tail:
            sharer = queue[head]
            head += 1
            for edge in range(indptr[sharer], indptr[sharer + 1]):
                # branch-free: a coin that succeeds 20% of the time at random is the
                # worst case for a branch predictor, so every edge does the same work
                # and unwanted writes land past the end of the lists or unchanged
                person = indices[edge]
                person_status = status[person]
                touched[n_touched] = person
                n_touched += person_status == 0
                convinced = (_pair_bits(ukey, sharer, person) < threshold) & (person_status != 2)
                queue[tail] = person
                tail += convinced
                status[person] = max(person_status, 1 + convinced)
        sizes[replication, 0] = n_touched
        sizes[replication, 1] = tail
        for i in range(n_touched):
            status[touched[i]] = 0
    return sizes


# ------------------------------------------------------------------ linear threshold
@numba.njit(inline="always")
def _lt_enough(weighted, needed, mods, person, step):
    """Whether a weighted count (units of 2**-32) reaches what ``person`` needs; with
    modifiers the count is first scaled by their receptivity."""
    if not mods[0]:
        return weighted >= (np.int64(needed) << np.int64(32))
    return weighted * 2.0**-32 * _receptivity(mods, person, step) >= needed


@numba.njit(cache=True)
def _lt_transition(graph, state, frontier, n_frontier, step, extra, next_frontier, mods):
    """One synchronous linear-threshold step from ``step`` to ``step + 1``.

    Everyone in ``frontier`` started sharing at ``step``. ``extra`` is
    ``(needed, n_neighbours_shared)``: how many sharing in-neighbours each person
    needs, and the weight of those they have seen up to ``step - 1`` (int64, in
    units of 2**-32). Each sharer adds its weight (1, or with modifiers its
    influence) to the count of every out-neighbour who is not sharing yet; a person
    whose count (times their receptivity, with modifiers) reaches ``needed`` starts
    sharing at ``step + 1``. With modifiers, a person offline at ``step + 1`` or
    who cannot see the sharer (protected account) misses that share: it neither
    counts nor makes them hear. Only the frontier's edges are
    visited, so a step costs the out-degree of its new sharers, never ``n_nodes``.

    Everyone a sharer reaches hears at ``step + 1`` if they had not heard before.
    Sources are order-independent: the lowest-numbered in-neighbour who started
    sharing at ``step`` (for a new sharer, and for a person who first heard now).

    Returns ``(n_next, new_heard)``.
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    needed, n_neighbours_shared = extra
    next_step = np.int32(step + 1)
    modified = mods[0]
    n_next = 0
    new_heard = 0
    for i in range(n_frontier):
        sharer = frontier[i]
        weight = _weight(mods, sharer)
        for edge in range(indptr[sharer], indptr[sharer + 1]):
            person = indices[edge]
            person_shared_at = shared_at[person]
            if person_shared_at <= step:
                continue  # already sharing: their count no longer matters
            if modified and not (
                _online(mods, person, next_step) and _visible(mods, sharer, person)
            ):
                continue
            n_neighbours_shared[person] += weight
            person_heard_at = heard_at[person]
            if person_heard_at == NEVER:
                heard_at[person] = next_step
                source[person] = sharer
                new_heard += 1
            elif person_heard_at == next_step and sharer < source[person]:
                source[person] = sharer
            if person_shared_at == NEVER and _lt_enough(
                n_neighbours_shared[person], needed[person], mods, person, step
            ):
                shared_at[person] = next_step
                source[person] = sharer
                next_frontier[n_next] = person
                n_next += 1
    if n_next > 0:
        # a new sharer may have been reached by lower-numbered sharers of this step
        # before its count was complete: take the minimum over all of them
        for i in range(n_frontier):
            sharer = frontier[i]
            for edge in range(indptr[sharer], indptr[sharer + 1]):
                person = indices[edge]
                if (
                    shared_at[person] == next_step
                    and sharer < source[person]
                    and (not modified or _visible(mods, sharer, person))
                ):
                    source[person] = sharer
    return n_next, new_heard


@numba.njit(cache=True)
def _lt_advance(graph, state, buffers, n_frontier, start_step, params, counts, extra, mods):
    """Run linear-threshold steps from ``start_step`` while anything can change.

    Arguments as in :func:`_ic_advance`, except that there is no coin key;
    ``params`` is ``(seeds, seed_step, last_step)`` and ``extra`` is
    ``(needed, n_neighbours_shared)`` and ``mods`` the modifiers (see
    :func:`_lt_transition`). Nothing can
    change once no one started sharing at the current step and no seeding is due.

    Returns ``(step, n_frontier)``; the frontier is left in ``buffers[0]``.
    """
    seeds, seed_step, last_step = params
    frontier, spare = buffers
    step = start_step
    first = True
    while step < last_step and (n_frontier > 0 or seed_step > step):
        n_next, new_heard = _lt_transition(
            graph, state, frontier, n_frontier, step, extra, spare, mods
        )
        step += 1
        n_next = _close_step(state, seeds, seed_step, step, spare, n_next, new_heard, counts)
        frontier, spare = spare, frontier
        first = not first
        n_frontier = n_next
    if not first:
        spare[:n_frontier] = frontier[:n_frontier]
    return step, n_frontier


# ---------------------------------------------------------------------------- bass
@numba.njit(cache=True)
def _bass_transition(graph, state, buffers, n_frontier, step, key, rates, extra, n_pending, mods):
    """One synchronous Bass step from ``step`` to ``step + 1``.

    ``buffers`` is ``(frontier, next_frontier)``: the people who adopted at ``step``
    and the room for those who adopt at ``step + 1``. ``rates`` is
    ``(p_external, q)``. ``extra`` is ``(in_degree, n_neighbours_adopted,
    lowest_adopted_neighbour, pending)``; ``pending[:n_pending]`` are the people who
    have not adopted and may (everyone left while ``p_external > 0``; otherwise
    those with at least one adopted in-neighbour).

    First the frontier's word of mouth is counted; then each pending person adopts
    if the coin of the pair ``(step + 1, person)`` falls below
    ``p_external + q * n_neighbours_adopted / in_degree`` (probabilities above 1 act
    as 1). Adopting is hearing and sharing at once. The source is the
    lowest-numbered in-neighbour who had adopted by ``step`` when the coin fell in
    the word-of-mouth part (``coin >= p_external``), else ``-1`` (external).

    ``n_neighbours_adopted`` counts weights in units of 2**-32 (int64). With
    modifiers (``mods``, see :func:`_receptivity`): only adopters whose posts a
    person can see count, each with its influence as weight; a person offline at
    ``step + 1`` cannot adopt then; and the chance is ``p_external * r + q *
    fraction * r`` for receptivity ``r`` (the external part, ``p_external * r``,
    decides the source).

    Returns ``(n_next, n_pending)``; ``pending`` is compacted in place.
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    frontier, next_frontier = buffers
    p_external, q = rates
    in_degree, n_neighbours_adopted, lowest_adopted_neighbour, pending = extra
    word_of_mouth_only = p_external == 0.0
    modified = mods[0]
    for i in range(n_frontier):
        adopter = frontier[i]
        weight = _weight(mods, adopter)
        for edge in range(indptr[adopter], indptr[adopter + 1]):
            person = indices[edge]
            if shared_at[person] != NEVER:
                continue  # adopted already (nobody has adopted at step + 1 yet)
            if modified and not _visible(mods, adopter, person):
                continue
            first = lowest_adopted_neighbour[person] == NEVER
            n_neighbours_adopted[person] += weight
            if adopter < lowest_adopted_neighbour[person]:
                lowest_adopted_neighbour[person] = adopter
            if word_of_mouth_only and q > 0.0 and first:
                pending[n_pending] = person  # now has a chance; added exactly once
                n_pending += 1
    next_step = np.int32(step + 1)
    ukey = np.uint64(key)
    n_next = 0
    n_kept = 0
    for i in range(n_pending):
        person = pending[i]
        if shared_at[person] != NEVER:
            continue  # seeded since it was listed
        if modified and not _online(mods, person, next_step):
            pending[n_kept] = person
            n_kept += 1
            continue
        degree = in_degree[person]
        weighted = n_neighbours_adopted[person] * 2.0**-32
        fraction = weighted / degree if degree > 0 else 0.0
        external = p_external
        word_of_mouth = q * fraction
        if modified:
            receptivity = _receptivity(mods, person, step)
            external = external * receptivity
            word_of_mouth = word_of_mouth * receptivity
        probability = external + word_of_mouth
        coin = _pair_uniform(ukey, next_step, person)
        if coin < probability:
            heard_at[person] = next_step
            shared_at[person] = next_step
            if coin >= external and lowest_adopted_neighbour[person] != NEVER:
                source[person] = lowest_adopted_neighbour[person]
            next_frontier[n_next] = person
            n_next += 1
        else:
            pending[n_kept] = person
            n_kept += 1
    return n_next, n_kept


@numba.njit(cache=True)
def _bass_advance(graph, state, buffers, position, key, params, counts, extra, mods):
    """Run Bass steps from ``position = (step, n_frontier, n_pending)``.

    ``params`` is ``(p_external, q, seeds, seed_step, last_step)``; ``extra`` as in
    :func:`_bass_transition`; ``buffers`` and ``counts`` as in :func:`_ic_advance`;
    ``mods`` the modifiers.
    Steps continue while someone adopted at the current step, a seeding is due or
    anyone pending may still adopt, up to ``last_step``.

    Returns ``(step, n_frontier, n_pending)``; the frontier is left in ``buffers[0]``.
    """
    p_external, q, seeds, seed_step, last_step = params
    step, n_frontier, n_pending = position
    frontier, spare = buffers
    rates = (p_external, q)
    first = True
    while step < last_step and (n_frontier > 0 or seed_step > step or n_pending > 0):
        n_next, n_pending = _bass_transition(
            graph, state, (frontier, spare), n_frontier, step, key, rates, extra, n_pending, mods
        )
        new_heard = n_next
        step += 1
        n_next = _close_step(state, seeds, seed_step, step, spare, n_next, new_heard, counts)
        frontier, spare = spare, frontier
        first = not first
        n_frontier = n_next
    if not first:
        spare[:n_frontier] = frontier[:n_frontier]
    return step, n_frontier, n_pending


# --------------------------------------------------------------------------- rumor
RUMOR_ORDER, RUMOR_CONTACT, RUMOR_SPREAD, RUMOR_STIFLE = 0, 1, 2, 3


@numba.njit(inline="always")
def _rumor_bits(key, step, purpose, person):
    """53 random bits for ``person`` at ``step``, one stream per ``purpose``: the pair
    bits of ``(4 * step + purpose, person)``. Purposes: 0 the caller order, 1 the
    contact, 2 the spreading coin, 3 the stifling coin."""
    return _pair_bits(key, np.uint64(step) * np.uint64(4) + np.uint64(purpose), person)


@numba.njit(cache=True)
def _rumor_transition(graph, state, buffers, n_callers, step, key, params, extra, mods):
    """One rumour step from ``step`` to ``step + 1``, sequential within the step.

    ``buffers`` is ``(callers, next_frontier)``: ``callers[:n_callers]`` are the
    spreaders at the start of the step who have someone to call (in any order);
    ``next_frontier`` receives the people who become spreaders at ``step + 1``.
    ``params`` is ``(spread, stifle_threshold, forget_threshold, both)``: lambda, the
    integer forms of alpha and of the forgetting probability (see
    :func:`_threshold`), and ``both`` for Daley-Kendall; ``extra`` is
    ``(stifled_at, order)``, ``order`` a uint64 scratch array.

    The callers act one after another in increasing order of
    ``(order bits >> 21, person)`` (the top 32 of the order bits of
    ``(step + 1, person)``, ties by number). A caller who is no longer a spreader
    when their turn comes (stifled earlier in this step, Daley-Kendall) does not
    call. The contact is ``indices[indptr[u] + contact bits % out_degree]``; what
    earlier callers of the step did is visible: a person made a spreader earlier in
    the step counts as a spreader (but does not call until the next step).

    With modifiers (``mods``, see :func:`_receptivity`) a caller offline at
    ``step + 1`` does not call (and stays a spreader); a call to someone offline, or
    who cannot see a protected caller, reaches nobody; the spreading coin is
    compared with ``lambda * influence[caller] * receptivity[contact]`` (lambda of
    the tie's layer, on a network of several layers). Last,
    every spreader still able to call forgets the rumour (becomes a stifler at
    ``step + 1``) if their forgetting coin, the pair ``(step + 1, person)`` under
    the key salted for forgetting, falls below the forgetting probability.

    Returns ``(n_callers, n_next, new_heard)``: the surviving callers are compacted
    in place (in caller order).
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    callers, next_frontier = buffers
    spread, stifle_threshold, forget_threshold, both = params
    spread_threshold = _threshold(spread)
    stifled_at, order = extra
    next_step = np.int32(step + 1)
    ukey = np.uint64(key)
    modified = mods[0]
    low = np.uint64(0xFFFFFFFF)
    for i in range(n_callers):
        person = callers[i]
        bits = _rumor_bits(ukey, next_step, RUMOR_ORDER, person)
        order[i] = ((bits >> np.uint64(21)) << np.uint64(32)) | np.uint64(person)
    ranked = np.sort(order[:n_callers])
    n_next = 0
    new_heard = 0
    n_kept = 0
    for i in range(n_callers):
        caller = np.int32(ranked[i] & low)
        if stifled_at[caller] != NEVER:
            continue  # stifled by an earlier caller of this step
        if modified and not _online(mods, caller, next_step):
            callers[n_kept] = caller
            n_kept += 1
            continue
        start = indptr[caller]
        degree = np.uint64(indptr[caller + 1] - start)
        pick = _rumor_bits(ukey, next_step, RUMOR_CONTACT, caller) % degree
        edge = start + np.int64(pick)
        person = indices[edge]
        if modified and not (_online(mods, person, next_step) and _visible(mods, caller, person)):
            callers[n_kept] = caller
            n_kept += 1
            continue
        if shared_at[person] == NEVER:  # an ignorant
            if heard_at[person] == NEVER:
                heard_at[person] = next_step
                source[person] = caller
                new_heard += 1
            threshold = spread_threshold
            if modified:
                spread_tie = _layer_chance(mods, edge, spread, ukey)[0]
                chance = spread_tie * mods[1][caller] * _receptivity(mods, person, step)
                threshold = _threshold(min(1.0, chance))
            if _rumor_bits(ukey, next_step, RUMOR_SPREAD, caller) < threshold:
                shared_at[person] = next_step
                source[person] = caller
                next_frontier[n_next] = person
                n_next += 1
        elif _rumor_bits(ukey, next_step, RUMOR_STIFLE, caller) < stifle_threshold:
            stifled_at[caller] = next_step
            if both and stifled_at[person] == NEVER:
                stifled_at[person] = next_step
            continue
        callers[n_kept] = caller
        n_kept += 1
    if both or forget_threshold > 0:
        # Daley-Kendall: a caller may be stifled after their own call, when called
        forget_key = ukey ^ _FORGET_SALT
        n_survivors = 0
        for i in range(n_kept):
            caller = callers[i]
            if stifled_at[caller] != NEVER:
                continue
            forgets = _pair_bits(forget_key, next_step, caller) < forget_threshold
            if forget_threshold > 0 and forgets:
                stifled_at[caller] = next_step
                continue
            callers[n_survivors] = caller
            n_survivors += 1
        n_kept = n_survivors
    return n_kept, n_next, new_heard


@numba.njit(cache=True)
def _rumor_advance(graph, state, buffers, position, key, params, counts, extra, mods):
    """Run rumour steps from ``position = (step, n_frontier, n_spreaders)``.

    ``buffers`` is ``(frontier, spare)`` as in :func:`_ic_advance`. ``params`` is
    ``(spread, stifle_threshold, forget_threshold, both, seeds, seed_step,
    last_step)``; ``mods`` the modifiers;
    ``extra`` is ``(stifled_at, spreaders, order)``: ``spreaders[:n_spreaders]`` are
    the spreaders with someone to call, the only people a step visits, so a step
    costs O(spreaders log spreaders), never ``n_nodes``. Steps continue while
    someone became a spreader at the current step, a seeding is due or a spreader
    can call, up to ``last_step``.

    Returns ``(step, n_frontier, n_spreaders)``; the frontier is left in ``buffers[0]``.
    """
    indptr = graph[0]
    spread, stifle_threshold, forget_threshold, both, seeds, seed_step, last_step = params
    step, n_frontier, n_spreaders = position
    stifled_at, spreaders, order = extra
    frontier, spare = buffers
    first = True
    while step < last_step and (n_frontier > 0 or seed_step > step or n_spreaders > 0):
        n_spreaders, n_next, new_heard = _rumor_transition(
            graph,
            state,
            (spreaders, spare),
            n_spreaders,
            step,
            key,
            (spread, stifle_threshold, forget_threshold, both),
            (stifled_at, order),
            mods,
        )
        step += 1
        n_next = _close_step(state, seeds, seed_step, step, spare, n_next, new_heard, counts)
        for i in range(n_next):
            person = spare[i]
            if stifled_at[person] == NEVER and indptr[person + 1] > indptr[person]:
                spreaders[n_spreaders] = person
                n_spreaders += 1
        frontier, spare = spare, frontier
        first = not first
        n_frontier = n_next
    if not first:
        spare[:n_frontier] = frontier[:n_frontier]
    return step, n_frontier, n_spreaders


# ------------------------------------------------------------------ paid broadcast
_CONVERT_SALT = np.uint64(0x8CB92BA72F3D8DD7)


@numba.njit(inline="always")
def _ad_bits(shared_at, mods, key, step, person):
    """The ad coin of ``person`` at ``step``; the largest value (no impression) for
    someone sharing already or offline."""
    if shared_at[person] <= step or (mods[0] and not _online(mods, person, step)):
        return np.uint64(0xFFFFFFFFFFFFFFFF)
    return _pair_bits(key, step, person)


@numba.njit(cache=True)
def _broadcast(state, mods, key, step, chances, buffers, n_frontier, most):
    """Show an ad to everyone not sharing at ``step``; append converts to the frontier.

    ``chances`` is ``(reach, convert)`` in integer form (:func:`_threshold`): a person
    gets an impression when the coin of ``(step, person)`` under ``key`` falls below
    ``reach`` (offline people, with modifiers, get none), hears the message at
    ``step`` if they had not, and starts sharing at ``step`` when the coin under the
    salted key falls below ``convert``. At most ``most`` impressions are shown:
    beyond that, those with the lowest coins (a random subset). ``buffers`` is
    ``(frontier, scratch)``: the current sharers are ``frontier[:n_frontier]``;
    ``scratch`` (uint64, length ``n_nodes``) holds coins. Scans everyone: O(n_nodes).

    Returns ``(n_frontier, new_heard, new_shared, impressions)``.
    """
    heard_at, shared_at, source = state
    frontier, scratch = buffers
    reach, convert = chances
    ukey = np.uint64(key)
    convert_key = ukey ^ _CONVERT_SALT
    n_candidates = 0
    for person in range(shared_at.size):
        bits = _ad_bits(shared_at, mods, ukey, step, person)
        if bits < reach:
            scratch[n_candidates] = bits
            n_candidates += 1
    cutoff = reach
    if n_candidates > most:
        cutoff = np.sort(scratch[:n_candidates])[most]
    new_heard = 0
    new_shared = 0
    impressions = 0
    for person in range(shared_at.size):
        if _ad_bits(shared_at, mods, ukey, step, person) >= cutoff:
            continue
        impressions += 1
        if heard_at[person] == NEVER:
            heard_at[person] = step
            source[person] = NO_SOURCE
            new_heard += 1
        if _pair_bits(convert_key, step, person) < convert:
            shared_at[person] = step
            source[person] = NO_SOURCE
            frontier[n_frontier] = person
            n_frontier += 1
            new_shared += 1
    return n_frontier, new_heard, new_shared, impressions
