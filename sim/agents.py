"""Mesa agents. ``Person`` is a view over the model's arrays, not a store of state.

Reading ``person.heard_at`` reads the array the kernel writes; writing it writes the
array. People therefore cost no Python work per step, yet ``model.agents``,
``AgentSet.select/agg`` and the DataCollector see live values. Which message the
attributes refer to is ``model.focus`` (an index); the ``*_of`` methods take any.
"""

from __future__ import annotations

import itertools
import weakref
from collections import defaultdict

import mesa
import numpy as np

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


# ------------------------------------------------------------------------- actors
class Brand(mesa.Agent):
    """The brand: carries out the scenario's campaign plan between kernel steps.

    At each step ``t``, before the messages move, it starts the actions due: seed
    waves (people start sharing at ``t``), a paid broadcast's impressions, and the
    start and end of promotions and community building. It pays for each within the
    campaign's budget (see :class:`sim.config.Campaign`) and records what it spent,
    per message, in ``model.costs``.
    """

    def __init__(self, model: mesa.Model, campaign) -> None:
        super().__init__(model)
        self.campaign = campaign
        self.spent = 0.0
        self.log: list[tuple[int, str, str, float]] = []
        self._saved: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._dropped: set[int] = set()

    @property
    def remaining(self) -> float:
        """What is left of the budget (infinite without one)."""
        budget = self.campaign.budget
        return float("inf") if budget is None else budget - self.spent

    def pending(self) -> bool:
        """Whether an action is still to come (the model must keep stepping)."""
        now = self.model.t
        for action in self.campaign.actions:
            last = action.step if action.action == "seed" else action.end
            if last >= now:
                return True
        return False

    def _pay(self, index: int, action, cost: float) -> None:
        self.spent += cost
        self.model.costs[action.message] += cost
        self.log.append((self.model.t, action.action, action.message, cost))

    def step(self) -> None:
        """Start what is due at the current step."""
        now = self.model.t
        for index, action in enumerate(self.campaign.actions):
            if action.action == "seed" and action.step == now:
                self._seed_wave(index, action)
            elif action.action == "broadcast" and action.start <= now < action.end:
                self._broadcast(index, action)
            elif action.action in ("promotion", "community"):
                if now == action.start:
                    if action.cost > self.remaining:
                        self._dropped.add(index)
                        continue
                    self._pay(index, action, action.cost)
                    self._begin(index, action)
                elif now == action.end and index not in self._dropped:
                    self._finish(index, action)

    def _seed_wave(self, index: int, action) -> None:
        from sim.seeding import choose_seeds, seed_cost

        model = self.model
        seeding = action.seeding
        if self.campaign.budget is not None:
            budget = self.remaining if seeding.budget is None else min(
                seeding.budget, self.remaining
            )
            seeding = seeding.model_copy(update={"budget": max(0.0, budget)})
        track = model.track(action.message)
        seeds = choose_seeds(
            model.graph,
            seeding,
            model.streams.seeding_rng(f"wave:{index}:{action.message}"),
            source=model.source,
            key=f"campaign.actions.{index}.seeding",
            rule=track.message.rule,
        )
        started = model.inject(action.message, seeds)
        cost = 0.0 if seeding.cost is None else seed_cost(model.graph, started, seeding.cost)
        self._pay(index, action, cost)

    def _broadcast(self, index: int, action) -> None:
        model = self.model
        per_impression = action.cost_per_impression
        most = model.graph.n_nodes
        if per_impression > 0 and self.remaining < float("inf"):
            most = min(most, int(max(0.0, self.remaining) // per_impression))
        impressions = model.broadcast(
            action.message, f"broadcast:{index}:{action.message}", action.reach,
            action.convert, most,
        )
        self._pay(index, action, impressions * per_impression)

    def _begin(self, index: int, action) -> None:
        track = self.model.track(action.message)
        if action.action == "promotion":
            track.mods.step_factor[action.start : action.end] *= action.boost
            return
        members = self.model.community_members(action.community, f"campaign.actions.{index}")
        susceptibility = track.mods.susceptibility
        # kept to restore exactly: dividing by the factor again could change the bits
        self._saved[index] = (members, susceptibility[members].copy())
        susceptibility[members] *= action.factor

    def _finish(self, index: int, action) -> None:
        if action.action == "community":
            members, saved = self._saved.pop(index)
            self.model.track(action.message).mods.susceptibility[members] = saved


class CommunityManager(mesa.Agent):
    """Watches a complaint and answers it (see :class:`sim.config.CommunityManager`).

    ``detected_at`` is the step the complaint was noticed and ``responded_at`` the
    step the response was seeded (``None`` until then); ``model.costs`` records the
    response's cost under the response message.
    """

    def __init__(self, model: mesa.Model, plan) -> None:
        super().__init__(model)
        self.plan = plan
        self.detected_at: int | None = None
        self.responded_at: int | None = None
        self.spent = 0.0
        self._rng = model.streams.seeding_rng("actor:community_manager")

    def pending(self) -> bool:
        """Whether the manager still has something to do."""
        return self.responded_at is None and (
            self.detected_at is not None or self.model.track(self.plan.watch).can_change()
        )

    def step(self) -> None:
        """Notice the complaint, or answer it once the delay has passed."""
        plan, now = self.plan, self.model.t
        if self.responded_at is not None:
            return
        complaint = self.model.track(plan.watch)
        if self.detected_at is None:
            reach = int(complaint.counts[: now + 1, 0].sum())
            if reach == 0:
                return
            noticed = plan.detect_reach is not None and reach >= plan.detect_reach
            if not noticed and plan.monitoring > 0.0:
                noticed = self._rng.random() < plan.monitoring
            if noticed:
                self.detected_at = now
        if self.detected_at is not None and now >= self.detected_at + plan.delay:
            self._respond(complaint)

    def _respond(self, complaint) -> None:
        from sim.seeding import top_by_score

        plan, model, now = self.plan, self.model, self.model.t
        count = plan.count
        if plan.budget is not None and plan.cost_per_seed > 0:
            count = min(count, int(plan.budget // plan.cost_per_seed))
        sharing = np.flatnonzero(complaint.shared_at <= now)
        chosen = np.empty(0, dtype=np.int64)
        if plan.targets in ("top_sharers", "both"):
            reached = (complaint.heard_at <= now) & (complaint.source >= 0)
            told = np.bincount(complaint.source[reached], minlength=model.graph.n_nodes)
            n_top = count if plan.targets == "top_sharers" else count // 2
            n_top = min(n_top, int((told > 0).sum()))
            chosen = top_by_score(told, n_top, self._rng)
        if plan.targets in ("complainers", "both"):
            others = np.setdiff1d(sharing, chosen)
            n_more = min(count - chosen.size, others.size)
            chosen = np.concatenate([chosen, self._rng.choice(others, n_more, replace=False)])
        started = model.inject(plan.respond_with, np.sort(chosen).astype(np.int32))
        self.spent = started.size * plan.cost_per_seed
        model.costs[plan.respond_with] += self.spent
        self.responded_at = now
