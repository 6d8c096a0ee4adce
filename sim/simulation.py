"""One simulation of a scenario: state arrays, actors, one step through the kernels.

The crowd lives in numpy arrays that the numba kernels update (DESIGN decision 1);
the actors (:mod:`sim.actors`) act in Python between kernel steps. Nothing here
needs Mesa: batches run a :class:`Simulation` as it is, and
:class:`sim.model.BuzzModel` is the same simulation as a Mesa model, with people as
agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.actors import Brand, CommunityManager
from sim.config import Message, Scenario
from sim.errors import InputError
from sim.network.centrality import communities
from sim.network.generators import build_network
from sim.network.graph import Graph
from sim.population import Population, draw_attribute, draw_population
from sim.randomness import RunStreams, name_key
from sim.rules import make_rule, rule_class
from sim.rules.actions import broadcast
from sim.rules.bounded_confidence import mean_in_order, settled
from sim.rules.coins import chance_bits
from sim.rules.common import (
    COMPETITION,
    INOCULATION,
    NEVER,
    NO_SOURCE,
    REINFORCEMENT,
    Buffers,
    GraphArrays,
    Layers,
    Links,
    MessageArrays,
    Modifiers,
    State,
    no_layers,
    seed_now,
)
from sim.rules.opinion import forward_filled
from sim.rules.registry import Rule
from sim.seeding import choose_seeds, seed_cost


@dataclass
class MessageTrack:
    """Everything one message needs during a run: rule, coins, seeds and state arrays.

    ``state`` is a :class:`~sim.rules.common.State` (``heard_at``, ``shared_at``,
    ``source``: int32 arrays indexed by person); ``counts[t] = (new_heard,
    new_sharers)`` at step ``t``; the people who started sharing at ``step`` are
    ``buffers.frontier[:n_frontier]``; ``n_waiting`` is the rule's count of people who
    may act although nobody started (see :class:`~sim.rules.common.Position`).
    ``work`` is what the rule's ``prepare`` made for its kernel (its parameters and
    per-person arrays, a named tuple); ``mods`` the
    :class:`~sim.rules.common.Modifiers` the kernels read. ``metrics`` is the finished
    cascade's shape (:func:`sim.measures.cascade.cascade_metrics`) when a batch
    measured it already, in the kernel's threads (:func:`sim.batch.multirep.finish_together`).
    ``reached_by_actors`` lists the people an actor's action made first hear a message
    that moves opinions, since the last opinion update (which moves them and empties it).
    """

    message: Message
    rule: Rule
    key: np.uint64
    seeds: np.ndarray
    seed_step: int
    state: State
    buffers: Buffers
    counts: np.ndarray
    n_frontier: int = 0
    n_waiting: int = 0
    step: int = 0
    work: tuple = ()
    mods: Modifiers | None = None
    metrics: dict[str, float] | None = None
    reached_by_actors: list[np.ndarray] = field(default_factory=list)

    @property
    def arrays(self) -> MessageArrays:
        """What the rule's kernel updates: state, buffers and counts."""
        return MessageArrays(self.state, self.buffers, self.counts)

    @property
    def heard_at(self) -> np.ndarray:
        """Step each person first heard the message (``NEVER`` if not)."""
        return self.state[0]

    @property
    def shared_at(self) -> np.ndarray:
        """Step each person started sharing (``NEVER`` if not)."""
        return self.state[1]

    @property
    def source(self) -> np.ndarray:
        """Who told each person (``-1`` for seeds and the unreached)."""
        return self.state[2]

    def can_change(self) -> bool:
        """Whether a later step could still change this message's state.

        Yes while someone started sharing at the current step or a seeding is due,
        or when the rule says so (Bass: people who may still adopt).
        """
        if self.n_frontier > 0 or self.seed_step > self.step:
            return True
        return bool(self.rule.can_change(self))

    def cumulative(self, until_step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(heard, adopters, sharing)`` for steps ``0 .. until_step``.

        ``sharing`` is who spreads at each step: those who started sharing then (an
        independent-cascade sharer shares once; threshold and Bass adopters push new
        exposures only when they start), or a rule's own count (rumour spreaders).
        """
        counts = self.counts[: until_step + 1]
        adopters = np.cumsum(counts[:, 1])
        sharing = self.rule.sharing(self, adopters, until_step)
        return np.cumsum(counts[:, 0]), adopters, sharing


class Simulation:
    """A run of a scenario: one network, its people and every message.

    The run is the scenario's base point: a ``sweep`` section is for batches
    (:func:`sim.run_batch` runs every point); here it is not used.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    replication : int
        Which replication this run is; with the root seed it keys all randomness.
    rng : int, optional
        The root seed; defaults to ``scenario.seed``. The run draws only from its
        :class:`RunStreams`.
    graph : Graph, optional
        A prebuilt network (batches build it once per replication).
    source : str
        Where the scenario came from, for error messages.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3, "steps": 30,
    ...     "network": {"model": "watts_strogatz", "n": 500, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.4},
    ...                   "seeding": {"strategy": "top_degree", "count": 5}}]})
    >>> simulation = Simulation(scenario)
    >>> simulation.count("heard") == 5
    True
    >>> simulation.step()
    >>> simulation.count("heard") > 5
    True
    >>> simulation.run()
    >>> simulation.running, simulation.steps == simulation.t
    (False, True)
    """

    # the actors' classes (:mod:`sim.agents` has them as Mesa agents, for BuzzModel)
    brand_class: type[Brand] = Brand
    manager_class: type[CommunityManager] = CommunityManager

    def __init__(
        self,
        scenario: Scenario,
        *,
        replication: int = 0,
        rng: int | None = None,
        graph: Graph | None = None,
        source: str = "<scenario>",
    ) -> None:
        root_seed = scenario.seed if rng is None else int(rng)
        self.scenario = scenario
        self.replication = replication
        self.steps = 0  # the steps the run took, once it has run (run())
        self.streams = RunStreams(root_seed, replication)
        self.graph = (
            graph
            if graph is not None
            else build_network(
                scenario.network,
                RunStreams(root_seed, scenario.network.graph_replication(replication))
                .network_rng(),
                scenario.steps,
            )
        )
        self.graph_arrays = GraphArrays(self.graph.indptr, self.graph.indices)
        self.t = 0
        self.focus = 0
        self.source = source
        self.population: Population = draw_population(
            scenario.people, self.graph, self.streams, source
        )
        self.costs = {message.name: 0.0 for message in scenario.messages}
        # the people's opinion of the brand, in [0, 1], when the scenario has one (see
        # _move_opinions); opinion_curve[t] is its mean at step t
        self.opinion = self.initial_opinions() if scenario.has_opinions else None
        self.opinion_curve = np.zeros(scenario.steps + 1)
        n_messages, n_nodes = len(scenario.messages), self.graph.n_nodes
        # one row per message, so that a kernel can read the other messages' state
        self.heard_all = np.full((n_messages, n_nodes), NEVER, dtype=np.int32)
        self.shared_all = np.full((n_messages, n_nodes), NEVER, dtype=np.int32)
        self.source_all = np.full((n_messages, n_nodes), NO_SOURCE, dtype=np.int32)
        self.tracks = [
            self._make_track(index, message, source)
            for index, message in enumerate(scenario.messages)
        ]
        # messages that move opinions, or that opinions move, go step by step together
        self.interacting = bool(scenario.interactions) or scenario.coupled
        for index, track in enumerate(self.tracks):
            track.mods = self._modifiers(index, track)
            cost = track.message.seeding.cost
            if cost is not None:  # without a cost model, seeds are free (a complaint's)
                self.costs[track.message.name] += seed_cost(self.graph, track.seeds, cost)
        if scenario.coupled:
            self._move_opinions()  # the step-0 seeds heard at step 0
        self.actors: list[Brand | CommunityManager] = []
        if scenario.campaign.actions:
            self.actors.append(self.brand_class(self, scenario.campaign))
        if scenario.community_manager is not None:
            self.actors.append(self.manager_class(self, scenario.community_manager))
        self.running = self._can_change()


    def _make_track(self, index: int, message: Message, source: str) -> MessageTrack:
        n_nodes = self.graph.n_nodes
        seeding = message.seeding
        seeds = choose_seeds(
            self.graph,
            seeding,
            self.streams.seeding_rng(message.name),
            source=source,
            key=f"messages.{message.name}.seeding",
            rule=message.rule,
        )
        state = State(self.heard_all[index], self.shared_all[index], self.source_all[index])
        track = MessageTrack(
            message=message,
            rule=make_rule(message.rule),
            key=self.streams.coin_key(message.name),
            seeds=seeds,
            seed_step=seeding.step if seeds.size else -1,
            state=state,
            buffers=Buffers(np.empty(n_nodes, np.int32), np.empty(n_nodes, np.int32)),
            counts=np.zeros((self.scenario.steps + 1, 2), dtype=np.int64),
        )
        if track.seed_step == 0:
            track.n_frontier, new_heard, new_shared = seed_now(
                track.state, seeds, np.int32(0), track.buffers.frontier, 0
            )
            track.counts[0] = (new_heard, new_shared)
        # after the step-0 seeding: a rule may list who is still waiting
        track.work = track.rule.prepare(self, track)
        return track

    def _modifiers(self, index: int, track: MessageTrack) -> tuple:
        """The :class:`~sim.rules.common.Modifiers` of message ``index``."""
        message, population = track.message, self.population
        links = []
        names = [m.name for m in self.scenario.messages]
        kinds = {"inoculation": INOCULATION, "reinforcement": REINFORCEMENT}
        for interaction in self.scenario.interactions:
            ends = (names.index(interaction.source), names.index(interaction.target))
            if interaction.kind == "competition":
                if index in ends:
                    other = ends[0] if ends[1] == index else ends[1]
                    # a competitor listed first moves first within a step, so its
                    # adoptions at t + 1 are already written when this one moves
                    links.append((other, COMPETITION, 0.0, int(other < index)))
            elif ends[1] == index:
                links.append((ends[0], kinds[interaction.kind], interaction.factor, 0))
        modifiers = message.modifiers
        # the brand's promotions and community work change these arrays during the run
        acted_on = {a.action for a in self.scenario.campaign.actions if a.message == message.name}
        manager = self.scenario.community_manager
        answers = manager is not None and manager.respond_with == message.name
        layers = self._layer_parameters(message)
        on = (
            not population.default
            or not modifiers.is_default
            or bool(links)
            or layers.edge_layer.size > 0
            or self.graph.weighted
            or self.graph.temporal
            or bool(acted_on & {"promotion", "community"})
            or (answers and manager.credibility != 1.0)
        )
        steps = np.arange(self.scenario.steps + 1, dtype=np.float64)
        step_factor = np.full(steps.size, modifiers.negativity_bias)
        if modifiers.half_life is not None:
            age = np.maximum(0.0, steps - max(track.seed_step, 0))
            step_factor = step_factor * 0.5 ** (age / modifiers.half_life)
        if answers:
            step_factor = step_factor * manager.credibility
        on = on or message.share_by_opinion is not None
        susceptibility = population.susceptibility
        if "community" in acted_on or message.share_by_opinion is not None:
            susceptibility = susceptibility.copy()  # this message's own, changed by the brand
        columns = list(zip(*links, strict=True)) if links else [(), (), (), ()]
        return Modifiers(
            on=on,
            influence=population.influence,
            susceptibility=susceptibility,
            activity=population.activity,
            visibility=population.visibility,
            keys=population.keys,
            step_factor=step_factor,
            links=Links(
                heard_all=self.heard_all,
                shared_all=self.shared_all,
                message=np.array(columns[0], dtype=np.int64),
                kind=np.array(columns[1], dtype=np.int64),
                factor=np.array(columns[2], dtype=np.float64),
                ahead=np.array(columns[3], dtype=np.int64),
            ),
            layers=layers,
            tie_weight=(self.graph.edge_weight if self.graph.weighted
                        else np.empty(0, dtype=np.float64)),
            edge_step=(self.graph.edge_step if self.graph.temporal
                       else np.empty(0, dtype=np.int32)),
            edge_until=(self.graph.edge_until if self.graph.edge_until is not None
                        else np.empty(0, dtype=np.int32)),
        )

    def _layer_parameters(self, message: Message) -> Layers:
        """The :class:`~sim.rules.common.Layers` of a message on a network of several
        layers: the rule's parameter that layers may set (its ``layer_parameter``), per
        layer, and a coin key per layer (empty arrays on a one-layer network)."""
        graph = self.graph
        if graph.edge_layer is None:
            return no_layers()
        rule = message.rule
        base = rule_class(rule.model).layer_parameter
        overrides = getattr(rule, "layers", {})
        parameters = [
            float(getattr(overrides[name], base)) if name in overrides
            else float(getattr(rule, base)) if base else 1.0
            for name in graph.layer_names
        ]
        keys = [name_key(f"layer:{name}") for name in graph.layer_names]
        return Layers(graph.edge_layer, np.array(parameters), np.array(keys, dtype=np.uint64))

    def initial_opinions(self) -> np.ndarray:
        """Everyone's opinion at step 0 under a continuous opinion rule: drawn from
        ``people.opinion`` (its own population stream; unset, uniform on [0, 1]),
        clipped to [0, 1]."""
        rng = self.streams.population_rng("opinion")
        start = self.scenario.people.opinion
        if start is None:
            return rng.uniform(0.0, 1.0, self.graph.n_nodes)
        values = draw_attribute(start, self.graph, rng)
        return np.clip(values, 0.0, 1.0)

    # -------------------------------------------------------------- actors' tools
    def inject(self, message: int | str, nodes: np.ndarray) -> np.ndarray:
        """Make ``nodes`` start sharing ``message`` now (step ``t``), as seeds do.

        People already sharing are left alone. Returns those who started.
        """
        track = self.track(message)
        if track.step < self.t:
            track.step, track.n_frontier = self.t, 0  # it had stopped: nobody was moving
        before = track.n_frontier
        nodes = np.asarray(nodes, dtype=np.int32)
        # a seed who had not heard hears now (whoever shares has heard)
        self._reached(track, np.unique(nodes[track.heard_at[nodes] == NEVER]))
        track.n_frontier, new_heard, new_shared = seed_now(
            track.state, nodes, np.int32(self.t), track.buffers.frontier, before,
        )
        track.counts[self.t] += (new_heard, new_shared)
        started = track.buffers.frontier[before : track.n_frontier].copy()
        self._started(track, started)
        return started

    def broadcast(
        self, message: int | str, name: str, reach: float, convert: float, most: int
    ) -> int:
        """Show ``message``'s ad now (see :func:`sim.rules.actions.broadcast`); returns
        impressions."""
        track = self.track(message)
        if track.step < self.t:
            track.step, track.n_frontier = self.t, 0
        before = track.n_frontier
        scratch = np.empty(self.graph.n_nodes, dtype=np.uint64)
        chances = (chance_bits(reach), chance_bits(convert))
        track.n_frontier, new_heard, new_shared, impressions = broadcast(
            track.state, track.mods, self.streams.coin_key(name), np.int32(self.t), chances,
            (track.buffers.frontier, scratch), before, most,
        )
        track.counts[self.t] += (new_heard, new_shared)
        self._reached(track, scratch[:new_heard].astype(np.int32))
        self._started(track, track.buffers.frontier[before : track.n_frontier].copy())
        return int(impressions)

    def _started(self, track: MessageTrack, started: np.ndarray) -> None:
        if started.size:
            track.rule.started(self, track, started)

    def _reached(self, track: MessageTrack, people: np.ndarray) -> None:
        """Note ``people``, whom an action made first hear ``track``'s message now,
        for the next opinion update: the one at this step ran before the actors."""
        if people.size and track.message.opinion_shift:
            track.reached_by_actors.append(people)

    def community_members(self, choice, key: str = "community") -> np.ndarray:
        """Internal indices of a community (:class:`sim.config.CommunityChoice`)."""
        if choice.nodes is not None:
            try:
                return np.unique(self.graph.internal_index(choice.nodes))
            except KeyError as missing:
                raise InputError(
                    self.source, f"{key}.community.nodes", missing.args[0],
                    "ids of people in the network",
                ) from None
        rng = self.streams.population_rng(f"communities:{choice.method}")
        labels = communities(self.graph, choice.method, rng)
        sizes = np.bincount(labels)
        if choice.rank > sizes.size:
            raise InputError(
                self.source, f"{key}.community.rank", choice.rank,
                f"at most the number of communities found, {sizes.size}",
            )
        # largest first; equal sizes by label, which the detection drew at random
        order = np.lexsort((np.arange(sizes.size), -sizes))
        return np.flatnonzero(labels == order[choice.rank - 1])

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """The actors act at step t; then every message advances by one synchronous
        step (state at t -> t + 1); then, in a coupled scenario, opinions move for
        everyone who first heard since the last update, the actors' audience included."""
        for actor in self.actors:
            actor.step()
        target = self.t + 1
        for track in self.tracks:
            if track.can_change():
                track.rule.advance(self.graph_arrays, track, target)
        self.t = target
        if self.scenario.coupled:
            self._move_opinions()
        self.running = self._can_change()

    def _move_opinions(self) -> None:
        """What hearing does to opinions, at the end of step ``t``: everyone who first
        heard a message since the last update (at ``t`` by its rule or seeding, or at
        ``t - 1`` by an actor's action, which comes after that step's update) moves
        their opinion its ``opinion_shift`` of the way to 1 (a positive message) or 0
        (a negative one; the shift times its negativity bias, at most 1), message by
        message in the scenario's order; then each message with ``share_by_opinion``
        makes everyone's receptivity their susceptibility times the factor at their
        opinion; the mean opinion is recorded. A bounded-confidence message that had
        settled moves again if the shifts unsettled it."""
        opinion, now = self.opinion, self.t
        shifted = False
        for track in self.tracks:
            message = track.message
            if not message.opinion_shift:
                continue
            hearers = self._new_hearers(track)
            if hearers.size:
                shifted = True
                if message.valence == "positive":
                    opinion[hearers] += message.opinion_shift * (1.0 - opinion[hearers])
                else:
                    shift = min(1.0, message.opinion_shift * message.modifiers.negativity_bias)
                    opinion[hearers] -= shift * opinion[hearers]
        for track in self.tracks:
            curve = track.message.share_by_opinion
            if curve is not None:
                track.mods.susceptibility[:] = self.population.susceptibility * (
                    curve.against + (curve.in_favour - curve.against) * opinion)
            if track.rule.opinion == "continuous":
                shifted = True  # its kernel moved the opinions too
                track.n_waiting = int(not settled(track.work))
                if track.n_waiting and track.step < now:
                    track.step = now  # it had settled: it starts again from now
        # the ordered mean costs ~5 ms at 10^6 people: opinions nobody moved keep theirs
        self.opinion_curve[now] = (
            mean_in_order(opinion) if shifted or now == 0 else self.opinion_curve[now - 1])

    def _new_hearers(self, track: MessageTrack) -> np.ndarray:
        """Who first heard ``track``'s message since the last opinion update: at step
        ``t`` by its rule or seeding, and before, by the actors' actions; the list of
        the latter is emptied."""
        groups, track.reached_by_actors = track.reached_by_actors, []
        # counts[t, 0] is how many first heard at t: most steps of a long run have
        # none, and a scan of everyone would cost ~6 ms a step at 10^6
        if track.counts[self.t, 0]:
            groups.insert(0, np.flatnonzero(track.heard_at == self.t))
        return np.concatenate(groups) if groups else np.empty(0, dtype=np.int64)

    def mean_opinions(self, until_step: int) -> np.ndarray:
        """The mean opinion at each step ``0 .. until_step`` (after the last step that
        moved opinions, the last mean)."""
        moved = [track.step for track in self.tracks if track.rule.opinion == "continuous"]
        last = self.t if self.scenario.coupled else max(moved, default=0)
        return forward_filled(self.opinion_curve, min(last, until_step), until_step)

    def run(self) -> None:
        """Run until nothing can change or ``scenario.steps`` is reached.

        Each message runs to the end in a single kernel call; the result equals
        calling :meth:`step` until ``running`` is false. Interacting messages read
        each other's state, so they move together, one step at a time.
        """
        if self.interacting or self.actors:
            while self._can_change():
                self.step()
            self.steps = self.t
            self.running = False
            return
        for track in self.tracks:
            if track.can_change():
                track.rule.advance(self.graph_arrays, track, self.scenario.steps)
        self.t = max([self.t] + [track.step for track in self.tracks])
        self.steps = self.t
        self.running = False

    def _can_change(self) -> bool:
        if self.t >= self.scenario.steps:
            return False
        return any(t.can_change() for t in self.tracks) or any(
            actor.pending() for actor in self.actors
        )

    # ------------------------------------------------------------------- reading
    def track(self, message: int | str = 0) -> MessageTrack:
        """The track of a message, by index or name."""
        if isinstance(message, str):
            for track in self.tracks:
                if track.message.name == message:
                    return track
            raise KeyError(message)
        return self.tracks[message]

    def count(self, what: str, message: int | str = 0) -> int:
        """How many people have ``heard``, are ``adopters``, or are ``sharing`` now."""
        heard, adopters, sharing = self.track(message).cumulative(self.t)
        values = {"heard": heard, "adopters": adopters, "sharing": sharing}
        if what not in values:
            raise ValueError(f"what must be one of {sorted(values)}, got {what!r}")
        return int(values[what][-1])
