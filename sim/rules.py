"""Virality rules: validated parameters in, kernel calls out.

A rule object is made once per message and run; :meth:`advance` moves that
message's state forward through its numba kernel. Nothing here loops over people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import kernels
from sim.config import IndependentCascade, RuleSpec


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
        track.step, track.n_frontier = kernels._ic_advance(
            graph_arrays,
            track.state,
            track.buffers,
            track.n_frontier,
            track.step,
            track.key,
            params,
            track.counts,
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


def make_rule(spec: RuleSpec):
    """The rule object for a scenario's rule section."""
    if isinstance(spec, IndependentCascade):
        return IndependentCascadeRule(p_share=spec.p)
    raise TypeError(f"no rule implements {type(spec).__name__}")
