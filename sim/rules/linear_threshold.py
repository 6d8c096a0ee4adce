"""Linear threshold (Watts 2002) and complex contagion (Centola and Macy 2007).

A person starts sharing once the fraction (``threshold``) or the number (``count``)
of the people they listen to who have shared reaches their threshold; with
``threshold_distribution: uniform`` each person's fraction is drawn from U(0, 1)
(Kempe, Kleinberg and Tardos 2003). The schema, the kernels and the rule object live
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from pydantic import model_validator

from sim.jit import njit
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
from sim.schema import Frozen, KeyedError, PositiveInt, Probability


class LinearThreshold(Frozen):
    """A person starts sharing once enough of the people they see have shared
    (Watts 2002; Centola and Macy 2007 for ``count``; Kempe et al. 2003 for drawn thresholds).

    Give exactly one of ``threshold`` (a fraction of in-neighbours) or ``count`` (a
    number of them); with ``threshold_distribution: uniform`` give neither: each
    person's fractional threshold is drawn from U(0, 1).
    """

    model: Literal["linear_threshold"]
    threshold: Probability | None = None
    count: PositiveInt | None = None
    threshold_distribution: Literal["fixed", "uniform"] = "fixed"

    @model_validator(mode="after")
    def _one_threshold(self):
        if self.threshold_distribution == "uniform":
            if self.threshold is not None or self.count is not None:
                raise KeyedError(
                    "threshold_distribution",
                    "uniform",
                    "no threshold or count with uniform (each person's threshold is drawn)",
                )
        elif (self.threshold is None) == (self.count is None):
            raise KeyedError("", None, "exactly one of threshold (a fraction) or count")
        return self


class ThresholdParams(NamedTuple):
    """Per person: how many sharing in-neighbours they need (int32; on a weighted
    network the weight of ties they need, float64), the weight of those they have
    seen (int64, units of 2**-32), and their fractional threshold (float64; empty
    with ``count``)."""

    needed: np.ndarray
    n_neighbours_shared: np.ndarray
    thresholds: np.ndarray


@njit(inline="always")
def enough(weighted, needed, mods, person, step):
    """Whether a weighted count (units of 2**-32) reaches what ``person`` needs; with
    modifiers the count is first scaled by their receptivity."""
    if not mods.on:
        return weighted >= (np.int64(needed) << np.int64(32))
    return weighted * 2.0**-32 * receptivity(mods, person, step) >= needed


@TRANSITIONS.register(ThresholdParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The driver's step: :func:`threshold_step`."""
    return threshold_step(
        graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
    )


@njit(cache=True)
def threshold_step(
    graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods
):
    """One synchronous linear-threshold step from ``step`` to ``step + 1``.

    Everyone in ``frontier[:n_frontier]`` started sharing at ``step``. Each sharer
    adds its weight (1, or with modifiers its influence) to
    ``params.n_neighbours_shared`` of every out-neighbour who is not sharing yet; a
    person whose count (times their receptivity, with modifiers) reaches
    ``params.needed`` starts sharing at ``step + 1``. With modifiers, a person offline
    at ``step + 1`` or who cannot see the sharer (protected account) misses that
    share: it neither counts nor makes them hear. Only the frontier's edges are
    visited, so a step costs the out-degree of its new sharers, never ``n_nodes``.

    Everyone a sharer reaches hears at ``step + 1`` if they had not heard before.
    Sources are order-independent: the lowest-numbered in-neighbour who started
    sharing at ``step`` (for a new sharer, and for a person who first heard now).

    Returns ``(n_next, new_heard, n_waiting)`` (nobody waits: ``n_waiting`` stays 0).
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    needed, n_neighbours_shared = params.needed, params.n_neighbours_shared
    next_step = np.int32(step + 1)
    modified = mods.on
    n_next = 0
    new_heard = 0
    for i in range(n_frontier):
        sharer = frontier[i]
        sharer_weight = weight(mods, sharer)
        for edge in range(indptr[sharer], indptr[sharer + 1]):
            person = indices[edge]
            person_shared_at = shared_at[person]
            if person_shared_at <= step:
                continue  # already sharing: their count no longer matters
            if modified and not (
                online(mods, person, next_step) and visible(mods, sharer, person)
            ):
                continue
            n_neighbours_shared[person] += tie_weight(mods, sharer, edge, sharer_weight)
            person_heard_at = heard_at[person]
            if person_heard_at == NEVER:
                heard_at[person] = next_step
                source[person] = sharer
                new_heard += 1
            elif person_heard_at == next_step and sharer < source[person]:
                source[person] = sharer
            if person_shared_at == NEVER and enough(
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
                    and (not modified or visible(mods, sharer, person))
                ):
                    source[person] = sharer
    return n_next, new_heard, n_waiting


@register
@dataclass(frozen=True)
class LinearThresholdRule(Rule):
    """Linear threshold (Watts 2002) or complex contagion (Centola and Macy 2007).

    Synchronous: a person starts sharing at step ``t + 1`` once the number of their
    in-neighbours (the people whose shares reach them; in an undirected network,
    their neighbours) with ``shared_at <= t`` reaches what they need:

    - ``count``: that many sharing in-neighbours;
    - ``threshold`` (a fraction): ``n_shared >= threshold * in_degree``, i.e.
      ``ceil(threshold * in_degree)`` of them, computed in double precision;
    - ``threshold_distribution="uniform"``: as ``threshold``, with each person's own
      threshold drawn from U(0, 1) by the run's population stream (Kempe, Kleinberg
      and Tardos 2003). The draw is a property of the person: every uniform
      threshold message of a run sees the same thresholds.

    Nobody starts without a sharing in-neighbour: a fractional threshold of 0, or a
    person who listens to nobody, needs one (spontaneous adoption is Bass's
    ``p_external``), so a step visits only the edges out of its new sharers.

    Whoever a sharer's share reaches has *heard*, at the step after the sharer
    started. ``source`` is the lowest-numbered in-neighbour who started sharing at
    the step before the person started sharing (the last push), or, for someone
    who heard but never shared, at the step before they first heard.

    Examples
    --------
    >>> LinearThresholdRule(threshold=0.18).threshold
    0.18
    >>> LinearThresholdRule(count=2, threshold=0.5)
    Traceback (most recent call last):
    ...
    ValueError: give exactly one of threshold or count with fixed thresholds
    """

    name = "linear_threshold"
    schema = LinearThreshold

    threshold: float | None = None
    count: int | None = None
    threshold_distribution: str = "fixed"

    def __post_init__(self) -> None:
        if self.threshold_distribution not in ("fixed", "uniform"):
            distribution = self.threshold_distribution
            raise ValueError(
                f"threshold_distribution must be fixed or uniform, got {distribution!r}"
            )
        if self.threshold_distribution == "uniform":
            if self.threshold is not None or self.count is not None:
                raise ValueError("uniform thresholds are drawn: give no threshold or count")
        elif (self.threshold is None) == (self.count is None):
            raise ValueError("give exactly one of threshold or count with fixed thresholds")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {self.threshold}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1, got {self.count}")

    @classmethod
    def from_spec(cls, spec: LinearThreshold) -> LinearThresholdRule:
        return cls(
            threshold=spec.threshold,
            count=spec.count,
            threshold_distribution=spec.threshold_distribution,
        )

    @classmethod
    def page_sliders(cls, spec: LinearThreshold) -> tuple[Slider, ...]:
        if spec.threshold is not None:
            return (Slider("threshold", "threshold (fraction of friends)", 0.0, 1.0, 0.01),)
        if spec.count is not None:
            top = max(10, int(spec.count) * 2)
            return (Slider("count", "threshold (number of friends)", 1, top, 1),)
        return ()

    def thresholds(self, model) -> np.ndarray | None:
        """Each person's fractional threshold in ``model``, or ``None`` with ``count``."""
        n_nodes = model.graph.n_nodes
        if self.count is not None:
            return None
        if self.threshold_distribution == "uniform":
            return model.streams.population_rng().random(n_nodes)
        return np.full(n_nodes, float(self.threshold))

    def prepare(self, model, track) -> ThresholdParams:
        thresholds = self.thresholds(model)
        n_nodes = model.graph.n_nodes
        weighted = model.graph.weighted
        if thresholds is None:  # on a weighted network, that much weight of ties
            needed = np.full(n_nodes, self.count, dtype=np.float64 if weighted else np.int32)
            thresholds = np.empty(0)
        elif weighted:
            # a share of the weight of one's ties in (Kempe et al. 2003), and some of it
            needed = np.maximum(2.0**-32, thresholds * model.graph.in_strength)
        else:
            # n >= x exactly when n >= ceil(x) for whole n: the same test as the reference's
            needed = np.maximum(1.0, np.ceil(thresholds * model.graph.in_degree)).astype(np.int32)
        return ThresholdParams(needed, np.zeros(n_nodes, dtype=np.int64), thresholds)
