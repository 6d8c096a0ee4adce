"""Virality rules: validated parameters in, kernel calls out.

A rule object is made once per message and run; :meth:`advance` moves that
message's state forward through its numba kernel. Nothing here loops over people.

A rule may also define ``prepare(model, track)``, called once when the model makes
the message's :class:`~sim.model.MessageTrack`, to put per-person arrays (counts of
sharing neighbours, thresholds) in ``track.extras``; and ``can_change(track)``, for
when something may still happen although nobody started sharing at the current
step and no seeding is due (Bass's adoption from outside, rumour spreaders who
keep calling).

Every rule is synchronous within a step (DESIGN decision 2: what happens at step
``t + 1`` depends only on the state at ``t``) except the rumour rule, which is
sequential within a step by definition: its spreaders call one after another and
each sees what the earlier callers of the step did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import kernels
from sim.config import Bass, IndependentCascade, LinearThreshold, RuleSpec, Rumor


@dataclass(frozen=True)
class IndependentCascadeRule:
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

    p_share: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.p_share <= 1.0:
            raise ValueError(f"p_share must lie in [0, 1], got {self.p_share}")

    def advance(self, graph_arrays, track, until_step: int) -> None:
        """Advance ``track`` (a :class:`sim.model.MessageTrack`) up to ``until_step``."""
        params = (float(self.p_share), track.seeds, track.seed_step, until_step)
        track.step, track.n_frontier = kernels._ic_advance_with(
            graph_arrays,
            track.state,
            track.buffers,
            track.n_frontier,
            track.step,
            track.key,
            params,
            track.counts,
            track.mods,
        )

    def final_sizes(self, graph_arrays, seeds: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Final ``(heard, adopters)`` of one cascade per key, all seeded at step 0."""
        n_nodes = graph_arrays[0].size - 1
        status = np.zeros(n_nodes, dtype=np.uint8)
        buffers = (np.empty(n_nodes + 1, np.int32), np.empty(n_nodes + 1, np.int32))
        seeds = np.ascontiguousarray(seeds, dtype=np.int32)
        return kernels._ic_final_sizes(
            graph_arrays, status, buffers, seeds, np.asarray(keys, np.uint64), float(self.p_share)
        )


@dataclass(frozen=True)
class LinearThresholdRule:
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

    def thresholds(self, model) -> np.ndarray | None:
        """Each person's fractional threshold in ``model``, or ``None`` with ``count``."""
        n_nodes = model.graph.n_nodes
        if self.count is not None:
            return None
        if self.threshold_distribution == "uniform":
            return model.streams.population_rng().random(n_nodes)
        return np.full(n_nodes, float(self.threshold))

    def prepare(self, model, track) -> None:
        """Put ``thresholds``, ``needed`` and ``n_neighbours_shared`` in ``track.extras``."""
        thresholds = self.thresholds(model)
        n_nodes = model.graph.n_nodes
        if thresholds is None:
            needed = np.full(n_nodes, self.count, dtype=np.int32)
        else:
            # n >= x exactly when n >= ceil(x) for whole n: the same test as the reference's
            needed = np.maximum(1.0, np.ceil(thresholds * model.graph.in_degree)).astype(np.int32)
        track.extras.update(
            thresholds=thresholds,
            needed=needed,
            n_neighbours_shared=np.zeros(n_nodes, dtype=np.int64),
        )

    def advance(self, graph_arrays, track, until_step: int) -> None:
        """Advance ``track`` (a :class:`sim.model.MessageTrack`) up to ``until_step``."""
        extras = track.extras
        track.step, track.n_frontier = kernels._lt_advance(
            graph_arrays,
            track.state,
            track.buffers,
            track.n_frontier,
            track.step,
            (track.seeds, track.seed_step, until_step),
            track.counts,
            (extras["needed"], extras["n_neighbours_shared"]),
            track.mods,
        )


@dataclass(frozen=True)
class BassRule:
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

    p_external: float
    q: float

    def __post_init__(self) -> None:
        for name in ("p_external", "q"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    def prepare(self, model, track) -> None:
        """Put the word-of-mouth counts and the pending list in ``track.extras``."""
        graph = model.graph
        n_nodes = graph.n_nodes
        pending = np.empty(n_nodes, dtype=np.int32)
        n_pending = 0
        if self.p_external > 0.0:
            waiting = np.flatnonzero(track.shared_at == kernels.NEVER)
            n_pending = waiting.size
            pending[:n_pending] = waiting
        track.extras.update(
            in_degree=graph.in_degree.astype(np.int32),
            n_neighbours_adopted=np.zeros(n_nodes, dtype=np.int64),
            lowest_adopted_neighbour=np.full(n_nodes, kernels.NEVER, dtype=np.int32),
            pending=pending,
            n_pending=n_pending,
        )

    def can_change(self, track) -> bool:
        """Whether someone who has not adopted may still do so."""
        return track.extras["n_pending"] > 0

    def advance(self, graph_arrays, track, until_step: int) -> None:
        """Advance ``track`` (a :class:`sim.model.MessageTrack`) up to ``until_step``."""
        extras = track.extras
        params = (
            float(self.p_external),
            float(self.q),
            track.seeds,
            track.seed_step,
            until_step,
        )
        position = (track.step, track.n_frontier, extras["n_pending"])
        track.step, track.n_frontier, extras["n_pending"] = kernels._bass_advance(
            graph_arrays,
            track.state,
            track.buffers,
            position,
            track.key,
            params,
            track.counts,
            (
                extras["in_degree"],
                extras["n_neighbours_adopted"],
                extras["lowest_adopted_neighbour"],
                extras["pending"],
            ),
            track.mods,
        )


@dataclass(frozen=True)
class RumorRule:
    """The rumour models of Daley and Kendall (1965) and Maki and Thompson (1973).

    People are *ignorant* (``shared_at == NEVER``), *spreaders* at step ``t``
    (``shared_at <= t < stifled_at``) or *stiflers* (``stifled_at <= t``);
    ``track.extras["stifled_at"]`` is an int32 array, ``NEVER`` for people never
    stifled. Seeds start as spreaders. ``heard_at`` is the step someone was first
    called (or seeded), ``shared_at`` the step they became a spreader, ``source``
    the caller who made them a spreader (or, for someone who heard but stayed
    ignorant, who called them first).

    **Sequential within a step** (all other rules are synchronous, DESIGN
    decision 2). The step from ``t`` to ``t + 1``:

    1. *Who calls*: exactly the spreaders at the start of the step (``shared_at
       <= t`` and not stifled) who have at least one out-neighbour. People who
       become spreaders during the step do not call until the next step; a
       spreader stifled earlier in the step (Daley-Kendall) skips their turn; a
       spreader nobody can hear (out-degree 0) never calls but stays a spreader.
    2. *Order*: callers act one at a time in increasing order of
       ``(bits >> 21, person)``, where ``bits`` are the counter-based bits of
       ``(4 (t + 1) + 0, person)`` under the message key: a random order drawn
       from the run's randomness, independent of memory layout and executor.
    3. *Contact*: caller ``u`` calls out-neighbour number
       ``bits(4 (t + 1) + 1, u) % out_degree(u)`` in the network's (sorted)
       adjacency list: one uniformly random person their shares reach (the bias
       of the modulo is below ``out_degree / 2**53``).
    4. *Outcome*, against the state left by the earlier callers of the step: an
       ignorant hears (``heard_at = t + 1`` if first) and becomes a spreader at
       ``t + 1`` if the caller's spreading coin ``(4 (t + 1) + 2, u)`` falls below
       ``lambda``. A spreader or stifler (including one made spreader earlier in
       this step) stifles the caller at ``t + 1`` if the caller's stifling coin
       ``(4 (t + 1) + 3, u)`` falls below ``alpha``; with Daley-Kendall a
       spreader called is stifled too.

    Because new spreaders wait for the next step, the rumour still moves at most one
    hop per step, as DESIGN decision 2 requires of every rule.

    *Theory.* On a complete graph every call goes from a current spreader to a
    uniformly random other person, with fresh coins, and its effect on the counts
    (ignorants, spreaders, stiflers) depends on the counts alone, whoever calls and
    in whatever order; the run ends exactly when no spreader is left. So the counts
    call after call are the embedded jump chain of the continuous-time model (each
    spreader calling at rate 1), and the final size has the classic distribution:
    for Maki-Thompson the never-told fraction tends to the root of
    ``ln x + (1 + lambda / alpha)(1 - x) = 0`` (0.203 for lambda = alpha = 1;
    Maki and Thompson 1973, Sudbury 1985). Daley-Kendall here counts calls, so
    two spreaders meet at twice the rate of Daley and Kendall's pair meetings and
    the limit is the root of ``x - 1 - 2 x ln x = 0`` (0.285), not 0.203; see
    tests/test_rules_rumor.py for the derivations and measurements.

    The kernel keeps the list of spreaders who can call, so a step costs
    ``O(s log s)`` for ``s`` spreaders (the sort), never ``n_nodes``. Nothing can
    change once no spreader can call and no seeding is due.

    Examples
    --------
    >>> RumorRule(spread=1.0, alpha=0.5).variant
    'maki_thompson'
    >>> RumorRule(variant="gossip")
    Traceback (most recent call last):
    ...
    ValueError: variant must be maki_thompson or daley_kendall, got 'gossip'
    """

    variant: str = "maki_thompson"
    spread: float = 1.0
    alpha: float = 1.0

    def __post_init__(self) -> None:
        if self.variant not in ("maki_thompson", "daley_kendall"):
            raise ValueError(
                f"variant must be maki_thompson or daley_kendall, got {self.variant!r}"
            )
        for name, value in (("lambda", self.spread), ("alpha", self.alpha)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    def prepare(self, model, track) -> None:
        """Put ``stifled_at``, the callable spreaders and a sort scratch in ``track.extras``."""
        n_nodes = model.graph.n_nodes
        spreaders = np.empty(n_nodes, dtype=np.int32)
        can_call = np.flatnonzero((track.shared_at != kernels.NEVER) & (model.graph.degree > 0))
        spreaders[: can_call.size] = can_call
        track.extras.update(
            stifled_at=np.full(n_nodes, kernels.NEVER, dtype=np.int32),
            spreaders=spreaders,
            n_spreaders=int(can_call.size),
            order=np.empty(n_nodes, dtype=np.uint64),
        )

    def can_change(self, track) -> bool:
        """Whether a spreader can still call."""
        return track.extras["n_spreaders"] > 0

    def sharing(self, track, adopters: np.ndarray, until_step: int) -> np.ndarray:
        """Spreaders at each step ``0 .. until_step``: people who became spreaders by
        then (``adopters``, cumulative) minus those stifled by then (every stifler was
        a spreader first)."""
        stifled_at = track.extras["stifled_at"]
        stifled = np.bincount(stifled_at[stifled_at <= until_step], minlength=until_step + 1)
        return adopters - np.cumsum(stifled[: until_step + 1])

    def started(self, model, track, people: np.ndarray) -> None:
        """People made spreaders between steps (by an actor) who can call join the callers."""
        extras = track.extras
        callers = people[(model.graph.degree[people] > 0) & (
            extras["stifled_at"][people] == kernels.NEVER)]
        n_spreaders = extras["n_spreaders"]
        extras["spreaders"][n_spreaders : n_spreaders + callers.size] = callers
        extras["n_spreaders"] = n_spreaders + callers.size

    def advance(self, graph_arrays, track, until_step: int) -> None:
        """Advance ``track`` (a :class:`sim.model.MessageTrack`) up to ``until_step``."""
        extras = track.extras
        params = (
            float(self.spread),
            kernels._threshold(float(self.alpha)),
            kernels._threshold(float(track.message.modifiers.forgetting)),
            self.variant == "daley_kendall",
            track.seeds,
            track.seed_step,
            until_step,
        )
        position = (track.step, track.n_frontier, extras["n_spreaders"])
        track.step, track.n_frontier, extras["n_spreaders"] = kernels._rumor_advance(
            graph_arrays,
            track.state,
            track.buffers,
            position,
            track.key,
            params,
            track.counts,
            (extras["stifled_at"], extras["spreaders"], extras["order"]),
            track.mods,
        )


def make_rule(spec: RuleSpec):
    """The rule object for a scenario's rule section.

    Examples
    --------
    >>> from sim.config import Bass
    >>> make_rule(Bass(model="bass", p_external=0.03, q=0.38))
    BassRule(p_external=0.03, q=0.38)
    """
    if isinstance(spec, IndependentCascade):
        return IndependentCascadeRule(p_share=spec.p)
    if isinstance(spec, LinearThreshold):
        return LinearThresholdRule(
            threshold=spec.threshold,
            count=spec.count,
            threshold_distribution=spec.threshold_distribution,
        )
    if isinstance(spec, Bass):
        return BassRule(p_external=spec.p_external, q=spec.q)
    if isinstance(spec, Rumor):
        return RumorRule(variant=spec.variant, spread=spec.spread, alpha=spec.alpha)
    raise TypeError(f"no rule implements {type(spec).__name__}")
