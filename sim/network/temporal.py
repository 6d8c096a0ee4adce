"""Generators of networks that change: contacts drawn step by step.

The activity-driven model (Perra, Goncalves, Pastor-Satorras and Vespignani 2012,
Sci. Rep. 2:469): person ``i`` has an activity ``a_i``, the chance to be active in a
step. At each step ``t = 0 .. n_steps - 1`` every active person contacts ``m`` people
drawn uniformly at random among the others; a contact lasts that one step and
carries a message both ways (an undirected tie ``i - j`` at step ``t`` of a temporal
:class:`~sim.network.graph.Graph`, the same form as an edge list's timestamped
contacts). The ``m`` draws are independent: two draws of the same person in a step,
or two active people drawing each other, make one contact (an event of chance about
``m / n`` per active person, which the model's mean-field theory neglects too).

With memory (Karsai, Perra and Vespignani 2014, Sci. Rep. 4:4001), an active person
who has met ``k`` distinct people so far (as caller or as called) contacts someone
new with probability ``c / (k + c)``: a person drawn uniformly among those not met
yet; otherwise one of the ``k`` met, uniformly. Ties then accumulate as ``t ** (1 /
(1 + c))``-like laws rather than linearly.

Draw order, the contract the per-agent reference
(:func:`sim.reference.activity_driven_contacts`) follows draw for draw: step by
step, person by person, one ``random()`` for being active; then for each of the
``m`` contacts, with memory and ``0 < k < n - 1``, one ``random()`` for new or met
(met when ``random() * (k + c) >= c``); a met person is ``integers(0, k)``-th in the
order first met; a new one is ``integers(0, n - 1)``, moved past the caller, drawn
again while already met.

Memory is one entry per contact (and, with memory, per distinct pair met), never
``n_steps * n``.

Examples
--------
>>> import numpy as np
>>> g = activity_driven(np.full(100, 0.1), 2, 50, rng=np.random.default_rng(1))
>>> g.temporal, g.n_nodes, int(g.edge_step.max()) <= 49
(True, 100, True)
"""

from __future__ import annotations

import numba
import numpy as np

from sim.network.graph import Graph

NO_MEMORY = -1.0  # the ``c`` of memoryless contacts


def activity_driven(
    activity: np.ndarray,
    m: int,
    n_steps: int,
    *,
    memory: float | None = None,
    rng: np.random.Generator,
) -> Graph:
    """Contacts of the activity-driven model over ``n_steps`` steps (see the module).

    Parameters
    ----------
    activity : numpy.ndarray
        Each person's chance to be active in a step, in [0, 1].
    m : int
        Contacts an active person makes, ``1 <= m < n``.
    n_steps : int
        Steps ``0 .. n_steps - 1`` that have contacts.
    memory : float, optional
        Karsai et al.'s ``c`` (positive); ``None`` for memoryless contacts.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = activity_driven(np.full(50, 1.0), 1, 3, rng=np.random.default_rng(0))
    >>> g.n_edges <= 150, bool((g.degree >= 3).all())  # everyone calls once a step
    (True, True)
    """
    activity = np.asarray(activity, dtype=np.float64)
    n_people = activity.size
    if not 1 <= m < n_people:
        raise ValueError(f"m must be a whole number from 1 to n - 1 = {n_people - 1}, got {m}")
    if n_steps < 0:
        raise ValueError(f"n_steps must be at least 0, got {n_steps}")
    if memory is not None and not memory > 0:
        raise ValueError(f"memory's c must be positive, got {memory}")
    src, dst, steps = activity_contacts(activity, m, n_steps, memory, rng)
    return Graph.from_contacts(src, dst, steps, n_people)


def activity_contacts(
    activity: np.ndarray, m: int, n_steps: int, memory: float | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drawn contacts, in the order drawn: ``(caller, called, step)`` (int64)."""
    expected = float(np.asarray(activity).sum()) * m * max(n_steps, 0)
    capacity = int(expected * 1.2) + 64
    c = NO_MEMORY if memory is None else float(memory)
    return _contacts(np.asarray(activity, dtype=np.float64), int(m), int(n_steps), c,
                     capacity, rng)


@numba.njit(cache=True)
def _contacts(activity, m, n_steps, c, capacity, rng):
    n_people = activity.size
    remember = c > 0.0
    out = np.empty((capacity, 3), dtype=np.int64)
    n_out = 0
    # who each person has met, in the order first met: a linked list per person
    first = np.full(n_people, -1, dtype=np.int64)
    last = np.full(n_people, -1, dtype=np.int64)
    n_met = np.zeros(n_people, dtype=np.int64)
    met = np.empty(capacity if remember else 0, dtype=np.int64)
    after = np.empty(capacity if remember else 0, dtype=np.int64)
    n_links = 0
    for step in range(n_steps):
        for person in range(n_people):
            if rng.random() >= activity[person]:
                continue
            for _ in range(m):
                known = n_met[person]
                old = False
                if remember and known > 0:
                    old = known >= n_people - 1 or rng.random() * (known + c) >= c
                if old:
                    link = first[person]
                    for _ in range(rng.integers(0, known)):
                        link = after[link]
                    other = met[link]
                else:
                    while True:
                        other = rng.integers(0, n_people - 1)
                        if other >= person:
                            other += 1
                        if not remember or not _has_met(first, met, after, person, other):
                            break
                if n_out == out.shape[0]:
                    out = _grown(out)
                out[n_out, 0] = person
                out[n_out, 1] = other
                out[n_out, 2] = step
                n_out += 1
                if remember and not old:
                    if n_links + 2 > met.size:
                        met, after = _grown_list(met, n_links), _grown_list(after, n_links)
                    for one, two in ((person, other), (other, person)):
                        met[n_links] = two
                        after[n_links] = -1
                        if last[one] < 0:
                            first[one] = n_links
                        else:
                            after[last[one]] = n_links
                        last[one] = n_links
                        n_met[one] += 1
                        n_links += 1
    return out[:n_out, 0].copy(), out[:n_out, 1].copy(), out[:n_out, 2].copy()


@numba.njit(cache=True)
def _has_met(first, met, after, person, other):
    link = first[person]
    while link >= 0:
        if met[link] == other:
            return True
        link = after[link]
    return False


@numba.njit(cache=True)
def _grown(rows):
    out = np.empty((2 * rows.shape[0], rows.shape[1]), dtype=rows.dtype)
    for i in range(rows.shape[0]):  # a loop: slice assignment costs seconds to compile
        for j in range(rows.shape[1]):
            out[i, j] = rows[i, j]
    return out


@numba.njit(cache=True)
def _grown_list(values, used):
    out = np.empty(2 * values.size + 2, dtype=values.dtype)
    for i in range(used):
        out[i] = values[i]
    return out
