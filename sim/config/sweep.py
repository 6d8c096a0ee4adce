"""Sweeps: the points a batch runs (named arms, grid, zip and sampled ranges), and
their names in words."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.labels import as_mapping, format_value, short_key_names, value_labels
from sim.randomness import SWEEP as SWEEP_STREAM
from sim.schema import Frozen, KeyedError, Seed

MAX_POINTS = 100_000
# keys a sweep cannot vary: what names or shapes the whole batch, not a run
UNSWEPT_KEYS = {
    "replications": "the batch's replications (set replications, or --replications)",
    "name": "the scenario's name (it names the results folder)",
    "sweep": "the sweep itself",
}


class SampleSweep(Frozen):
    """``n`` points drawn from ranges by a quasi-random design (scipy.stats.qmc).

    ``ranges`` maps dotted keys to ``[low, high]``; when both bounds are integers the
    key is sampled as an integer. ``method`` is ``lhs`` (Latin hypercube) or
    ``sobol``; ``seed`` defaults to the scenario's seed.
    """

    n: Annotated[int, Field(ge=1, le=100_000)]
    method: Literal["lhs", "sobol"] = "lhs"
    ranges: Annotated[
        dict[str, Annotated[list[int | float], Field(min_length=2, max_length=2)]],
        Field(min_length=1),
    ]
    seed: Seed | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.method == "sobol" and self.n & (self.n - 1):
            raise KeyedError(
                "n",
                self.n,
                "a power of 2 with method sobol (its balance "
                "properties need it); method lhs takes any n",
            )
        for key, (low, high) in self.ranges.items():
            if not low < high:
                raise KeyedError(f"ranges.{key}", [low, high], "[low, high] with low < high")
        return self

    def draw(self, default_seed: int) -> list[dict[str, Any]]:
        """The sampled points, reproducible from the seed."""
        from scipy.stats import qmc

        seed = self.seed if self.seed is not None else default_seed
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SWEEP_STREAM,)))
        keys = list(self.ranges)
        if self.method == "lhs":
            unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(self.n)
        else:
            unit = qmc.Sobol(d=len(keys), scramble=True, rng=rng).random(self.n)
        points = []
        for row in unit:
            point = {}
            for key, u in zip(keys, row, strict=True):
                low, high = self.ranges[key]
                if isinstance(low, int) and isinstance(high, int):
                    # every integer in [low, high] gets an equal share of the unit interval
                    point[key] = min(int(np.floor(low + u * (high - low + 1))), high)
                else:
                    point[key] = float(low + u * (high - low))
            points.append(point)
        return points


ArmName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\s].*[^\s]$|^[^\s]$")]


class Arm(Frozen):
    """One named alternative a scenario compares: ``name`` in plain words, and the
    dotted keys it sets (``set``; empty: the scenario as written)."""

    name: ArmName
    set: dict[str, Any] = {}


@dataclass(frozen=True)
class Factor:
    """One thing a sweep varies, as tables and figures show it.

    ``name``: ``arm`` for named arms, else the short name of its key (``p``), or of
    its keys joined with `` & `` for a ``zip``; ``keys``: the dotted keys it sets;
    ``labels``: its value at each point, in words (an arm's name, ``0.1``,
    ``Watts-Strogatz k=10``); ``named``: its labels stand alone (arm names, whole
    sections), without ``name=`` before them.
    """

    name: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    named: bool = False

    def part(self, point: int) -> str:
        """This factor's piece of a point's label."""
        label = self.labels[point]
        return label if self.named else f"{self.name}={label}"


class Sweep(Frozen):
    """Points to run, as the cartesian product of up to four parts.

    ``arms``: named alternatives, each setting some keys (:class:`Arm`); ``grid``:
    every combination of the listed values; ``zip``: lists of equal length taken
    together (point i uses the i-th value of each); ``sample``: points drawn from
    ranges. A part that is absent contributes one empty point. Points run in the
    order arms, then grid, then zip, then sample (the first part varies slowest).
    """

    arms: list[Arm] = []
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    zip: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    sample: SampleSweep | None = None

    @model_validator(mode="after")
    def _zip_lengths(self):
        lengths = {key: len(values) for key, values in self.zip.items()}
        if len(set(lengths.values())) > 1:
            raise KeyedError("zip", lengths, "lists of the same length")
        names = [arm.name for arm in self.arms]
        repeated_names = sorted({name for name in names if names.count(name) > 1})
        if repeated_names:
            raise KeyedError("arms", repeated_names, "arms with different names")
        for arm in self.arms:
            for key in arm.set:
                if not key or any(not part for part in key.split(".")):
                    raise KeyedError(f"arms.{arm.name}.set", key, "dotted keys, e.g. network.p")
        arm_keys = set(self.arm_keys())
        repeated = (set(self.grid) & set(self.zip)) | (arm_keys & (set(self.grid) | set(self.zip)))
        if self.sample is not None:
            repeated |= (set(self.grid) | set(self.zip) | arm_keys) & set(self.sample.ranges)
        if repeated:
            raise KeyedError("", sorted(repeated), "each key in one part of the sweep only")
        parts = [("grid", self.grid), ("zip", self.zip),
                 ("sample.ranges", self.sample.ranges if self.sample else {})]
        parts += [(f"arms.{arm.name}.set", arm.set) for arm in self.arms]
        for part, keys in parts:
            for key in keys:
                if key.split(".")[0] in UNSWEPT_KEYS:
                    raise KeyedError(f"{part}.{key}", None, "a key of a run, not "
                                     + UNSWEPT_KEYS[key.split(".")[0]])
        n_points = self.n_points()
        if n_points > MAX_POINTS:
            raise KeyedError("", f"{n_points:,} points",
                             f"at most {MAX_POINTS:,} points (fewer values, or a sample)")
        return self

    def n_points(self) -> int:
        """How many points the sweep has, counted without listing them."""
        n_grid = 1
        for values in self.grid.values():
            n_grid *= len(values)
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        n_sample = self.sample.n if self.sample is not None else 1
        return (len(self.arms) or 1) * n_grid * n_zip * n_sample

    def arm_keys(self) -> list[str]:
        """The keys any arm sets, in the order they first appear."""
        return list(dict.fromkeys(key for arm in self.arms for key in arm.set))

    def keys(self) -> list[str]:
        """The swept keys, in column order."""
        sampled = list(self.sample.ranges) if self.sample is not None else []
        return [*self.arm_keys(), *self.grid, *self.zip, *sampled]

    def _combinations(self, default_seed: int) -> list[tuple[int, int, int, int]]:
        """Each point as (arm, grid combination, zip row, sample) indices."""
        n_arms = len(self.arms) or 1
        n_grid = int(np.prod([len(values) for values in self.grid.values()], dtype=np.int64))
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        n_sample = self.sample.n if self.sample is not None else 1
        return list(itertools.product(range(n_arms), range(n_grid), range(n_zip),
                                      range(n_sample)))

    def point_parts(self, default_seed: int = 0) -> list[tuple[dict[str, Any], dict[str, str]]]:
        """Each point's values, with the part of the sweep that set each key
        (``sweep.grid``, ``sweep.arms.<name>.set``...), for error messages."""
        grid = [
            dict(zip(self.grid, combo, strict=True))
            for combo in itertools.product(*self.grid.values())
        ]
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        zipped = [{key: values[i] for key, values in self.zip.items()} for i in range(n_zip)]
        sampled = self.sample.draw(default_seed) if self.sample is not None else [{}]
        parts = {**dict.fromkeys(self.grid, "sweep.grid"), **dict.fromkeys(self.zip, "sweep.zip")}
        if self.sample is not None:
            parts.update(dict.fromkeys(self.sample.ranges, "sweep.sample.ranges"))
        out = []
        for arm, g, z, s in self._combinations(default_seed):
            values = dict(self.arms[arm].set) if self.arms else {}
            where = dict.fromkeys(values, f"sweep.arms.{self.arms[arm].name}.set") if values else {}
            values.update({**grid[g], **zipped[z], **sampled[s]})
            where.update({key: parts[key] for key in values if key in parts})
            out.append((values, where))
        return out

    def points(self, default_seed: int = 0) -> list[dict[str, Any]]:
        """The override dictionaries, one per point, in a stable order (an arm's
        point holds the keys that arm sets)."""
        return [values for values, _ in self.point_parts(default_seed)]

    def factors(self, default_seed: int = 0) -> list[Factor]:
        """What the sweep varies, one :class:`Factor` per arm set, grid key, zip and
        sampled key, each with its label at every point.

        Examples
        --------
        >>> sweep = Sweep(arms=[{"name": "hubs", "set": {"messages.a.seeding.strategy":
        ...                                             "top_degree"}},
        ...                     {"name": "random people"}],
        ...               grid={"messages.a.rule.p": [0.1, 0.2]})
        >>> [(f.name, f.labels) for f in sweep.factors()]  # doctest: +NORMALIZE_WHITESPACE
        [('arm', ('hubs', 'hubs', 'random people', 'random people')),
         ('p', ('0.1', '0.2', '0.1', '0.2'))]
        """
        combos = self._combinations(default_seed)
        points = self.points(default_seed)
        names = short_key_names(self.keys())
        factors = []
        if self.arms:
            factors.append(Factor("arm", tuple(self.arm_keys()),
                                  tuple(self.arms[arm].name for arm, *_ in combos), named=True))
        for key in self.grid:
            labels = dict(zip(map(_identity, self.grid[key]), value_labels(self.grid[key]),
                              strict=True))
            factors.append(Factor(names[key], (key,),
                                  tuple(labels[_identity(point[key])] for point in points),
                                  named=as_mapping(self.grid[key][0]) is not None))
        if self.zip:
            # keys taken together: one factor, labelled by the keys whose values vary
            columns = {key: value_labels(values) for key, values in self.zip.items()}
            varying = [key for key in self.zip if len(set(columns[key])) > 1] or list(self.zip)
            rows = [", ".join(columns[key][z] if as_mapping(self.zip[key][0]) is not None
                              else f"{names[key]}={columns[key][z]}" for key in varying)
                    for _, _, z, _ in combos]
            factors.append(Factor(" & ".join(names[key] for key in self.zip), tuple(self.zip),
                                  tuple(rows), named=True))
        if self.sample is not None:
            for key in self.sample.ranges:
                factors.append(Factor(names[key], (key,),
                                      tuple(format_value(point[key]) for point in points)))
        return factors

    def labels(self, default_seed: int = 0) -> list[str]:
        """Each point's name: its arm's name and the other factors' values, only those
        that vary from point to point (``hubs, p=0.1``).

        Examples
        --------
        >>> Sweep(grid={"network.p": [0.0, 0.1], "network.k": [4]}).labels()
        ['p=0', 'p=0.1']
        >>> Sweep(grid={"network": [{"model": "complete", "n": 5},
        ...                         {"model": "complete", "n": 9}]}).labels()
        ['complete n=5', 'complete n=9']
        """
        factors = self.factors(default_seed)
        varying = [f for f in factors if len(set(f.labels)) > 1] or factors
        n_points = len(self._combinations(default_seed))
        return [", ".join(f.part(point) for f in varying) or "all runs"
                for point in range(n_points)]


def _identity(value: Any) -> str:
    """A hashable stand-in for a value of any type (lists and sections included)."""
    return json.dumps(value, sort_keys=True, default=str)
