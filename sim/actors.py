"""The actors: a brand and a community manager, who act between kernel steps.

A few of them, with Python ``step()`` logic, while the crowd is in the kernel (DESIGN
decision 1). They are plain objects that :class:`sim.simulation.Simulation` steps, so
that a batch runs them without Mesa; :mod:`sim.agents` makes each a Mesa agent of
:class:`sim.model.BuzzModel` (the same class, registered with the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.simulation import Simulation


class Brand:
    """The brand: carries out the scenario's campaign plan between kernel steps.

    At each step ``t``, before the messages move, it starts the actions due: seed
    waves (people start sharing at ``t``), a paid broadcast's impressions, and the
    start and end of promotions and community building. It pays for each within the
    campaign's budget (see :class:`sim.config.Campaign`) and records what it spent,
    per message, in ``model.costs``.
    """

    def __init__(self, model: Simulation, campaign) -> None:
        self.model = model
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


class CommunityManager:
    """Watches a complaint and answers it (see :class:`sim.config.CommunityManager`).

    ``detected_at`` is the step the complaint was noticed and ``responded_at`` the
    step the response was seeded (``None`` until then); ``model.costs`` records the
    response's cost under the response message.
    """

    def __init__(self, model: Simulation, plan) -> None:
        self.model = model
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
