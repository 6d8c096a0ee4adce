"""Mesa agents. ``Person`` is a view over the model's arrays, not a store of state.

Reading ``person.heard_at`` reads the array the kernel writes; writing it writes the
array. People therefore cost no Python work per step, yet ``model.agents``,
``AgentSet.select/agg`` and the DataCollector see live values. Which message the
attributes refer to is ``model.focus`` (an index); the ``*_of`` methods take any.

``Brand`` and ``CommunityManager`` are the actors of :mod:`sim.actors` as Mesa agents
of a :class:`sim.model.BuzzModel`: the same logic, registered with the model.
"""

from __future__ import annotations

import itertools
import weakref
from collections import defaultdict

import mesa
import numpy as np

from sim import actors
from sim.rules.common import NEVER


class _IdCounters(weakref.WeakKeyDictionary):
    """Per-model unique-id counters that let finished models be freed."""

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


# Mesa 3.3.1 keeps every model that ever made an agent alive in a class-level
# defaultdict (mesa issue #3179, fixed upstream by PR #3180 after 3.3.1, the last
# release for Python 3.11). Batches, tests and notebooks build many models, so
# swap in weak keys, the same fix, only while the leaking version is installed.
if isinstance(mesa.Agent.__dict__.get("_ids"), defaultdict):
    mesa.Agent._ids = _IdCounters()

class Person(mesa.Agent):
    """One person of the network, a view over row ``node`` of the model's arrays.

    Parameters
    ----------
    model : BuzzModel
        The model whose arrays this person reads.
    node : int
        The person's internal index.
    """

    def __init__(self, model: mesa.Model, node: int) -> None:
        super().__init__(model)
        self.node = int(node)

    # ---- per-message accessors
    def heard_at_of(self, message: int | str) -> int | None:
        """Step this person first heard ``message``, or ``None``."""
        value = int(self.model.track(message).heard_at[self.node])
        return None if value == NEVER else value

    def shared_at_of(self, message: int | str) -> int | None:
        """Step this person started sharing ``message``, or ``None``."""
        value = int(self.model.track(message).shared_at[self.node])
        return None if value == NEVER else value

    def source_of(self, message: int | str) -> int | None:
        """Internal index of who told this person ``message``, or ``None``."""
        value = int(self.model.track(message).source[self.node])
        return None if value < 0 else value

    def state_of(self, message: int | str) -> str:
        """``unaware``, ``heard``, ``sharing`` (started this step) or ``shared``."""
        heard, shared = self.heard_at_of(message), self.shared_at_of(message)
        if shared is not None and shared <= self.model.t:
            return "sharing" if shared == self.model.t else "shared"
        if heard is not None and heard <= self.model.t:
            return "heard"
        return "unaware"

    # ---- the focused message, as plain attributes
    @property
    def heard_at(self) -> int | None:
        """Step this person first heard the focused message, or ``None``."""
        return self.heard_at_of(self.model.focus)

    @heard_at.setter
    def heard_at(self, step: int | None) -> None:
        self.model.track(self.model.focus).heard_at[self.node] = NEVER if step is None else step

    @property
    def shared_at(self) -> int | None:
        """Step this person started sharing the focused message, or ``None``."""
        return self.shared_at_of(self.model.focus)

    @shared_at.setter
    def shared_at(self, step: int | None) -> None:
        self.model.track(self.model.focus).shared_at[self.node] = NEVER if step is None else step

    @property
    def source(self) -> int | None:
        """Who told this person the focused message (internal index), or ``None``."""
        return self.source_of(self.model.focus)

    @property
    def state(self) -> str:
        """State for the focused message (see :meth:`state_of`)."""
        return self.state_of(self.model.focus)

    @property
    def degree(self) -> int:
        """How many people this person's shares reach."""
        return int(self.model.graph.degree[self.node])

    @property
    def original_id(self):
        """The id this person has in the user's data."""
        ids = self.model.graph.node_ids
        return self.node if ids is None else ids[self.node].item()

    @property
    def neighbor_nodes(self) -> np.ndarray:
        """Internal indices of the people this person's shares reach."""
        return self.model.graph.neighbors(self.node)

    @property
    def neighbors(self) -> list[Person]:
        """The ``Person`` agents this person's shares reach."""
        people = self.model.people
        return [people[int(node)] for node in self.neighbor_nodes]


class Brand(actors.Brand, mesa.Agent):
    """The brand (:class:`sim.actors.Brand`) as a Mesa agent of the model."""

    def __init__(self, model: mesa.Model, campaign) -> None:
        mesa.Agent.__init__(self, model)
        actors.Brand.__init__(self, model, campaign)


class CommunityManager(actors.CommunityManager, mesa.Agent):
    """The community manager (:class:`sim.actors.CommunityManager`) as a Mesa agent of
    the model."""

    def __init__(self, model: mesa.Model, plan) -> None:
        mesa.Agent.__init__(self, model)
        actors.CommunityManager.__init__(self, model, plan)
