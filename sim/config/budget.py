"""Whether a scenario's batch fits in this machine's memory, estimated before it runs.

A run holds its network (ties in CSR form, and the generator's working copies),
a few arrays per person and message (states, buffers, attributes), and a row of
counts per step and message, allocated up front for every step up to ``steps``; the
batch keeps a row per run and message of the runs table. The estimate counts these
with generous sizes per item and is compared with the machine's physical memory, so
``network.n: 2000000000`` or ``steps: 1000000`` with many messages is refused in one
line, saying what to lower, instead of swapping or failing an hour later.

Examples
--------
>>> from sim.config import scenario_from_dict
>>> scenario = scenario_from_dict({"name": "x", "steps": 100,
...     "network": {"model": "watts_strogatz", "n": 1000, "k": 10},
...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.1}}]})
>>> round(batch_bytes(scenario) / 2**20, 1)  # MiB
0.4
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import InputError

# bytes per item, rounded up: an arc is an int32 index, twice over while the
# generator builds the CSR form, plus its edge-list pair (2 x int64)
BYTES_PER_ARC = 32
# per person and message: three int32 states, two int32 buffers, uint64 scratch
BYTES_PER_PERSON_MESSAGE = 32
# per person: four float64 attributes, the CSR row pointer, a role mask
BYTES_PER_PERSON = 48
BYTES_PER_STEP_MESSAGE = 16  # the counts row of one step (two int64)
BYTES_PER_RUN_ROW = 512  # a row of the runs table in memory, with its swept columns
BYTES_PER_EDGE_LINE = 8  # an edge-list file's line is at least this long ("1 2\n" + id)
MEMORY_ENV = "BUZZ_MEMORY_BYTES"  # overrides the machine's memory (tests, containers)


def mean_arcs_per_person(network) -> float:
    """Arcs the CSR form holds per person (an undirected tie is two arcs)."""
    model = network.model
    if model == "layers":
        return sum(mean_arcs_per_person(layer.network) * getattr(layer.network, "n", 1)
                   for layer in network.layers) / max(network.n, 1)
    if model in ("watts_strogatz", "ring_lattice"):
        return network.k
    if model == "newman_watts":
        return network.k * (1 + network.p)
    if model == "erdos_renyi":
        return network.edge_probability * (network.n - 1)
    if model in ("barabasi_albert", "holme_kim"):
        return 2 * network.m
    if model == "follower":
        return 2 * network.m * (1 + network.reciprocity)
    if model == "complete":
        return network.n - 1
    if model == "stochastic_block":
        sizes, n_people = network.sizes, network.n
        inside = sum(size * (size - 1) for size in sizes) * network.p_in
        across = (n_people**2 - sum(size**2 for size in sizes)) * network.p_out
        return (inside + across) / max(n_people, 1)
    return 0.0


def _people_and_arcs(network) -> tuple[float, float]:
    """How many people and arcs a network has, as far as is known before building it
    (an edge list: from its file's size)."""
    if network.model == "edgelist":
        try:
            lines = Path(network.path).stat().st_size / BYTES_PER_EDGE_LINE
        except OSError:
            return 0.0, 0.0
        return lines / 4, 2 * lines  # people: a mean degree of 8, as in most files
    n_people = float(network.n)
    return n_people, n_people * mean_arcs_per_person(network)


def batch_bytes(scenario, n_points: int = 1) -> float:
    """The estimated memory of the batch, in bytes: one run at a time, plus the
    runs table of ``n_points * replications`` runs."""
    n_people, n_arcs = _people_and_arcs(scenario.network)
    n_messages = len(scenario.messages)
    run = (n_arcs * BYTES_PER_ARC
           + n_people * (BYTES_PER_PERSON + n_messages * BYTES_PER_PERSON_MESSAGE)
           + (scenario.steps + 1) * n_messages * BYTES_PER_STEP_MESSAGE)
    table = n_points * scenario.replications * n_messages * BYTES_PER_RUN_ROW
    return run + table


def machine_bytes() -> int | None:
    """The machine's physical memory in bytes (``None`` where it cannot be read)."""
    if os.environ.get(MEMORY_ENV):
        return int(os.environ[MEMORY_ENV])
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _size_key(network) -> tuple[str, object]:
    """The key that sets how many people a network has, and its value."""
    if network.model == "stochastic_block":
        return "network.sizes", network.sizes
    if network.model == "edgelist":
        return "network.path", network.path
    return "network.n", network.n


def _size(n_bytes: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes / 2**10:.0f} KiB"


def check_fits(scenario, source: str, n_points: int = 1) -> None:
    """Refuse, in one line naming the key that weighs most, a batch whose estimate
    exceeds the machine's memory."""
    available = machine_bytes()
    needed = batch_bytes(scenario, n_points)
    if available is None or needed <= available:
        return
    n_people, n_arcs = _people_and_arcs(scenario.network)
    n_messages = len(scenario.messages)
    shares = {
        "network": n_arcs * BYTES_PER_ARC + n_people * BYTES_PER_PERSON,
        "messages": n_people * n_messages * BYTES_PER_PERSON_MESSAGE,
        "steps": (scenario.steps + 1) * n_messages * BYTES_PER_STEP_MESSAGE,
        "replications": n_points * scenario.replications * n_messages * BYTES_PER_RUN_ROW,
    }
    heaviest = max(shares, key=shares.get)
    key, value = {
        "network": _size_key(scenario.network),
        "messages": ("messages", f"{n_messages} messages"),
        "steps": ("steps", scenario.steps),
        "replications": ("replications", scenario.replications),
    }[heaviest]
    points = f" over {n_points:,} points" if n_points > 1 else ""
    raise InputError(source, key, value,
                     f"a batch that fits in this machine's memory (about {_size(needed)} "
                     f"needed{points}, {_size(available)} here): lower {key}, "
                     f"the largest part (then {', '.join(k for k in _LEVERS if k != key)})")


_LEVERS = ("network.n", "steps", "replications", "the sweep's points")
