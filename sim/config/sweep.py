"""Sweeps: the points a batch runs (grid, zip and sampled ranges)."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, NonNegativeInt, model_validator

from sim.randomness import SWEEP as SWEEP_STREAM
from sim.schema import Frozen, KeyedError


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
    seed: NonNegativeInt | None = None

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


class Sweep(Frozen):
    """Points to run, as the cartesian product of up to three parts.

    ``grid``: every combination of the listed values; ``zip``: lists of equal
    length taken together (point i uses the i-th value of each); ``sample``: points
    drawn from ranges. A part that is absent contributes one empty point.
    """

    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    zip: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    sample: SampleSweep | None = None

    @model_validator(mode="after")
    def _zip_lengths(self):
        lengths = {key: len(values) for key, values in self.zip.items()}
        if len(set(lengths.values())) > 1:
            raise KeyedError("zip", lengths, "lists of the same length")
        repeated = set(self.grid) & set(self.zip)
        if self.sample is not None:
            repeated |= (set(self.grid) | set(self.zip)) & set(self.sample.ranges)
        if repeated:
            raise KeyedError("", sorted(repeated), "each key in one part of the sweep only")
        return self

    def keys(self) -> list[str]:
        """The swept keys, in column order."""
        sampled = list(self.sample.ranges) if self.sample is not None else []
        return [*self.grid, *self.zip, *sampled]

    def points(self, default_seed: int = 0) -> list[dict[str, Any]]:
        """The override dictionaries, one per point, in a stable order."""
        grid_keys = list(self.grid)
        grid = [
            dict(zip(grid_keys, combo, strict=True))
            for combo in itertools.product(*self.grid.values())
        ]
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        zipped = [{key: values[i] for key, values in self.zip.items()} for i in range(n_zip)]
        sampled = self.sample.draw(default_seed) if self.sample is not None else [{}]
        return [{**a, **b, **c} for a in grid for b in zipped for c in sampled]
