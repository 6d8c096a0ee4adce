"""Counter-based coins: the randomness every kernel draws.

The coin for the pair ``(u, v)`` is a hash of the run's 64-bit key and the pair
(SplitMix64, Steele, Lea and Flood 2014). An outcome does not depend on the order in
which sharers or edges are visited, on threads or on the executor; two strategies run
in the same replication see the same coins (common random numbers); and nothing must
be reset between cascades. The per-agent reference (:mod:`sim.reference`) has its own
plain-Python copy of the hash and shares only this definition with the kernels.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11, _S32 = (np.uint64(s) for s in (30, 27, 31, 11, 32))
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always")
def finalize(z):
    """SplitMix64's output function: a bijection on 64 bits with full avalanche."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(inline="always")
def pair_bits(key, u, v):
    """53 random bits for the ordered pair ``(u, v)`` under ``key``: the top bits of
    the ``(u << 32 | v)``-th output of a SplitMix64 stream started at ``key``."""
    counter = (np.uint64(u) << _S32) | np.uint64(v)
    return finalize(key + counter * GOLDEN) >> _S11


@njit(inline="always")
def pair_uniform(key, u, v):
    """Uniform in [0, 1) for the pair ``(u, v)``: ``pair_bits * 2**-53``."""
    return np.float64(pair_bits(key, u, v)) * _UNIT


@njit(inline="always")
def chance_bits(probability):
    """Integer form of a probability: ``uniform < p`` exactly when
    ``bits < ceil(p * 2**53)``, with no float work per edge."""
    return np.uint64(np.ceil(probability * 9007199254740992.0))


@njit(inline="always")
def hits(key, first, second, probability):
    """Whether the pair coin of ``(first, second)`` under ``key`` falls below
    ``probability`` (no coin is drawn when it is 1)."""
    return probability >= 1.0 or pair_bits(key, first, second) < chance_bits(probability)


@njit(cache=True)
def pair_uniforms(key, us, vs):
    """Vectorised :func:`pair_uniform`, for tests and benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> draws = pair_uniforms(np.uint64(7), np.array([1, 2]), np.array([2, 1]))
    >>> bool(((0 <= draws) & (draws < 1)).all() and draws[0] != draws[1])
    True
    """
    out = np.empty(us.size, dtype=np.float64)
    for i in range(us.size):
        out[i] = pair_uniform(np.uint64(key), us[i], vs[i])
    return out
