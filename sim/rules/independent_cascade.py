"""Independent cascade: each new sharer gets one chance per neighbour to make them share.

Someone who starts sharing at step t exposes all their neighbours at t + 1; each
(sharer, neighbour) pair gets exactly one chance, with probability ``p``, to make the
neighbour share. With ``p`` alone this is bond percolation. The schema, the advance
kernel, the batch kernel for many cascades and the rule object live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from sim.jit import njit
from sim.rules.coins import chance_bits, pair_bits
from sim.rules.common import (
    NEVER,
    TRANSITIONS,
    contacts_chance,
    in_contact,
    layer_chance,
    online,
    receptivity,
    visible,
)
from sim.rules.registry import Rule, Slider, register
from sim.schema import Frozen, Probability


class LayerP(Frozen):
    """An independent cascade's ``p`` on one layer."""

    p: Probability


class IndependentCascade(Frozen):
    """Each new sharer gets one chance, with probability ``p``, to make each neighbour share.

    On a network of several layers, ``layers`` may give a layer its own ``p``
    (``{twitter: {p: 0.02}}``); the others use ``p``.
    """

    model: Literal["independent_cascade"]
    p: Probability
    layers: dict[str, LayerP] = {}


class CascadeParams(NamedTuple):
    """What the advance kernel needs besides the state: the sharing probability and
    the message's coin key."""

    p_share: float
    key: np.uint64


@njit(inline="always")
def convinces(key, sharer, person, edge, step, p_share, threshold, mods):
    """Whether ``sharer`` convinces ``person`` over tie ``edge``: the pair coin against
    ``p_share``, or, with modifiers, against ``p * influence[sharer] * receptivity``
    with the tie's layer's ``p`` and key (on a weighted network ``p`` is first made
    the tie's, ``1 - (1 - p) ** weight``: :func:`~sim.rules.common.contacts_chance`)."""
    if not mods.on:
        return pair_bits(key, sharer, person) < threshold
    p_tie, tie_key = layer_chance(mods, edge, p_share, key)
    p_tie = contacts_chance(mods, edge, p_tie)
    probability = min(1.0, p_tie * mods.influence[sharer] * receptivity(mods, person, step))
    return pair_bits(tie_key, sharer, person) < chance_bits(probability)


@TRANSITIONS.register(CascadeParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The driver's step: :func:`cascade_step`."""
    return cascade_step(
        graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
    )


@njit(cache=True)
def cascade_step(
    graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
):
    """One synchronous independent-cascade step from ``step`` to ``step + 1``.

    Everyone in ``frontier[:n_frontier]`` started sharing at ``step``; each exposes
    every out-neighbour at ``step + 1`` and gets one coin per neighbour that makes it
    share with probability ``params.p_share``. Who told whom is order-independent: an
    adopter's source is the lowest-numbered sharer whose coin succeeded; a person who
    only heard keeps the lowest-numbered sharer who exposed them first.

    With modifiers a neighbour offline at ``step + 1``, or who cannot see the
    sharer's posts (protected account), misses the share altogether: they neither
    hear nor get a coin; so does one whose contact with the sharer (on a temporal
    network) is not at ``step``.

    Returns ``(n_next, new_heard, n_waiting)``; the new sharers are in
    ``next_frontier`` (nobody waits: ``n_waiting`` stays 0).
    """
    heard_at, shared_at, source = state
    next_step = np.int32(step + 1)
    key = np.uint64(params.key)
    p_share = params.p_share
    threshold = chance_bits(p_share)
    modified = mods.on
    contacts, until = mods.edge_step, mods.edge_until
    temporal = contacts.size > 0  # read once: reading it per edge slowed the loop by half
    n_next = 0
    new_heard = 0
    for i in range(n_frontier):
        sharer = frontier[i]
        for edge in range(graph.indptr[sharer], graph.indptr[sharer + 1]):
            person = graph.indices[edge]
            person_shared_at = shared_at[person]
            if person_shared_at <= step:
                continue  # already sharing: exposure changes nothing
            if modified and not (
                online(mods, person, next_step)
                and visible(mods, sharer, person)
                and (not temporal or in_contact(contacts, until, edge, step))
            ):
                continue
            if person_shared_at == next_step:
                # converted this step by someone else: only the source may change
                if sharer < source[person] and convinces(
                    key, sharer, person, edge, step, p_share, threshold, mods
                ):
                    source[person] = sharer
                continue
            person_heard_at = heard_at[person]
            if person_heard_at == NEVER:
                heard_at[person] = next_step
                source[person] = sharer
                new_heard += 1
            if convinces(key, sharer, person, edge, step, p_share, threshold, mods):
                shared_at[person] = next_step
                source[person] = sharer
                next_frontier[n_next] = person
                n_next += 1
            elif person_heard_at == next_step and sharer < source[person]:
                source[person] = sharer
    return n_next, new_heard, n_waiting


@njit(inline="always")
def enqueue_seeds(status, queue, seeds):
    """Mark ``seeds`` as sharing (status 2) and queue them, each once; returns how many."""
    tail = 0
    for node in seeds:
        if status[node] != 2:
            status[node] = 2
            queue[tail] = node
            tail += 1
    return tail


@njit(cache=True)
def final_sizes_kernel(graph, status, buffers, seeds, keys, p_share):
    """Whole cascades for many replications in one call, counting final sizes only.

    For replication-heavy batches and benchmarks: cascade ``r`` starts from
    ``seeds[r]`` at step 0 with coin key ``keys[r]``. ``status`` (uint8, all zero on
    entry and on return: 1 heard, 2 shared) is reset through the list of people
    touched, so each cascade costs work proportional to its size, never
    ``n_nodes``. ``buffers`` is ``(queue, touched)``, two int32 arrays of length
    ``n_nodes + 1`` (the branch-free loop writes one slot past each list's end).
    Final sizes equal those of :func:`sim.rules.common.advance` for the same key, because both make
    a person share exactly when a chain of successful coins leads to them from a
    seed. Returns ``sizes[r] = (heard, adopters)``.
    """
    indptr, indices = graph
    queue, touched = buffers
    threshold = chance_bits(p_share)
    sizes = np.zeros((keys.size, 2), dtype=np.int64)
    for replication in range(keys.size):
        key = np.uint64(keys[replication])
        tail = enqueue_seeds(status, queue, seeds[replication])
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
                convinced = (pair_bits(key, sharer, person) < threshold) & (person_status != 2)
                queue[tail] = person
                tail += convinced
                status[person] = max(person_status, 1 + convinced)
        sizes[replication, 0] = n_touched
        sizes[replication, 1] = tail
        for i in range(n_touched):
            status[touched[i]] = 0
    return sizes


@register
@dataclass(frozen=True)
class IndependentCascadeRule(Rule):
    """Independent cascade with sharing probability ``p_share`` (DESIGN: rule semantics).

    Examples
    --------
    >>> IndependentCascadeRule(p_share=0.1).p_share
    0.1
    >>> IndependentCascadeRule(p_share=1.5)
    Traceback (most recent call last):
    ...
    ValueError: p_share must lie in [0, 1], got 1.5
    """

    name = "independent_cascade"
    schema = IndependentCascade
    layer_parameter = "p"
    temporal = True
    sliders = (Slider("p", "sharing probability p", 0.0, 1.0, 0.01),)

    p_share: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.p_share <= 1.0:
            raise ValueError(f"p_share must lie in [0, 1], got {self.p_share}")

    @classmethod
    def from_spec(cls, spec: IndependentCascade) -> IndependentCascadeRule:
        return cls(p_share=spec.p)

    @classmethod
    def planning_probability(cls, spec: IndependentCascade) -> float:
        return spec.p

    def prepare(self, model, track) -> CascadeParams:
        return CascadeParams(float(self.p_share), np.uint64(track.key))

    def final_sizes(self, graph, seeds: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Final ``(heard, adopters)`` of one cascade per key, all seeded at step 0.

        ``graph`` is ``(indptr, indices)``; ``seeds[r]`` are cascade ``r``'s seeds.
        """
        n_nodes = graph[0].size - 1
        status = np.zeros(n_nodes, dtype=np.uint8)
        buffers = (np.empty(n_nodes + 1, np.int32), np.empty(n_nodes + 1, np.int32))
        seeds = np.ascontiguousarray(seeds, dtype=np.int32)
        return final_sizes_kernel(
            tuple(graph), status, buffers, seeds, np.asarray(keys, np.uint64),
            float(self.p_share),
        )
