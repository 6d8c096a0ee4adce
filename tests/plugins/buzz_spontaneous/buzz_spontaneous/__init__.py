"""A rule from outside buzz: each step, everyone not yet sharing starts with chance ``rate``.

``rule: {model: spontaneous, rate: 0.1}``: news that reaches people from outside the
network (television, the street) with no word of mouth. The file holds what every
rule brings: the schema of its section, its step (compiled by numba inside buzz's
step driver) and its rule object. It is the worked example of docs/adding_a_rule.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from sim.rules import Rule, Slider, register
from sim.rules.coins import chance_bits, pair_bits
from sim.rules.common import NEVER, TRANSITIONS, online
from sim.schema import Frozen, Probability


class Spontaneous(Frozen):
    """``rate``: each person's chance per step to start sharing on their own."""

    model: Literal["spontaneous"]
    rate: Probability


class SpontaneousParams(NamedTuple):
    """The kernel's parameters: the chance in integer form and the coin key."""

    chance: np.uint64
    key: np.uint64


@TRANSITIONS.register(SpontaneousParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The step from ``step`` to ``step + 1``: everyone not sharing starts when their
    coin ``(step + 1, person)`` falls below the rate (if online, with modifiers).

    Returns ``(n_next, new_heard, n_waiting)``, ``n_waiting`` being who has still not
    started (0 with a rate of 0): the run stops when nobody is left to start.
    """
    next_step = np.int32(step + 1)
    n_next = 0
    new_heard = 0
    n_waiting = 0
    for person in range(state.shared_at.size):
        if state.shared_at[person] != NEVER:
            continue
        if mods.on and not online(mods, person, next_step):
            n_waiting += params.chance > 0
            continue  # people offline this step (people.activity) do nothing
        if pair_bits(params.key, next_step, person) < params.chance:
            if state.heard_at[person] == NEVER:
                state.heard_at[person] = next_step
                new_heard += 1
            state.shared_at[person] = next_step
            next_frontier[n_next] = person
            n_next += 1
        else:
            n_waiting += params.chance > 0
    return n_next, new_heard, n_waiting


@register
@dataclass(frozen=True)
class SpontaneousRule(Rule):
    """People start sharing on their own, each step with chance ``rate``."""

    name = "spontaneous"
    schema = Spontaneous
    spreads_unseeded = True
    sliders = (Slider("rate", "chance to start per step", 0.0, 0.2, 0.005),)

    rate: float

    @classmethod
    def from_spec(cls, spec: Spontaneous) -> SpontaneousRule:
        return cls(rate=spec.rate)

    def prepare(self, model, track) -> SpontaneousParams:
        track.n_waiting = int(np.sum(track.shared_at == NEVER))
        return SpontaneousParams(chance_bits(self.rate), np.uint64(track.key))
