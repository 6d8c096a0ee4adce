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
:class:`~sim.rules.rumor.RumorRule`), so its spreaders do not act in the shuffled order
but one after another in the order the run's randomness gives them (see
:meth:`ReferenceModel.step`).
They are the test oracle and a readable statement of each rule; they are hundreds
to thousands of times slower than the kernels (see benchmarks/README.md).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from sim.agents import Person
from sim.config import ActivityDriven
from sim.model import BuzzModel, MessageTrack
from sim.network.generators import build_network
from sim.network.graph import Graph
from sim.network.weights import draw_values
from sim.randomness import RunStreams

# the coin layouts (which coin is for what) of the rumour, opinions and SIR, and when
# opinions count as settled: shared with their kernels, as the hash is; nothing else
# of the kernels is used here
from sim.rules.bounded_confidence import SETTLED, STEP_SALT
from sim.rules.common import NEVER, NO_SOURCE
from sim.rules.opinion import FLIP_SALT, PICK_SALT
from sim.rules.rumor import FORGET_SALT, RUMOR_CONTACT, RUMOR_ORDER, RUMOR_SPREAD, RUMOR_STIFLE
from sim.rules.sir import CHANCE_SALT, STOP_SALT

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


def modified(model: BuzzModel, index: int) -> bool:
    """Whether message ``index`` has any modifier (people who differ, decay, bias,
    interactions, the brand's promotions): the model's own flag, which only selects
    the plain rule, with no extra coin, when every modifier is neutral."""
    return bool(model.tracks[index].mods.on)


def online(model: BuzzModel, person: int, step: int) -> bool:
    """Whether ``person`` is online at ``step``: the pair coin ``(step, person)`` under
    the run's activity key falls below their activity."""
    activity = model.population.activity[person]
    return activity >= 1.0 or pair_uniform(model.population.keys[0], step, person) < activity


def visible(model: BuzzModel, sharer: int, person: int) -> bool:
    """Whether ``sharer``'s shares reach ``person`` (protected accounts reach a fixed
    fraction of their neighbours: the pair coin under the visibility key)."""
    visibility = model.population.visibility[sharer]
    return visibility >= 1.0 or pair_uniform(model.population.keys[1], sharer, person) < visibility


def receptivity(model: BuzzModel, index: int, person: int, step: int) -> float:
    """How open ``person`` is to message ``index`` in the step from ``step``:
    susceptibility, times the message's decay, negativity bias and promotions, times
    each interaction's factor (in the scenario's order), or 0 once a competitor has won."""
    # the step factor (decay x bias x promotions) and susceptibility (changed by
    # community building) are the model's data, read as the kernel reads them
    track = model.tracks[index]
    factor = track.mods.susceptibility[person] * track.mods.step_factor[step]
    names = [m.name for m in model.scenario.messages]
    for interaction in model.scenario.interactions:
        source, target = names.index(interaction.source), names.index(interaction.target)
        if interaction.kind == "competition":
            if index not in (source, target):
                continue
            other = source if target == index else target
            moved_first = 1 if other < index else 0
            if model.tracks[other].shared_at[person] <= step + moved_first:
                return 0.0
        elif target == index:
            other_track = model.tracks[source]
            times = other_track.heard_at if interaction.kind == "inoculation" else (
                other_track.shared_at
            )
            if times[person] <= step:
                factor *= interaction.factor
    return factor


def tie_parameter(track: MessageTrack, tie: int, parameter: float) -> tuple[float, int]:
    """The rule parameter and coin key of tie number ``tie`` (an index into the
    network's ``indices``): the message's own, or its layer's on a several-layer
    network (per-layer values and keys are the model's data)."""
    edge_layer, layer_parameter, layer_key = track.mods.layers
    if edge_layer.size == 0:
        return parameter, int(track.key)
    layer = int(edge_layer[tie])
    return float(layer_parameter[layer]), int(track.key) ^ int(layer_key[layer])


def weight(model: BuzzModel, index: int, sharer: int, tie_weight: float = 1.0) -> int:
    """A sharer's weight in counts, in units of 2**-32: 1, or their influence; on a
    weighted network, their influence times the weight of the tie that carries it."""
    if not modified(model, index):
        return 1 << 32
    influence = model.population.influence[sharer]
    if model.graph.weighted:
        return int(influence * tie_weight * 4294967296.0 + 0.5)
    return int(influence * 4294967296.0 + 0.5)


def contact_at(model: BuzzModel, tie: int, step: int) -> bool:
    """Whether tie number ``tie`` is a contact at ``step`` (always, on a static network)."""
    graph = model.graph
    if not graph.temporal:
        return True
    if graph.edge_until is None:  # a contact, at its one step
        return int(graph.edge_step[tie]) == step
    return int(graph.edge_step[tie]) <= step < int(graph.edge_until[tie])  # a lasting tie


def per_tie(model: BuzzModel, tie: int, chance: float) -> float:
    """A chance per contact over tie number ``tie``: a tie of weight w is w contacts,
    each a chance, so ``1 - (1 - chance) ** w`` (the chance itself for weight 1)."""
    if not model.graph.weighted or model.graph.edge_weight[tie] == 1.0:
        return chance
    return 1.0 - (1.0 - chance) ** float(model.graph.edge_weight[tie])


def strength(ties: list[tuple[int, float]]) -> float:
    """The sum of the weights of ``ties``, added one by one in order (the number of
    ties when unweighted)."""
    total = 0.0
    for _, tie_weight in ties:
        total += tie_weight
    return total


def ties_in(model: BuzzModel, person: int) -> list[tuple[int, float]]:
    """The people whose shares reach ``person``, each with the weight of that tie (1
    on an unweighted network), in the order of ``person``'s row of the reversed graph."""
    reverse = model.graph.reversed()
    row = range(reverse.indptr[person], reverse.indptr[person + 1])
    if not model.graph.weighted:
        return [(int(reverse.indices[tie]), 1.0) for tie in row]
    return [(int(reverse.indices[tie]), float(reverse.edge_weight[tie])) for tie in row]


class SharingPerson(Person):
    """A person who, at each step, acts on every message by that message's rule."""

    def step(self) -> None:
        """Act on each message in turn (see :meth:`act`)."""
        for index in range(len(self.model.tracks)):
            self.act(index)

    # What a person does at their own step for a message of each rule, by the rule's
    # name: one method per rule. Rules that are sequential within a step are stepped
    # by the model instead (ReferenceModel.STEPPED_BY_MODEL).
    ACTIONS: ClassVar[dict[str, str]] = {
        "independent_cascade": "tell_neighbours",
        "linear_threshold": "weigh_neighbours",
        "bass": "consider_adopting",
        "sir": "keep_sharing",
        "sis": "keep_sharing",
    }

    def act(self, index: int) -> None:
        """Act on message ``index`` by its rule's method in :attr:`ACTIONS`: tell
        (independent cascade) or weigh (threshold, Bass)."""
        track = self.model.tracks[index]
        action = self.ACTIONS.get(track.rule.name)
        if action is None:
            raise TypeError(f"no per-agent reference for rule {track.rule.name!r}")
        getattr(self, action)(index, track)

    @property
    def listens_to(self) -> list[int]:
        """The people whose shares reach me (in-neighbours; neighbours if undirected)."""
        return self.model.graph.reversed().neighbors(self.node).tolist()

    def tell_neighbours(self, index: int, track: MessageTrack) -> None:
        """Independent cascade: if I started sharing now, give each neighbour a coin."""
        model, me, now = self.model, self.node, self.model.t
        if track.shared_at[me] != now:
            return
        with_modifiers = modified(model, index)
        graph = model.graph
        for tie in range(graph.indptr[me], graph.indptr[me + 1]):
            other = int(graph.indices[tie])
            chance, key = tie_parameter(track, tie, track.rule.p_share)
            if with_modifiers:
                if track.shared_at[other] <= now:
                    continue  # sharing already: nothing to miss
                if not contact_at(model, tie, now):
                    continue  # we are not in contact now (temporal network)
                if not (online(model, other, now + 1) and visible(model, me, other)):
                    continue  # offline, or cannot see my posts: misses the share
                influence = model.population.influence[me]
                chance = per_tie(model, tie, chance)
                chance = min(1.0, chance * influence * receptivity(model, index, other, now))
            convinced = pair_uniform(key, me, other) < chance
            model.people[other].hear(self, index, now + 1, convinced)

    def weigh_neighbours(self, index: int, track: MessageTrack) -> None:
        """Linear threshold: count who I listen to has shared; start if enough.

        Shares made at ``now`` reach me at ``now + 1``; so does my decision. Who
        told me: the lowest-numbered of the people who started sharing at ``now``.
        With modifiers I count only the shares I saw (I was online the step after
        they were made, and the sharer's posts reach me), each weighing the
        sharer's influence, and my receptivity scales the total.
        """
        heard_at, shared_at, source = track.state
        model, me, now, rule = self.model, self.node, self.model.t, track.rule
        if shared_at[me] <= now:
            return  # sharing already
        with_modifiers = modified(model, index)
        ties = ties_in(model, me)
        sharers = [(person, w) for person, w in ties if shared_at[person] <= now]
        if with_modifiers:
            sharers = [
                (person, w)
                for person, w in sharers
                if online(model, me, int(shared_at[person]) + 1) and visible(model, person, me)
            ]
        newest = [person for person, _ in sharers if shared_at[person] == now]
        if not newest:
            return  # nothing new reaches me, so nothing changes
        if heard_at[me] == NEVER:
            heard_at[me] = now + 1
            source[me] = min(newest)
        if rule.count is not None:
            needed = rule.count
        elif model.graph.weighted:  # a share of the weight of my ties in, and some of it
            needed = max(2.0**-32, track.work.thresholds[me] * strength(ties))
        else:
            needed = max(1, math.ceil(track.work.thresholds[me] * len(ties)))
        weighted = sum(weight(model, index, person, w) for person, w in sharers)
        if with_modifiers:
            enough = weighted * 2.0**-32 * receptivity(model, index, me, now) >= needed
        else:
            enough = weighted >= needed << 32
        if enough:
            shared_at[me] = now + 1
            source[me] = min(newest)

    def consider_adopting(self, index: int, track: MessageTrack) -> None:
        """Bass: adopt with probability p_external + q * (fraction of adopters I listen to).

        My coin for step ``now + 1`` is the pair coin ``(now + 1, me)``. With
        modifiers I cannot adopt while offline, I count only adopters whose posts
        reach me, each weighing their influence, and my receptivity scales both parts.
        """
        heard_at, shared_at, source = track.state
        model, me, now, rule = self.model, self.node, self.model.t, track.rule
        if shared_at[me] <= now:
            return  # adopted already
        with_modifiers = modified(model, index)
        if with_modifiers and not online(model, me, now + 1):
            return
        ties = ties_in(model, me)
        adopted = [(person, w) for person, w in ties if shared_at[person] <= now]
        if with_modifiers:
            adopted = [(person, w) for person, w in adopted if visible(model, person, me)]
        weighted = sum(weight(model, index, person, w) for person, w in adopted) * 2.0**-32
        fraction = weighted / strength(ties) if strength(ties) > 0 else 0.0
        adopted = [person for person, _ in adopted]
        external, word_of_mouth = rule.p_external, rule.q * fraction
        if with_modifiers:
            openness = receptivity(model, index, me, now)
            external, word_of_mouth = external * openness, word_of_mouth * openness
        coin = pair_uniform(track.key, now + 1, me)
        if coin < external + word_of_mouth:
            heard_at[me] = shared_at[me] = now + 1
            word_of_mouth = coin >= external and adopted
            source[me] = min(adopted) if word_of_mouth else NO_SOURCE

    def keep_sharing(self, index: int, track: MessageTrack) -> None:
        """SIR and SIS: while I share, every step I give each neighbour who can catch
        the message a chance beta; at the end of the step I may stop.

        Who can catch it: someone who never shared (they hear from me as from an
        independent-cascade sharer, :meth:`hear`) or, under SIS, someone who had
        stopped by now (they start again at ``now + 1``; their first times stay).
        My chance at step ``now`` is the pair coin under the key of my episode and
        ``now`` (:func:`lasting_key`). Then I stop at ``now + 1`` if my stopping coin
        falls below ``1 - (1 - gamma)(1 - forgetting)``.
        """
        shared_at = track.shared_at
        since, stopped_at = track.work.since, track.work.stopped_at
        model, me, now, rule = self.model, self.node, self.model.t, track.rule
        start = episode_start(track, me)
        if not start <= now < stopped_at[me]:
            return  # not sharing now
        with_modifiers = modified(model, index)
        salt = lasting_key(0, start, now, rule.resharing)
        graph = model.graph
        for tie in range(graph.indptr[me], graph.indptr[me + 1]):
            other = int(graph.indices[tie])
            chance, key = tie_parameter(track, tie, rule.beta)
            again = shared_at[other] <= now
            if again and not (rule.resharing and stopped_at[other] <= now):
                continue  # sharing now, or stopped for good
            if with_modifiers:
                if not contact_at(model, tie, now):
                    continue  # we are not in contact now (temporal network)
                if not (online(model, other, now + 1) and visible(model, me, other)):
                    continue
                influence = model.population.influence[me]
                chance = per_tie(model, tie, chance)
                chance = min(1.0, chance * influence * receptivity(model, index, other, now))
            convinced = pair_uniform(key ^ salt, me, other) < chance
            if not again:
                model.people[other].hear(self, index, now + 1, convinced)
            elif convinced:
                since[other], stopped_at[other] = now + 1, NEVER
        stop = 1.0 - (1.0 - rule.gamma) * (1.0 - track.message.modifiers.forgetting)
        if pair_uniform(int(track.key) ^ int(STOP_SALT), now + 1, me) < stop:
            stopped_at[me] = now + 1

    def choose_opinion(self, index: int, track: MessageTrack, chosen: dict[int, int]) -> None:
        """Voter, majority, q-voter: choose the opinion I hold at ``now + 1`` from the
        opinions at ``now`` (``track.work.holds``, 1 for the message's) of the people I
        draw among those I listen to; write it to ``chosen`` (the model applies every
        choice at once: the step is synchronous).

        The ``i``-th person I draw is at place ``bits % len(listens_to)``, ``bits``
        being my pair coin ``(now + 1, me)`` under :func:`opinion_pick_key`. Offline
        at ``now + 1``, or listening to nobody, I keep my opinion. Voter: I take my
        one draw's. Majority: my group is me and ``group_size - 1`` draws; I take
        its majority's, and keep mine on a tie. q-voter: ``q`` draws; unanimous, I
        take theirs; else I flip if my flip coin falls below ``epsilon``. The first
        time I hold the message's opinion I have heard and shared it, from the first
        person drawn who held it (nobody if I flipped on my own).
        """
        heard_at, shared_at, source = track.state
        model, me, rule, later = self.model, self.node, track.rule, self.model.t + 1
        holds = track.work.holds
        own = int(holds[me])
        new, teller = own, NO_SOURCE
        listen = self.listens_to
        if listen and (not modified(model, index) or online(model, me, later)):
            n_draws = {"voter": 1, "majority": getattr(rule, "group_size", 1) - 1,
                       "q_voter": getattr(rule, "q", 1)}[rule.name]
            draws = [
                listen[pair_bits(opinion_pick_key(int(track.key), i), later, me) % len(listen)]
                for i in range(n_draws)
            ]
            holding = [other for other in draws if holds[other] == 1]
            teller = holding[0] if holding else NO_SOURCE
            if rule.name == "voter":
                new = len(holding)
            elif rule.name == "majority":
                in_favour, against = len(holding) + own, n_draws + 1 - len(holding) - own
                new = 1 if in_favour > against else 0 if in_favour < against else own
            elif len(holding) in (0, n_draws):
                new = int(len(holding) == n_draws)
            elif pair_uniform(int(track.key) ^ int(FLIP_SALT), later, me) < rule.epsilon:
                new, teller = 1 - own, NO_SOURCE
        chosen[me] = new
        if new == 1 and shared_at[me] == NEVER:
            heard_at[me] = shared_at[me] = later
            source[me] = teller

    def confer(self, index: int, track: MessageTrack, chosen: dict[int, float]) -> None:
        """Bounded confidence: choose my opinion at ``now + 1`` from the opinions at
        ``now`` (``track.work.opinion``); write it to ``chosen``.

        Hegselmann-Krause: if online at ``now + 1``, the mean of mine and of those of
        the people I listen to within ``epsilon`` (``<=``) of mine, added in their
        order. Deffuant: my partner is the person at the other end of my tie (either
        way) with the highest matching coin (:meth:`best_tie`); if I am theirs too
        and our opinions differ by less than ``epsilon``, I move ``mu`` of the way to
        theirs. The first time my opinion exceeds 1/2 I hold the message's view, from
        my partner under Deffuant (nobody under Hegselmann-Krause).
        """
        heard_at, shared_at, source = track.state
        model, me, rule, later = self.model, self.node, track.rule, self.model.t + 1
        opinion = track.work.opinion
        own = float(opinion[me])
        new, teller = own, NO_SOURCE
        if rule.variant == "hegselmann_krause":
            if not modified(model, index) or online(model, me, later):
                total, count = own, 1
                for other in self.listens_to:
                    if abs(float(opinion[other]) - own) <= rule.epsilon:
                        total += float(opinion[other])
                        count += 1
                new = total / count
        else:
            partner = self.best_tie(index, track)
            if (partner is not None and model.people[partner].best_tie(index, track) == me
                    and abs(float(opinion[partner]) - own) < rule.epsilon):
                new = own + rule.mu * (float(opinion[partner]) - own)
                teller = partner
        chosen[me] = new
        if new > 0.5 and shared_at[me] == NEVER:
            heard_at[me] = shared_at[me] = later
            source[me] = teller

    def best_tie(self, index: int, track: MessageTrack) -> int | None:
        """Deffuant: the person at the other end of my tie (either way) with the
        highest matching coin at ``now + 1`` (the pair coin of the two, lower number
        first, under the step's key), the lowest-numbered on equal coins; both of us
        online. ``None`` if I have nobody."""
        model, me, later = self.model, self.node, self.model.t + 1
        with_modifiers = modified(model, index)
        if with_modifiers and not online(model, me, later):
            return None
        step_key = int(track.key) ^ pair_bits(int(STEP_SALT), later, 0)
        best, chosen = -1, None
        for other in undirected_neighbours(model, me):
            if with_modifiers and not online(model, other, later):
                continue
            coin = pair_bits(step_key, min(me, other), max(me, other))
            if coin > best:
                best, chosen = coin, other
        return chosen

    def spread_rumor(self, index: int, track: MessageTrack) -> None:
        """Rumour: if I am still a spreader, call one random person my shares reach.

        Called by the model when my turn in the step's order comes; earlier callers'
        changes are visible. An ignorant I call hears, and becomes a spreader if my
        spreading coin falls below lambda; anyone else makes me a stifler if my
        stifling coin falls below alpha (and, Daley-Kendall, a spreader too).
        """
        heard_at, shared_at, source = track.state
        stifled_at = track.work.stifled_at
        model, me, rule, later = self.model, self.node, track.rule, self.model.t + 1
        if stifled_at[me] != NEVER:
            return  # stifled earlier in this step
        with_modifiers = modified(model, index)
        if with_modifiers and not online(model, me, later):
            return  # offline: no call this step
        reach = self.neighbors
        pick = called_tie(model, me, rumor_bits(track.key, later, RUMOR_CONTACT, me))
        other = reach[pick].node
        spread = tie_parameter(track, int(model.graph.indptr[me]) + pick, rule.spread)[0]
        if with_modifiers and not (online(model, other, later) and visible(model, me, other)):
            return  # the call reaches nobody
        if shared_at[other] == NEVER:  # ignorant
            if heard_at[other] == NEVER:
                heard_at[other] = later
                source[other] = me
            chance = rule.spread
            if with_modifiers:
                openness = receptivity(model, index, other, later - 1)
                chance = min(1.0, spread * model.population.influence[me] * openness)
            if rumor_bits(track.key, later, RUMOR_SPREAD, me) * 2.0**-53 < chance:
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

    def __init__(self, scenario, *, replication: int = 0, rng: int | None = None,
                 graph=None, **options) -> None:
        network = scenario.network
        if graph is None and (isinstance(network, ActivityDriven) or network.turnover):
            # contacts drawn person by person, ties rewired tie by tie, here too (from
            # the same stream as the kernels')
            root_seed = scenario.seed if rng is None else int(rng)
            stream = RunStreams(root_seed, network.graph_replication(replication)).network_rng()
            graph = (activity_driven_graph(network, scenario.steps, stream)
                     if isinstance(network, ActivityDriven)
                     else turnover_graph(network, scenario.steps, stream))
        # (message, person) pairs whose hearing has moved the person's opinion; set
        # before the model's own start, whose step-0 update uses it
        self.moved_by: set[tuple[int, int]] = set()
        super().__init__(scenario, replication=replication, rng=rng, graph=graph, **options)

    # rules sequential within a step: the model steps their message (one method each)
    STEPPED_BY_MODEL: ClassVar[dict[str, str]] = {
        "rumor": "step_rumor", "voter": "step_opinion", "majority": "step_opinion",
        "q_voter": "step_opinion", "bounded_confidence": "step_confidence",
    }

    def step(self) -> None:
        """Message by message, every person acts in random order; then seeds start.

        Messages act in the scenario's order, so that a competitor listed earlier
        has written its adoptions of this step when a later one acts.
        """
        for actor in self.actors:
            actor.step()
        was_active = [track.can_change() for track in self.tracks]
        people = self.agents_by_type[SharingPerson]
        for index, track in enumerate(self.tracks):
            stepper = self.STEPPED_BY_MODEL.get(track.rule.name)
            if stepper is None:
                people.shuffle_do("act", index)
            else:
                getattr(self, stepper)(index, track)
        self.t += 1
        for index, (track, active) in enumerate(zip(self.tracks, was_active, strict=True)):
            heard_at, shared_at, source = track.state
            if track.seed_step == self.t:
                for node in track.seeds:
                    if shared_at[node] == NEVER:
                        heard_at[node] = min(heard_at[node], self.t)
                        shared_at[node] = self.t
                        source[node] = NO_SOURCE
            track.counts[self.t] = (np.sum(heard_at == self.t), np.sum(shared_at == self.t))
            # opinion rules move opinions, not shares: they have no frontier
            track.n_frontier = 0 if track.rule.opinion else int(np.sum(shared_at == self.t))
            waiting = WAITING.get(track.rule.name)
            if waiting is not None:
                track.n_waiting = waiting(self, index, track)
            if active:
                track.step = self.t
        if self.scenario.coupled:
            self.hear_opinions()
        self.running = self._can_change()

    def _move_opinions(self) -> None:
        """The model's own update, by hand (:meth:`hear_opinions`), from step 0 on."""
        self.hear_opinions()

    def hear_opinions(self) -> None:
        """Opinions moved by what people heard, person by person: each message in the
        scenario's order moves everyone who has heard it and was not moved by it yet
        (by its rule, its seeding or an actor's action: each moves once, at the first
        update after they heard) a share ``opinion_shift`` of the way to 1 (positive)
        or 0 (negative, the share times the negativity bias, at most 1); then each
        message with ``share_by_opinion`` sets everyone's receptivity to their
        susceptibility times its factor at their opinion; the mean opinion (added in
        the order of people) is recorded, and a settled bounded-confidence message that
        the shifts unsettled starts again."""
        opinion, now, people = self.opinion, self.t, range(self.graph.n_nodes)
        moved = self.moved_by
        for index, track in enumerate(self.tracks):
            message = track.message
            if not message.opinion_shift:
                continue
            for person in people:
                if track.heard_at[person] == NEVER or (index, person) in moved:
                    continue
                moved.add((index, person))
                own = float(opinion[person])
                if message.valence == "positive":
                    opinion[person] = own + message.opinion_shift * (1.0 - own)
                else:
                    shift = min(1.0, message.opinion_shift * message.modifiers.negativity_bias)
                    opinion[person] = own - shift * own
        for index, track in enumerate(self.tracks):
            curve = track.message.share_by_opinion
            if curve is not None:
                for person in people:
                    factor = curve.against + (curve.in_favour - curve.against) * opinion[person]
                    track.mods.susceptibility[person] = (
                        self.population.susceptibility[person] * factor)
            if track.rule.name == "bounded_confidence":
                track.n_waiting = _confidence_moving(self, index, track)
                if track.n_waiting and track.step < now:
                    track.step = now
        total = 0.0
        for person in people:
            total += float(opinion[person])
        self.opinion_curve[now] = total / self.graph.n_nodes

    def step_rumor(self, index: int, track: MessageTrack) -> None:
        """The rumour is sequential: the spreaders at the start of the step who have
        someone to call take turns in the order given by the run's randomness (the
        kernel's order bits of (step + 1, person)), not Mesa's shuffle, so that the
        reference and the kernel make the same calls; then spreaders may forget."""
        callers = _rumor_callers(self, track)
        for caller in callers:
            self.people[caller].spread_rumor(index, track)
        forgetting = track.message.modifiers.forgetting
        stifled_at = track.work.stifled_at
        forget_key = int(track.key) ^ int(FORGET_SALT)
        for caller in callers:
            if (
                forgetting > 0.0
                and stifled_at[caller] == NEVER
                and pair_uniform(forget_key, self.t + 1, caller) < forgetting
            ):
                stifled_at[caller] = self.t + 1

    def step_opinion(self, index: int, track: MessageTrack) -> None:
        """Opinion rules: unless everyone agrees already, every person chooses their
        next opinion in random order (:meth:`SharingPerson.choose_opinion`), then all
        hold their choice at once."""
        holders, n_nodes = track.work.holders, self.graph.n_nodes
        if not 0 < holders[self.t] < n_nodes:
            return  # consensus: nothing can move
        chosen: dict[int, int] = {}
        self.agents_by_type[SharingPerson].shuffle_do("choose_opinion", index, track, chosen)
        for person, opinion in chosen.items():
            track.work.holds[person] = opinion
        holders[self.t + 1] = sum(chosen.values())

    def step_confidence(self, index: int, track: MessageTrack) -> None:
        """Bounded confidence: while opinions move, every person chooses their next
        opinion in random order (:meth:`SharingPerson.confer`), then all hold their
        choice at once; record the holders (above 1/2) and the mean opinion (added in
        the order of people)."""
        if not track.n_waiting:
            return  # settled
        chosen: dict[int, float] = {}
        self.agents_by_type[SharingPerson].shuffle_do("confer", index, track, chosen)
        work, total = track.work, 0.0
        for person in range(self.graph.n_nodes):
            work.opinion[person] = chosen[person]
            total += chosen[person]
        work.holders[self.t + 1] = sum(value > 0.5 for value in chosen.values())
        work.mean_opinion[self.t + 1] = total / self.graph.n_nodes

    def run(self) -> None:
        """Step until nothing can change or ``scenario.steps`` is reached."""
        while self.running:
            self.step()


def lasting_key(key: int, start: int, step: int, resharing: bool) -> int:
    """The coin key of a sharer's chance at ``step`` in an episode begun at ``start``
    (SIR, SIS): the message key for a SIR sharer's first chance, else the key salted
    with the pair bits of (episode, attempt) under ``CHANCE_SALT``, the episode being
    ``start + 1`` under SIS and 0 under SIR."""
    attempt = step - start
    if not resharing and attempt == 0:
        return key
    return key ^ pair_bits(int(CHANCE_SALT), start + 1 if resharing else 0, attempt)


def undirected_neighbours(model: BuzzModel, person: int) -> list[int]:
    """The people at the other end of ``person``'s ties, either way, in order."""
    graph = model.graph
    return sorted(set(graph.neighbors(person).tolist())
                  | set(graph.reversed().neighbors(person).tolist()))


def _confidence_moving(model: BuzzModel, index: int, track: MessageTrack) -> int:
    """Bounded confidence: 1 while some tie joins two people whose opinions are more
    than ``SETTLED`` apart but close enough to meet (``< epsilon``, Deffuant; ``<=``,
    Hegselmann-Krause), else 0."""
    opinion, rule = track.work.opinion, track.rule
    for person in range(model.graph.n_nodes):
        for other in undirected_neighbours(model, person):
            gap = abs(float(opinion[other]) - float(opinion[person]))
            meets = gap <= rule.epsilon if rule.variant == "hegselmann_krause" else (
                gap < rule.epsilon)
            if gap > SETTLED and meets:
                return 1
    return 0


def opinion_pick_key(key: int, i: int) -> int:
    """The coin key of the ``i``-th person drawn under an opinion rule: the message key
    for the first, else the key salted with the pair bits of ``(i, 0)`` under
    ``PICK_SALT``."""
    return key if i == 0 else key ^ pair_bits(int(PICK_SALT), i, 0)


def episode_start(track: MessageTrack, person: int) -> int:
    """When ``person``'s latest sharing episode began: their re-sharing start (SIS),
    else when they first shared (``NEVER`` if they never did)."""
    since = int(track.work.since[person])
    return since if since != NEVER else int(track.shared_at[person])


def _lasting_sharers(model: BuzzModel, index: int, track: MessageTrack) -> int:
    """SIR, SIS: people sharing now; records the step's restarts and stops in
    ``track.work.episodes`` (from which the rule counts who shares at each step)."""
    now, stopped_at = model.t, track.work.stopped_at
    track.work.episodes[now] = (np.sum(track.work.since == now), np.sum(stopped_at == now))
    return sum(
        episode_start(track, person) <= now < stopped_at[person]
        for person in range(model.graph.n_nodes)
    )


def _bass_undecided(model: BuzzModel, index: int, track: MessageTrack) -> int:
    """People who have not adopted yet may: everyone left while ``p_external > 0``,
    else those with an adopter among the people they listen to whose posts reach
    them (and ``q > 0``)."""
    shared_at = track.shared_at
    waiting = [person for person in model.people if shared_at[person.node] == NEVER]
    if track.rule.p_external > 0.0:
        return len(waiting)
    if track.rule.q == 0.0:
        return 0
    with_modifiers = modified(model, index)
    return sum(
        any(
            shared_at[other] <= model.t
            and (not with_modifiers or visible(model, other, person.node))
            for other in person.listens_to
        )
        for person in waiting
    )


def called_tie(model: BuzzModel, caller: int, bits: int) -> int:
    """Which of ``caller``'s ties (its place in their row) a call goes over, from 53
    random ``bits``: ``bits % out-degree``; on a weighted network, the first tie whose
    running sum of weights passes ``bits * 2**-53`` times their total (the last tie of
    positive weight if none does)."""
    graph = model.graph
    start, end = int(graph.indptr[caller]), int(graph.indptr[caller + 1])
    if not graph.weighted:
        return bits % (end - start)
    weights = [float(w) for w in graph.edge_weight[start:end]]
    total = 0.0
    for tie_weight in weights:
        total += tie_weight
    target = bits * 2.0**-53 * total
    running, last = 0.0, 0
    for place, tie_weight in enumerate(weights):
        running += tie_weight
        if tie_weight > 0.0:
            last = place
            if running > target:
                return place
    return last


def can_call(model: BuzzModel, person: int) -> bool:
    """Whether ``person`` has someone to call: a tie out (of positive weight)."""
    graph = model.graph
    row = slice(graph.indptr[person], graph.indptr[person + 1])
    if not graph.weighted:
        return row.stop > row.start
    return bool((graph.edge_weight[row] > 0.0).any())


def _rumor_callers(model: BuzzModel, track: MessageTrack) -> list[int]:
    """The spreaders now (not stifled) with someone to call, in this step's calling
    order: by the top 32 of their order bits for step ``t + 1``, ties by number."""
    stifled_at, shared_at = track.work.stifled_at, track.shared_at
    later = model.t + 1
    callers = [
        person.node
        for person in model.people
        if shared_at[person.node] <= model.t
        and stifled_at[person.node] == NEVER
        and can_call(model, person.node)
    ]
    return sorted(callers, key=lambda me: (rumor_bits(track.key, later, RUMOR_ORDER, me) >> 21, me))


def _rumor_waiting(model: BuzzModel, track: MessageTrack) -> int:
    """The callers, or none when no call can change anything any more: nobody is
    stifled or forgets (alpha 0, no forgetting) and every caller's neighbours all
    spread already (the kernel's :func:`sim.rules.rumor.callers_idle`)."""
    callers = _rumor_callers(model, track)
    rule = track.rule
    if rule.alpha == 0.0 and track.message.modifiers.forgetting == 0.0:
        graph, shared_at = model.graph, track.shared_at
        if all(shared_at[graph.indices[edge]] != NEVER for caller in callers
               for edge in range(graph.indptr[caller], graph.indptr[caller + 1])):
            return 0
    return len(callers)


# How many people may still act although nobody started sharing (the track's
# ``n_waiting``), for rules that have such people, by rule name.
WAITING = {
    "bass": _bass_undecided,
    "rumor": lambda model, index, track: _rumor_waiting(model, track),
    "sir": _lasting_sharers,
    "sis": _lasting_sharers,
    **dict.fromkeys(
        ("voter", "majority", "q_voter"),
        lambda model, index, track: int(0 < track.work.holders[model.t] < model.graph.n_nodes),
    ),
    "bounded_confidence": _confidence_moving,
}


class Caller:
    """A person of the activity-driven model (:mod:`sim.network.temporal`): their
    activity, and with memory the people they have met, in the order first met."""

    def __init__(self, number: int, activity: float) -> None:
        self.number = number
        self.activity = activity
        self.met: list[int] = []

    def step(self, people: list[Caller], m: int, memory: float | None,
             rng: np.random.Generator) -> list[int]:
        """Whom I call this step (nobody unless I am active): ``m`` people, each new
        (uniform among those I have not met) or, with memory, someone I have met with
        probability ``k / (k + c)`` for ``k`` met so far."""
        if rng.random() >= self.activity:
            return []
        called = []
        for _ in range(m):
            known = len(self.met)
            again = memory is not None and known > 0 and (
                known >= len(people) - 1 or rng.random() * (known + memory) >= memory)
            if again:
                called.append(self.met[int(rng.integers(0, known))])
                continue
            while True:
                other = int(rng.integers(0, len(people) - 1))
                other += other >= self.number  # nobody calls themselves
                if memory is None or other not in self.met:
                    break
            called.append(other)
            if memory is not None:
                self.met.append(other)
                people[other].met.append(self.number)
        return called


def activity_driven_contacts(activity: np.ndarray, m: int, n_steps: int,
                             memory: float | None, rng: np.random.Generator):
    """The activity-driven model's contacts drawn person by person, in the kernel's
    draw order: ``(caller, called, step)`` arrays, as
    :func:`sim.network.temporal.activity_contacts` returns them."""
    people = [Caller(number, float(a)) for number, a in enumerate(activity)]
    contacts = []
    for step in range(n_steps):
        for person in people:
            contacts += [(person.number, other, step)
                         for other in person.step(people, m, memory, rng)]
    table = np.array(contacts, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def activity_driven_graph(spec: ActivityDriven, n_steps: int, rng: np.random.Generator) -> Graph:
    """The temporal graph of an ``activity_driven`` network section, drawn by
    :func:`activity_driven_contacts` (activities first, from the same ``rng``)."""
    activity = draw_values(spec.activity, spec.n, rng)
    memory = None if spec.memory is None else spec.memory.c
    src, dst, steps = activity_driven_contacts(activity, spec.m, n_steps, memory, rng)
    return Graph.from_contacts(src, dst, steps, spec.n)


def turnover_ties(src, dst, n_people: int, directed: bool, rate: float, n_steps: int,
                  rng: np.random.Generator):
    """:func:`sim.network.temporal.with_turnover`'s ties in plain Python, tie by tie in
    the same draw order: ``(tail, head, start, until)`` arrays, the ended ties first
    (in the order they ended), then the ties there at the end."""
    def pair(u: int, v: int) -> tuple[int, int]:
        return (u, v) if directed or u < v else (v, u)

    ties = [[int(u), int(v), 0] for u, v in zip(src, dst, strict=True)]
    present = {pair(u, v) for u, v, _ in ties}
    ended = []

    def partners(person: int, as_tail: bool) -> int:
        """How many ties ``person`` has (as tail, or as head, of an arc)."""
        if not directed:
            return sum(person in (u, v) for u, v in present)
        return sum((u if as_tail else v) == person for u, v in present)

    for step in range(1, n_steps if rate > 0.0 else 1):
        tie = -1
        while True:
            tie += 1 if rate == 1.0 else 1 + math.floor(
                math.log(1.0 - rng.random()) / math.log(1.0 - rate))
            if tie >= len(ties):
                break
            u, v, start = ties[tie]
            keep_tail = rng.random() < 0.5
            kept = u if keep_tail else v
            if partners(kept, keep_tail) >= n_people - 1:
                continue  # tied to everyone: nobody to move to
            while True:
                other = int(rng.integers(0, n_people - 1))
                other += other >= kept
                new = (kept, other) if keep_tail else (other, kept)
                if pair(*new) not in present:
                    break
            ended.append((u, v, start, step))
            present.discard(pair(u, v))
            present.add(pair(*new))
            ties[tie] = [new[0], new[1], step]
    rows = ended + [(u, v, start, n_steps) for u, v, start in ties]
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return table[:, 0], table[:, 1], table[:, 2], table[:, 3]


def turnover_graph(spec, n_steps: int, rng: np.random.Generator) -> Graph:
    """The temporal graph of a network section with ``turnover``: the generator's
    static network, then its ties rewired by :func:`turnover_ties` (same ``rng``)."""
    static = build_network(spec.model_copy(update={"turnover": None}), rng)
    src, dst = static.edges()
    tail, head, start, until = turnover_ties(src, dst, static.n_nodes, static.directed,
                                             spec.turnover.rate, max(n_steps, 1), rng)
    return Graph.from_contacts(tail, head, start, static.n_nodes, directed=static.directed,
                               node_ids=static.node_ids, until=until)
