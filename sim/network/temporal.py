"""Networks that change during a run: contacts drawn step by step (the activity-driven
model) and ties that turn over on a static network (:func:`with_turnover`). Both
give a temporal :class:`~sim.network.graph.Graph` drawn for the whole run at once.

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


def with_turnover(graph: Graph, rate: float, n_steps: int, *, rng: np.random.Generator) -> Graph:
    """``graph`` with ties that form and dissolve: at each step ``t = 1 .. n_steps - 1``
    each tie is rewired with probability ``rate`` (people who unfollow someone and
    follow someone else).

    A rewired tie ``u - v`` ends at ``t``: one of its ends, each with probability 1/2,
    keeps it and the other end moves to a person drawn uniformly among those the kept
    end is not tied to (an arc keeps its direction: ``u -> w`` or ``w -> v``); the new
    tie is there from ``t`` on. A person tied to everyone already keeps the tie as it
    is. The number of ties stays that of ``graph`` at every step, and the result is a
    temporal graph whose entries are ties that last (``Graph.edge_until``): one per
    tie of ``graph`` plus one per change, never one per step.

    Draw order (the contract of the reference,
    :func:`sim.reference.turnover_ties`): the ties in the order of ``graph.edges()``;
    at each step the rewired ones are found by skipping a geometric number of ties,
    ``floor(log(1 - random()) / log(1 - rate))`` (none when ``rate`` is 0, every tie
    when 1); a rewired tie draws ``random() < 0.5`` (the first end keeps it) and then
    ``integers(0, n - 1)``, moved past the kept end, until the person drawn is not
    tied to it.

    Examples
    --------
    >>> from sim.network.generators import ring_lattice
    >>> g = with_turnover(ring_lattice(20, 2), 0.5, 10, rng=np.random.default_rng(0))
    >>> g.temporal, int(((g.edge_step <= 9) & (9 < g.edge_until)).sum()) // 2
    (True, 20)
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    src, dst = graph.edges()
    ties = _turnover(src.astype(np.int64), dst.astype(np.int64), graph.n_nodes,
                     graph.directed, float(rate), max(int(n_steps), 1), rng)
    return Graph.from_contacts(*ties[:3], graph.n_nodes, directed=graph.directed,
                               node_ids=graph.node_ids, until=ties[3])


@numba.njit(cache=True)
def _pair(u, v, n_people, directed):
    if directed or u < v:
        return u * n_people + v
    return v * n_people + u


@numba.njit(cache=True)
def _turnover(src, dst, n_people, directed, rate, n_steps, rng):
    n_ties = src.size
    tail, head = src.copy(), dst.copy()
    start = np.zeros(n_ties, dtype=np.int64)
    present = dict()
    out_degree = np.zeros(n_people, dtype=np.int64)
    in_degree = np.zeros(n_people, dtype=np.int64)
    for i in range(n_ties):
        present[_pair(tail[i], head[i], n_people, directed)] = True
        out_degree[tail[i]] += 1
        in_degree[head[i]] += 1
    if not directed:
        out_degree += in_degree
        in_degree = out_degree
    ended = np.empty((16, 4), dtype=np.int64)
    n_ended = 0
    skip = np.log(1.0 - rate) if rate < 1.0 else 0.0
    for step in range(1, n_steps if rate > 0.0 else 1):
        tie = -1
        while True:
            if rate < 1.0:
                tie += 1 + int(np.floor(np.log(1.0 - rng.random()) / skip))
            else:
                tie += 1
            if tie >= n_ties:
                break
            u, v = tail[tie], head[tie]
            keep_tail = rng.random() < 0.5
            kept = u if keep_tail else v
            if (out_degree[kept] if keep_tail else in_degree[kept]) >= n_people - 1:
                continue  # tied to everyone: nobody to move to
            while True:
                other = rng.integers(0, n_people - 1)
                if other >= kept:
                    other += 1
                new_tail, new_head = (kept, other) if keep_tail else (other, kept)
                if _pair(new_tail, new_head, n_people, directed) not in present:
                    break
            if n_ended == ended.shape[0]:
                ended = _grown(ended)
            ended[n_ended, 0] = u
            ended[n_ended, 1] = v
            ended[n_ended, 2] = start[tie]
            ended[n_ended, 3] = step
            n_ended += 1
            del present[_pair(u, v, n_people, directed)]
            present[_pair(new_tail, new_head, n_people, directed)] = True
            moved = v if keep_tail else u
            if keep_tail:
                in_degree[moved] -= 1
                in_degree[other] += 1
            else:
                out_degree[moved] -= 1
                out_degree[other] += 1
            tail[tie], head[tie], start[tie] = new_tail, new_head, step
    total = n_ended + n_ties
    out = np.empty((4, total), dtype=np.int64)
    for i in range(n_ended):
        for j in range(4):
            out[j, i] = ended[i, j]
    for i in range(n_ties):
        out[0, n_ended + i] = tail[i]
        out[1, n_ended + i] = head[i]
        out[2, n_ended + i] = start[i]
        out[3, n_ended + i] = n_steps
    return out[0], out[1], out[2], out[3]
