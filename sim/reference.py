"""Slow per-agent references: each rule as a Mesa user would write it.

Every person has its own ``step()``; the model calls them in a random order
(``AgentSet.shuffle_do``), and each person acts for every message by that
message's rule: under independent cascade each sharer tells its neighbours one by
one; under linear threshold and Bass each person looks at the people they listen
to and decides for themselves. Steps are synchronous: a decision is written with
the next step's stamp ``t + 1``, which nobody reading the state at ``t`` (``<= t``)
counts, so the random order cannot matter. The coins come from
:func:`pair_uniform`, a pure-Python copy of the kernel's hash, so given the same
run the reference and the kernel must produce identical arrays.
The rumour rule is the exception: it is sequential within a step (see
:class:`~sim.rules.RumorRule`), so its spreaders do not act in the shuffled order
but one after another in the order the run's randomness gives them (see
:meth:`ReferenceModel.step`).
They are the test oracle and a readable statement of each rule; they are hundreds
to thousands of times slower than the kernels (see benchmarks/README.md).
"""

from __future__ import annotations

import numpy as np

from sim.agents import Person
from sim.kernels import NEVER, NO_SOURCE, RUMOR_CONTACT, RUMOR_ORDER, RUMOR_SPREAD, RUMOR_STIFLE
from sim.model import BuzzModel, MessageTrack
from sim.rules import BassRule, IndependentCascadeRule, LinearThresholdRule, RumorRule

_MASK = (1 << 64) - 1
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def pair_bits(key: int, sender: int, receiver: int) -> int:
    """The kernel's ``_pair_bits`` in plain Python: SplitMix64 at counter
    ``sender << 32 | receiver`` under ``key``, top 53 bits."""
    z = (int(key) + ((sender << 32) | receiver) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    z ^= z >> 31
    return z >> 11


def rumor_bits(key: int, step: int, purpose: int, person: int) -> int:
    """The kernel's ``_rumor_bits``: pair bits of ``(4 * step + purpose, person)``."""
    return pair_bits(key, 4 * step + purpose, person)


def pair_uniform(key: int, sender: int, receiver: int) -> float:
    """The coin of the pair ``(sender, receiver)`` under ``key``, in plain Python.

    Bit for bit the kernel's ``_pair_uniform``: SplitMix64 at counter
    ``sender << 32 | receiver``, top 53 bits scaled to [0, 1).

    Examples
    --------
    >>> 0.0 <= pair_uniform(12345, 1, 2) < 1.0
    True
    >>> pair_uniform(12345, 1, 2) == pair_uniform(12345, 1, 2) != pair_uniform(12345, 2, 1)
    True
    """
    return pair_bits(key, sender, receiver) * 2.0**-53


class SharingPerson(Person):
    """A person who, at each step, acts on every message by that message's rule."""

    def step(self) -> None:
        """Act on each message: tell (independent cascade) or weigh (threshold, Bass)."""
        for index, track in enumerate(self.model.tracks):
            if isinstance(track.rule, IndependentCascadeRule):
                self.tell_neighbours(index, track)
            elif isinstance(track.rule, LinearThresholdRule):
                self.weigh_neighbours(track)
            elif isinstance(track.rule, BassRule):
                self.consider_adopting(track)
            elif isinstance(track.rule, RumorRule):
                pass  # sequential: the model makes spreaders call in turn (spread_rumor)
            else:
                raise TypeError(f"no reference for {type(track.rule).__name__}")

    @property
    def listens_to(self) -> list[int]:
        """The people whose shares reach me (in-neighbours; neighbours if undirected)."""
        return self.model.graph.reversed().neighbors(self.node).tolist()

    def tell_neighbours(self, index: int, track: MessageTrack) -> None:
        """Independent cascade: if I started sharing now, give each neighbour a coin."""
        now = self.model.t
        if track.shared_at[self.node] != now:
            return
        p_share = track.rule.p_share
        for neighbour in self.neighbors:
            convinced = pair_uniform(track.key, self.node, neighbour.node) < p_share
            neighbour.hear(self, index, now + 1, convinced)

    def weigh_neighbours(self, track: MessageTrack) -> None:
        """Linear threshold: count who I listen to has shared; start if enough.

        Shares made at ``now`` reach me at ``now + 1``; so does my decision. Who
        told me: the lowest-numbered of the people who started sharing at ``now``.
        """
        heard_at, shared_at, source = track.state
        me, now, rule = self.node, self.model.t, track.rule
        if shared_at[me] <= now:
            return  # sharing already
        listened = self.listens_to
        sharers = [person for person in listened if shared_at[person] <= now]
        newest = [person for person in sharers if shared_at[person] == now]
        if not newest:
            return  # nothing new reaches me, so nothing changes
        if heard_at[me] == NEVER:
            heard_at[me] = now + 1
            source[me] = min(newest)
        if rule.count is not None:
            enough = len(sharers) >= rule.count
        else:
            my_threshold = track.extras["thresholds"][me]
            enough = len(sharers) >= max(1, my_threshold * len(listened))
        if enough:
            shared_at[me] = now + 1
            source[me] = min(newest)

    def consider_adopting(self, track: MessageTrack) -> None:
        """Bass: adopt with probability p_external + q * (fraction of adopters I listen to).

        My coin for step ``now + 1`` is the pair coin ``(now + 1, me)``.
        """
        heard_at, shared_at, source = track.state
        me, now, rule = self.node, self.model.t, track.rule
        if shared_at[me] <= now:
            return  # adopted already
        listened = self.listens_to
        adopted = [person for person in listened if shared_at[person] <= now]
        fraction = len(adopted) / len(listened) if listened else 0.0
        coin = pair_uniform(track.key, now + 1, me)
        if coin < rule.p_external + rule.q * fraction:
            heard_at[me] = shared_at[me] = now + 1
            word_of_mouth = coin >= rule.p_external and adopted
            source[me] = min(adopted) if word_of_mouth else NO_SOURCE

    def spread_rumor(self, track: MessageTrack) -> None:
        """Rumour: if I am still a spreader, call one random person my shares reach.

        Called by the model when my turn in the step's order comes; earlier callers'
        changes are visible. An ignorant I call hears, and becomes a spreader if my
        spreading coin falls below lambda; anyone else makes me a stifler if my
        stifling coin falls below alpha (and, Daley-Kendall, a spreader too).
        """
        heard_at, shared_at, source = track.state
        stifled_at = track.extras["stifled_at"]
        me, rule, later = self.node, track.rule, self.model.t + 1
        if stifled_at[me] != NEVER:
            return  # stifled earlier in this step
        reach = self.neighbors
        other = reach[rumor_bits(track.key, later, RUMOR_CONTACT, me) % len(reach)].node
        if shared_at[other] == NEVER:  # ignorant
            if heard_at[other] == NEVER:
                heard_at[other] = later
                source[other] = me
            if rumor_bits(track.key, later, RUMOR_SPREAD, me) * 2.0**-53 < rule.spread:
                shared_at[other] = later
                source[other] = me
        elif rumor_bits(track.key, later, RUMOR_STIFLE, me) * 2.0**-53 < rule.alpha:
            stifled_at[me] = later
            if rule.variant == "daley_kendall" and stifled_at[other] == NEVER:
                stifled_at[other] = later

    def hear(self, sender: Person, message: int, step: int, convinced: bool) -> None:
        """Be exposed by ``sender`` at ``step``; start sharing if ``convinced``.

        Who told me: the lowest-numbered sender who convinced me, or, if nobody
        did, the lowest-numbered sender of the step I first heard (so that the
        order in which people act does not matter).
        """
        heard_at, shared_at, source = self.model.tracks[message].state
        me = self.node
        if shared_at[me] < step:
            return
        if shared_at[me] == step:
            if convinced and sender.node < source[me]:
                source[me] = sender.node
            return
        if heard_at[me] == NEVER:
            heard_at[me] = step
            source[me] = sender.node
        if convinced:
            shared_at[me] = step
            source[me] = sender.node
        elif heard_at[me] == step and sender.node < source[me]:
            source[me] = sender.node


class ReferenceModel(BuzzModel):
    """:class:`BuzzModel` stepped person by person in Python, for tests and teaching.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3, "steps": 30,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
    ...                   "seeding": {"strategy": "random", "count": 3}}]})
    >>> fast, slow = BuzzModel(scenario), ReferenceModel(scenario)
    >>> fast.run(); slow.run()
    >>> all((a == b).all() for a, b in zip(fast.tracks[0].state, slow.tracks[0].state))
    True
    """

    person_class = SharingPerson

    def step(self) -> None:
        """Every person acts, in random order; then scheduled seeds start."""
        was_active = [track.can_change() for track in self.tracks]
        self.agents.shuffle_do("step")
        # The rumour is sequential: the spreaders at the start of the step who have
        # someone to call take turns in the order given by the run's randomness
        # (the kernel's order bits of (step + 1, person)), not Mesa's shuffle, so
        # that the reference and the kernel make the same calls.
        for track in self.tracks:
            if isinstance(track.rule, RumorRule):
                for caller in _rumor_callers(self, track):
                    self.people[caller].spread_rumor(track)
        self.t += 1
        for track, active in zip(self.tracks, was_active, strict=True):
            heard_at, shared_at, source = track.state
            if track.seed_step == self.t:
                for node in track.seeds:
                    if shared_at[node] == NEVER:
                        heard_at[node] = min(heard_at[node], self.t)
                        shared_at[node] = self.t
                        source[node] = NO_SOURCE
            track.counts[self.t] = (np.sum(heard_at == self.t), np.sum(shared_at == self.t))
            track.n_frontier = int(np.sum(shared_at == self.t))
            if isinstance(track.rule, BassRule):
                track.extras["n_pending"] = _bass_undecided(self, track)
            if isinstance(track.rule, RumorRule):
                track.extras["n_spreaders"] = len(_rumor_callers(self, track))
            if active:
                track.step = self.t
        self.running = self._can_change()

    def run(self) -> None:
        """Step until nothing can change or ``scenario.steps`` is reached."""
        while self.running:
            self.step()


def _bass_undecided(model: BuzzModel, track: MessageTrack) -> int:
    """People who have not adopted yet may: everyone left while ``p_external > 0``,
    else those with an adopter among the people they listen to (and ``q > 0``)."""
    shared_at = track.shared_at
    waiting = [person for person in model.people if shared_at[person.node] == NEVER]
    if track.rule.p_external > 0.0:
        return len(waiting)
    if track.rule.q == 0.0:
        return 0
    return sum(
        any(shared_at[other] <= model.t for other in person.listens_to) for person in waiting
    )


def _rumor_callers(model: BuzzModel, track: MessageTrack) -> list[int]:
    """The spreaders now (not stifled) with someone to call, in this step's calling
    order: by the top 32 of their order bits for step ``t + 1``, ties by number."""
    stifled_at, shared_at = track.extras["stifled_at"], track.shared_at
    later = model.t + 1
    callers = [
        person.node
        for person in model.people
        if shared_at[person.node] <= model.t
        and stifled_at[person.node] == NEVER
        and len(person.neighbor_nodes) > 0
    ]
    return sorted(callers, key=lambda me: (rumor_bits(track.key, later, RUMOR_ORDER, me) >> 21, me))
