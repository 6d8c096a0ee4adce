"""One source of randomness per run (DESIGN decision 3).

A run is identified by the scenario's root ``seed`` and its ``replication``. Every
random stream of the run is a child ``np.random.SeedSequence`` keyed by
``(replication, stream, [message])``:

- the network is drawn from ``(replication, NETWORK)``,
- the seeding of message ``m`` from ``(replication, SEEDING, m)``,
- the coins of message ``m`` from the 64-bit key of ``(replication, COINS, m)``;
- people's attributes, roles and activity coins from ``(replication, POPULATION,
  name)``, one sub-stream per attribute or role, shared by all messages;
- a sampled sweep's points from ``(SWEEP,)``, one design shared by all replications.

The sweep point is deliberately absent: replication ``r`` of every point shares the
same graph and the same coins wherever the point does not change them (common
random numbers), so strategy comparisons are paired and adding points or
replications leaves existing runs unchanged. Messages are keyed by name, so adding
a message leaves the others' coins alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

NETWORK, SEEDING, COINS, POPULATION, SWEEP = 0, 1, 2, 3, 4


def name_key(name: str) -> int:
    """A stable 63-bit integer for a name (Python's ``hash`` changes per process).

    Examples
    --------
    >>> name_key("promo") == name_key("promo") != name_key("complaint")
    True
    """
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1


@dataclass(frozen=True)
class RunStreams:
    """The random streams of one run.

    Examples
    --------
    >>> streams = RunStreams(seed=42, replication=0)
    >>> a = streams.network_rng().random()
    >>> a == RunStreams(42, 0).network_rng().random() != RunStreams(42, 1).network_rng().random()
    True
    >>> bool(streams.coin_key("promo") == RunStreams(42, 0).coin_key("promo"))
    True
    """

    seed: int
    replication: int

    def _sequence(self, *path: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, *path))

    def network_rng(self) -> np.random.Generator:
        """Generator for building the network."""
        return np.random.default_rng(self._sequence(NETWORK))

    def population_rng(self, name: str | None = None) -> np.random.Generator:
        """Generator for drawing people's attributes; ``name`` gives an attribute or a
        role its own sub-stream, so adding one leaves the others' draws alone."""
        if name is None:
            return np.random.default_rng(self._sequence(POPULATION))
        return np.random.default_rng(self._sequence(POPULATION, name_key(name)))

    def population_key(self, name: str) -> np.uint64:
        """64-bit key of the counter-based coins of a population process (``activity``:
        who is online when; ``visibility``: who sees a protected account)."""
        return self._sequence(POPULATION, name_key(name)).generate_state(1, np.uint64)[0]

    def seeding_rng(self, message: str) -> np.random.Generator:
        """Generator for choosing who starts ``message``."""
        return np.random.default_rng(self._sequence(SEEDING, name_key(message)))

    def coin_key(self, message: str) -> np.uint64:
        """64-bit key of the counter-based coins of ``message``."""
        return self._sequence(COINS, name_key(message)).generate_state(1, np.uint64)[0]
