"""The Bass diffusion model on a network (Bass 1969): ads plus word of mouth.

Each step every person who has not adopted adopts with probability ``p_external +
q * (fraction of their in-neighbours who had adopted)``. The schema, the kernels and
the rule object live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from sim.jit import njit
from sim.rules.coins import pair_uniform
from sim.rules.common import (
    NEVER,
    TRANSITIONS,
    online,
    receptivity,
    tie_weight,
    visible,
    weight,
)
from sim.rules.registry import Rule, Slider, register
from sim.schema import Frozen, Probability


class Bass(Frozen):
    """Each step a person who has not adopted does so with probability
    ``p_external + q * (fraction of in-neighbours who have adopted)`` (Bass 1969)."""

    model: Literal["bass"]
    p_external: Probability
    q: Probability


class BassParams(NamedTuple):
    """The rates, the coin key, and per person: in-degree (int32; on a weighted network
    in-strength, the weight of one's ties in, float64), the weight of
    adopted in-neighbours (int64, units of 2**-32), the lowest-numbered adopted
    in-neighbour (int32, ``NEVER`` if none) and the list of people who may adopt
    (``pending[:n_waiting]``, compacted in place)."""

    p_external: float
    q: float
    key: np.uint64
    in_degree: np.ndarray
    n_neighbours_adopted: np.ndarray
    lowest_adopted_neighbour: np.ndarray
    pending: np.ndarray


@TRANSITIONS.register(BassParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The driver's step: :func:`bass_step`."""
    return bass_step(
        graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
    )


@njit(cache=True)
def bass_step(
    graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
):
    """One synchronous Bass step from ``step`` to ``step + 1``.

    ``frontier[:n_frontier]`` adopted at ``step``; ``params.pending[:n_waiting]`` are
    the people who have not adopted and may (everyone left while ``p_external > 0``;
    otherwise those with at least one adopted in-neighbour).

    First the frontier's word of mouth is counted; then each pending person adopts
    if the coin of the pair ``(step + 1, person)`` falls below
    ``p_external + q * n_neighbours_adopted / in_degree`` (probabilities above 1 act
    as 1). Adopting is hearing and sharing at once. The source is the
    lowest-numbered in-neighbour who had adopted by ``step`` when the coin fell in
    the word-of-mouth part (``coin >= p_external``), else ``-1`` (external).

    With modifiers: only adopters whose posts a person can see count, each with its
    influence as weight; a person offline at ``step + 1`` cannot adopt then; and the
    chance is ``p_external * r + q * fraction * r`` for receptivity ``r`` (the
    external part, ``p_external * r``, decides the source).

    Returns ``(n_next, new_heard, n_pending)``: adopting is hearing, so ``new_heard``
    is ``n_next``; ``pending`` is compacted in place.
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    p_external, q = params.p_external, params.q
    n_neighbours_adopted = params.n_neighbours_adopted
    lowest_adopted_neighbour = params.lowest_adopted_neighbour
    pending = params.pending
    word_of_mouth_only = p_external == 0.0
    modified = mods.on
    n_pending = n_waiting
    for i in range(n_frontier):
        adopter = frontier[i]
        adopter_weight = weight(mods, adopter)
        for edge in range(indptr[adopter], indptr[adopter + 1]):
            person = indices[edge]
            if shared_at[person] != NEVER:
                continue  # adopted already (nobody has adopted at step + 1 yet)
            if modified and not visible(mods, adopter, person):
                continue
            first = lowest_adopted_neighbour[person] == NEVER
            n_neighbours_adopted[person] += tie_weight(mods, adopter, edge, adopter_weight)
            if adopter < lowest_adopted_neighbour[person]:
                lowest_adopted_neighbour[person] = adopter
            if word_of_mouth_only and q > 0.0 and first:
                pending[n_pending] = person  # now has a chance; added exactly once
                n_pending += 1
    next_step = np.int32(step + 1)
    key = np.uint64(params.key)
    n_next = 0
    n_kept = 0
    for i in range(n_pending):
        person = pending[i]
        if shared_at[person] != NEVER:
            continue  # seeded since it was listed
        if modified and not online(mods, person, next_step):
            pending[n_kept] = person
            n_kept += 1
            continue
        degree = params.in_degree[person]
        weighted = n_neighbours_adopted[person] * 2.0**-32
        fraction = weighted / degree if degree > 0 else 0.0
        external = p_external
        word_of_mouth = q * fraction
        if modified:
            person_receptivity = receptivity(mods, person, step)
            external = external * person_receptivity
            word_of_mouth = word_of_mouth * person_receptivity
        probability = external + word_of_mouth
        coin = pair_uniform(key, next_step, person)
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
    return n_next, n_next, n_kept


@register
@dataclass(frozen=True)
class BassRule(Rule):
    """The Bass diffusion model on a network (Bass 1969).

    Each step every person who has not adopted adopts with probability
    ``p_external + q * (fraction of their in-neighbours who had adopted by step t)``
    (ads plus word of mouth; a person who listens to nobody has fraction 0; sums
    above 1 act as 1). Adopting is hearing and sharing at once: there is no
    "heard but did not adopt", so ``heard_at == shared_at``.

    The coin of person ``v`` for step ``t + 1`` is the counter-based pair coin
    ``(t + 1, v)`` of the message key (the first member of the pair is the step).
    ``source`` is ``-1`` when the coin fell below ``p_external`` (the external push
    alone would have done it) and otherwise the lowest-numbered in-neighbour who
    had adopted by step ``t``.

    Cost: while ``p_external > 0`` anyone may adopt at any step, so every step scans
    everyone who has not adopted (the list shrinks as they do). With
    ``p_external == 0`` only people with an adopted in-neighbour are scanned.

    Examples
    --------
    >>> BassRule(p_external=0.03, q=0.38).q
    0.38
    >>> BassRule(p_external=-0.1, q=0.38)
    Traceback (most recent call last):
    ...
    ValueError: p_external must lie in [0, 1], got -0.1
    """

    name = "bass"
    schema = Bass
    spreads_unseeded = True
    sliders = (
        Slider("p_external", "ads p_external", 0.0, 0.2, 0.005),
        Slider("q", "word of mouth q", 0.0, 1.0, 0.01),
    )

    p_external: float
    q: float

    def __post_init__(self) -> None:
        for name in ("p_external", "q"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    @classmethod
    def from_spec(cls, spec: Bass) -> BassRule:
        return cls(p_external=spec.p_external, q=spec.q)

    def prepare(self, model, track) -> BassParams:
        """The word-of-mouth counts and the pending list (everyone not yet adopted,
        while ads run)."""
        graph = model.graph
        n_nodes = graph.n_nodes
        pending = np.empty(n_nodes, dtype=np.int32)
        n_pending = 0
        if self.p_external > 0.0:
            waiting = np.flatnonzero(track.shared_at == NEVER)
            n_pending = waiting.size
            pending[:n_pending] = waiting
        track.n_waiting = n_pending
        return BassParams(
            float(self.p_external),
            float(self.q),
            np.uint64(track.key),
            graph.in_strength if graph.weighted else graph.in_degree.astype(np.int32),
            np.zeros(n_nodes, dtype=np.int64),
            np.full(n_nodes, NEVER, dtype=np.int32),
            pending,
        )
