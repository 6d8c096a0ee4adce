"""Values drawn from the distributions scenario files name: people's attributes and
ties' weights.

Examples
--------
>>> import numpy as np
>>> from sim.config.people import UniformDraw
>>> draws = draw_values(UniformDraw(distribution="uniform", low=1.0, high=3.0), 4,
...                     np.random.default_rng(0))
>>> draws.shape, bool(((1.0 <= draws) & (draws <= 3.0)).all())
((4,), True)
"""

from __future__ import annotations

import numpy as np

from sim.config.people import BetaDraw, LogNormalDraw, NormalDraw, PowerLawDraw, UniformDraw


def draw_values(value, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` values of a constant or of a distribution (uniform, beta, normal
    clipped to [low, high], lognormal, power law), drawn from ``rng``.

    Examples
    --------
    >>> draw_values(2.0, 3, np.random.default_rng(0)).tolist()
    [2.0, 2.0, 2.0]
    """
    if isinstance(value, int | float):
        return np.full(size, float(value))
    if isinstance(value, UniformDraw):
        return rng.uniform(value.low, value.high, size)
    if isinstance(value, BetaDraw):
        return rng.beta(value.a, value.b, size)
    if isinstance(value, NormalDraw):
        high = np.inf if value.high is None else value.high
        return np.clip(rng.normal(value.mean, value.sd, size), value.low, high)
    if isinstance(value, LogNormalDraw):
        return rng.lognormal(value.mu, value.sigma, size)
    if isinstance(value, PowerLawDraw):
        return power_law(value.exponent, value.low, value.high, rng.random(size))
    raise TypeError(f"not a distribution of values: {value!r}")


def power_law(exponent: float, low: float, high: float, uniform: np.ndarray) -> np.ndarray:
    """The values of density ``~ x ** -exponent`` on ``[low, high]`` at the quantiles
    ``uniform`` (inverse transform sampling).

    Examples
    --------
    >>> power_law(2.0, 0.5, 1.0, np.array([0.0, 0.5, 1.0])).round(4).tolist()
    [0.5, 0.6667, 1.0]
    """
    if abs(exponent - 1.0) < 1e-12:
        return low * (high / low) ** uniform
    rise = 1.0 - exponent
    return (low**rise + uniform * (high**rise - low**rise)) ** (1.0 / rise)
