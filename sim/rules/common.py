"""What every rule's kernels share: the state layout, the modifiers and the step's end.

No Mesa, networkx or pandas here, and no rule: each rule's file (``sim/rules/*.py``)
holds its own transition and advance kernels and calls these helpers. Callers
validate parameters; kernels trust their inputs.

State layout
------------
Each message has a :class:`State` of three int32 arrays of length ``n_nodes``:
``heard_at`` (step first exposed), ``shared_at`` (step started sharing) and
``source`` (who told them, ``-1`` for seeds and the unreached). ``NEVER`` marks
"not yet". The hot test of every visited edge reads ``shared_at`` alone; the other
two are touched only when a person is reached. (Packing the three into one
``(n, 3)`` array was measured 25% slower: the hot loop then strides 12 bytes.)

The named structures below are what the kernels take; numba compiles named tuples,
so a kernel reads ``mods.influence`` rather than a position described in prose.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.jit import TypeDispatch, njit
from sim.rules.coins import hits

NEVER = np.int32(np.iinfo(np.int32).max)
NO_SOURCE = np.int32(-1)

INOCULATION, REINFORCEMENT, COMPETITION = 0, 1, 2


class GraphArrays(NamedTuple):
    """The network in CSR form: the people ``v`` whose feed ``u`` reaches are
    ``indices[indptr[u]:indptr[u + 1]]`` (sorted)."""

    indptr: np.ndarray
    indices: np.ndarray


class State(NamedTuple):
    """One message's state per person (int32, ``NEVER`` for not yet)."""

    heard_at: np.ndarray
    shared_at: np.ndarray
    source: np.ndarray


class Buffers(NamedTuple):
    """Two int32 arrays of length ``n_nodes``: the people who started sharing at the
    current step (``frontier[:n_frontier]``) and room for the next step's."""

    frontier: np.ndarray
    spare: np.ndarray


class MessageArrays(NamedTuple):
    """What a rule's advance kernel updates: the state, the frontier buffers, and
    ``counts[t] = (new_heard, new_sharers)`` (int64, one row per step)."""

    state: State
    buffers: Buffers
    counts: np.ndarray


class Position(NamedTuple):
    """Where a message stands: its last step, how many people started sharing then,
    and how many more may still act although nobody started (a rule's own count:
    Bass's pending people, rumour spreaders who can call; 0 for the others)."""

    step: int
    n_frontier: int
    n_waiting: int


class Schedule(NamedTuple):
    """The seeds, the step they start at (``-1``: none) and the last step to run."""

    seeds: np.ndarray
    seed_step: int
    last_step: int


class Links(NamedTuple):
    """The interactions aimed at a message, one entry per interaction: the other
    message's row in ``heard_all``/``shared_all``, its ``kind`` (``INOCULATION``,
    ``REINFORCEMENT`` or ``COMPETITION``), its ``factor``, and ``ahead`` (1 when a
    competitor moves first within a step)."""

    heard_all: np.ndarray
    shared_all: np.ndarray
    message: np.ndarray
    kind: np.ndarray
    factor: np.ndarray
    ahead: np.ndarray


class Layers(NamedTuple):
    """On a network of several layers: each tie's layer, the rule's parameter per layer
    and a coin key per layer (empty arrays on a one-layer network)."""

    edge_layer: np.ndarray
    parameter: np.ndarray
    key: np.ndarray


class Modifiers(NamedTuple):
    """A message's modifiers. ``on`` is false when all are neutral: the kernels then take
    the plain path and draw no extra coin. Per person: ``influence``,
    ``susceptibility``, ``activity`` (chance to be online at a step), ``visibility``
    (share of friends a protected account reaches); ``keys`` the run's activity and
    visibility coin keys; ``step_factor[t]`` the message's novelty decay times its
    negativity bias (and a brand's promotions) at step ``t``; ``tie_weight`` the weight
    of each tie (an entry per ``graph.indices``; empty on an unweighted network);
    ``edge_step`` the step of each contact on a temporal network (int32, empty
    otherwise); ``edge_until``, for ties that last (a network with turnover), the step
    each tie ends: tie ``e`` is there at steps ``edge_step[e] <= t < edge_until[e]``
    (int32; empty when each contact lasts its one step)."""

    on: bool
    influence: np.ndarray
    susceptibility: np.ndarray
    activity: np.ndarray
    visibility: np.ndarray
    keys: np.ndarray
    step_factor: np.ndarray
    links: Links
    layers: Layers
    tie_weight: np.ndarray
    edge_step: np.ndarray
    edge_until: np.ndarray


@njit(inline="always")
def in_contact(edge_step, edge_until, edge, step):
    """Whether tie ``edge`` of a temporal network is there at ``step``: a contact at its
    one step, a lasting tie (``edge_until`` not empty) from its first step to the one
    before it ends. Kernels read the two arrays out of ``mods`` once per step (reading
    them per edge slowed the cascade by half)."""
    if edge_until.size == 0:
        return edge_step[edge] == step
    return edge_step[edge] <= step and step < edge_until[edge]


def no_layers() -> Layers:
    """The :class:`Layers` of a one-layer network."""
    return Layers(np.empty(0, np.int8), np.empty(0), np.empty(0, np.uint64))


@njit(inline="always")
def online(mods, person, step):
    """Whether ``person`` is online at ``step``: the coin of the pair ``(step, person)``
    under the run's activity key falls below their activity (shared by all messages)."""
    return hits(mods.keys[0], step, person, mods.activity[person])


@njit(inline="always")
def visible(mods, sharer, person):
    """Whether ``sharer``'s shares reach ``person``: always for a public account; for a
    protected one, the pair's coin under the run's visibility key falls below the
    sharer's visibility (fixed for the run: the same followers see every share)."""
    return hits(mods.keys[1], sharer, person, mods.visibility[sharer])


@njit(inline="always")
def receptivity(mods, person, step):
    """How open ``person`` is to the message in the step from ``step`` to ``step + 1``.

    Their susceptibility times ``step_factor[step]``; then, for each of
    ``mods.links`` in order: having heard (inoculation) or adopted (reinforcement)
    the other message by ``step`` multiplies by ``factor``; having adopted a
    competitor by ``step + ahead`` makes it 0.
    """
    factor = mods.susceptibility[person] * mods.step_factor[step]
    links = mods.links
    for i in range(links.message.size):
        other = links.message[i]
        if links.kind[i] == INOCULATION:
            if links.heard_all[other, person] <= step:
                factor *= links.factor[i]
        elif links.kind[i] == REINFORCEMENT:
            if links.shared_all[other, person] <= step:
                factor *= links.factor[i]
        elif links.shared_all[other, person] <= step + links.ahead[i]:
            return 0.0
    return factor


@njit(inline="always")
def weight(mods, sharer):
    """A sharer's weight in a count (threshold, word of mouth) in units of 2**-32:
    1 without modifiers, else their influence, rounded so that sums are exact
    integers whatever the order of addition."""
    if not mods.on:
        return np.int64(1) << np.int64(32)
    return np.int64(mods.influence[sharer] * 4294967296.0 + 0.5)


@njit(inline="always")
def tie_weight(mods, sharer, edge, sharer_weight):
    """What ``sharer`` adds to a count over tie ``edge`` (threshold, word of mouth), in
    units of 2**-32: their :func:`weight`, or on a weighted network their influence
    times the tie's weight, rounded once."""
    if mods.tie_weight.size == 0:
        return sharer_weight
    return np.int64(mods.influence[sharer] * mods.tie_weight[edge] * 4294967296.0 + 0.5)


@njit(inline="always")
def contacts_chance(mods, edge, chance):
    """The chance over tie ``edge`` of a rule whose ``chance`` is per contact: a tie of
    weight ``w`` is ``w`` contacts, ``1 - (1 - chance) ** w`` (the chance itself on an
    unweighted network or a tie of weight 1)."""
    if mods.tie_weight.size == 0:
        return chance
    contacts = mods.tie_weight[edge]
    if contacts == 1.0:
        return chance
    return 1.0 - (1.0 - chance) ** contacts


@njit(inline="always")
def layer_chance(mods, edge, parameter, key):
    """A tie's rule parameter and coin key: the message's own, or on a network of
    several layers the tie's layer's (each layer has its own key, so that a tie on
    two layers gets two independent coins)."""
    layers = mods.layers
    if layers.edge_layer.size == 0:
        return parameter, key
    layer = layers.edge_layer[edge]
    return layers.parameter[layer], key ^ layers.key[layer]


@njit(cache=True)
def seed_now(state, seeds, step, frontier, n_frontier):
    """Make ``seeds`` start sharing at ``step``; append the new sharers to ``frontier``.

    Returns ``(n_frontier, new_heard, new_shared)``. People already sharing stay as
    they are (a seed cannot start twice).
    """
    new_heard = 0
    new_shared = 0
    for node in seeds:
        if state.shared_at[node] != NEVER:
            continue
        if state.heard_at[node] == NEVER:
            state.heard_at[node] = step
            new_heard += 1
        state.shared_at[node] = step
        state.source[node] = NO_SOURCE
        frontier[n_frontier] = node
        n_frontier += 1
        new_shared += 1
    return n_frontier, new_heard, new_shared


@njit(inline="always")
def close_step(state, schedule, step, spare, n_next, new_heard, counts):
    """End a step of any rule: start the seeds due at ``step`` (appended to the
    ``n_next`` new sharers in ``spare``) and record the step's counts.

    Returns the number of people who start sharing at ``step``.
    """
    new_shared = n_next
    if step == schedule.seed_step:
        n_next, seeded_heard, seeded_shared = seed_now(
            state, schedule.seeds, step, spare, n_next
        )
        new_heard += seeded_heard
        new_shared += seeded_shared
    counts[step, 0] = new_heard
    counts[step, 1] = new_shared
    return n_next


@njit(inline="always")
def keep_going(step, n_frontier, n_waiting, schedule):
    """Whether the driver takes another step: before the last step, while someone
    started sharing, a seeding is due or the rule has people waiting to act."""
    return step < schedule.last_step and (
        n_frontier > 0 or schedule.seed_step > step or n_waiting > 0
    )


# ------------------------------------------------------------------ the step driver
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """A rule's step from ``step`` to ``step + 1``, chosen by the class of ``params``.

    ``frontier[:n_frontier]`` started sharing at ``step``; the people who start at
    ``step + 1`` go to ``next_frontier``. Returns ``(n_next, new_heard, n_waiting)``.
    Each rule registers its own with ``@TRANSITIONS.register(ItsParams)``; numba
    compiles the driver with the one that fits. The built-in rules register a thin
    function that calls their step, a cached njit function of its own: compiled once,
    not again inside each driver (the rumour with modifiers ran 7-10% slower when its
    step was compiled inside the driver, within 5% this way; benchmarks/bench_rules.py
    --against).
    """
    return TRANSITIONS.implementation(params)(
        graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
    )


def after_step(graph, params, started, n_started, n_waiting):
    """What a rule does once the step's sharers (``started[:n_started]``, seeds
    included) are known; returns the new ``n_waiting``. By default, nothing (the
    rumour adds its new spreaders to its callers)."""
    return AFTER_STEP.implementation(params)(graph, params, started, n_started, n_waiting)


def _nothing_after_step(graph, params, started, n_started, n_waiting):
    return n_waiting


TRANSITIONS = TypeDispatch(transition, "params")
AFTER_STEP = TypeDispatch(after_step, "params", default=_nothing_after_step)


@njit(cache=True)
def advance(graph, arrays, position, schedule, params, mods):
    """Run a rule's steps while anything can change, up to ``schedule.last_step``.

    The one driver of every built-in rule: each step is the rule's
    :func:`transition` (chosen by the class of ``params``), then :func:`close_step`
    (the seeds due, the counts) and :func:`after_step`; the buffers swap. The
    frontier is left in ``arrays.buffers.frontier``. Returns the new
    ``(step, n_frontier, n_waiting)``. (A driver taking the transition as an argument would compile
    as fast, but numba never caches a function that takes another as an argument.)
    """
    state, buffers, counts = arrays
    frontier, spare = buffers
    step, n_frontier, n_waiting = position
    swapped = False
    while keep_going(step, n_frontier, n_waiting, schedule):
        n_next, new_heard, n_waiting = transition(
            graph, state, frontier, n_frontier, spare, step, params, n_waiting, mods
        )
        step += 1
        n_next = close_step(state, schedule, step, spare, n_next, new_heard, counts)
        n_waiting = after_step(graph, params, spare, n_next, n_waiting)
        frontier, spare = spare, frontier
        swapped = not swapped
        n_frontier = n_next
    if swapped:
        for i in range(n_frontier):  # a loop: slice assignment costs seconds to compile
            buffers.frontier[i] = frontier[i]
    # a plain tuple, not a Position: boxing a named tuple calls Python code, where a
    # pending Ctrl-C raises, and numba's boxing then crashes the process (measured:
    # 2 of 3 interrupted batches died of SIGSEGV)
    return step, n_frontier, n_waiting


# The driver for rules from other packages: the same code, compiled in each process and
# never cached. numba keeps one cache index per function, listing every signature it
# compiled; an index naming a plug-in's params class cannot be read by a process that
# lacks the plug-in, and numba then fails instead of recompiling.
advance_uncached = njit(advance.py_func)
