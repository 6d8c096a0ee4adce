"""Independent cascade against percolation theory.

With a single probability p, the independent cascade is bond percolation: the
people a seed eventually convinces are its cluster in the graph of "live" ties (each
kept with probability p). On an Erdos-Renyi graph with mean degree c the live
graph is again Erdos-Renyi with mean degree c p (Newman, "Networks", 2nd ed.,
sections 11.5 and 16.2; Newman, Strogatz and Watts, Phys. Rev. E 64, 026118, 2001):

- above the threshold c p > 1 a cascade is large with probability S and then
  convinces a fraction S of everyone, where S = 1 - exp(-c p S);
- below it cascades stay small: the expected number of adopters from one seed is
  the mean total progeny of a Poisson(c p) branching process, 1 / (1 - c p).

Tolerances are four standard errors of the replication mean, plus an allowance
for finite-size corrections of order 1/sqrt(n) where the theory is asymptotic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.network.generators import erdos_renyi
from sim.randomness import RunStreams
from sim.rules import IndependentCascadeRule

N_NODES = 20_000
MEAN_DEGREE = 4.0
N_CASCADES = 300


def giant_fraction(mean_live_degree: float) -> float:
    """The positive root of S = 1 - exp(-c S), for c > 1."""
    return brentq(lambda s: s - 1.0 + np.exp(-mean_live_degree * s), 1e-9, 1.0)


def cascades(p_share: float, graph_seed: int = 11) -> np.ndarray:
    """Final adopters of N_CASCADES single-seed cascades on one Erdos-Renyi graph."""
    graph = erdos_renyi(N_NODES, MEAN_DEGREE / (N_NODES - 1), rng=np.random.default_rng(graph_seed))
    rng = np.random.default_rng(graph_seed + 1)
    seeds = rng.integers(0, N_NODES, size=(N_CASCADES, 1)).astype(np.int32)
    keys = np.array(
        [RunStreams(graph_seed, r).coin_key("ic") for r in range(N_CASCADES)], dtype=np.uint64
    )
    sizes = IndependentCascadeRule(p_share).final_sizes((graph.indptr, graph.indices), seeds, keys)
    return sizes[:, 1]


@pytest.mark.parametrize("p_share", [0.35, 0.5, 0.75])
def test_large_cascades_match_the_giant_component(p_share):
    expected = giant_fraction(MEAN_DEGREE * p_share)
    adopters = cascades(p_share)
    large = adopters[adopters > 0.25 * expected * N_NODES] / N_NODES
    # a cascade is large with probability S (a binomial proportion)
    share_large = large.size / adopters.size
    se_share = np.sqrt(expected * (1 - expected) / adopters.size)
    assert abs(share_large - expected) < 4 * se_share
    # and then it convinces a fraction S of everyone
    se_size = large.std(ddof=1) / np.sqrt(large.size)
    finite_size = 1.0 / np.sqrt(N_NODES)
    assert abs(large.mean() - expected) < 4 * se_size + finite_size, (large.mean(), expected)
    # no cascade of intermediate size: the two regimes are separated
    small = adopters[adopters <= 0.25 * expected * N_NODES]
    assert small.size == 0 or small.max() < 0.01 * N_NODES


@pytest.mark.parametrize("p_share", [0.1, 0.15, 0.2])
def test_cascades_stay_small_below_the_threshold(p_share):
    live_degree = MEAN_DEGREE * p_share
    adopters = cascades(p_share)
    expected_mean = 1.0 / (1.0 - live_degree)
    se = adopters.std(ddof=1) / np.sqrt(adopters.size)
    assert abs(adopters.mean() - expected_mean) < 4 * se, (adopters.mean(), expected_mean)
    assert adopters.max() < 0.01 * N_NODES


def test_reach_grows_with_p_and_everyone_hears_at_p_one():
    results = [cascades(p) for p in (0.3, 0.6, 1.0)]
    means = [adopters.mean() for adopters in results]
    assert means[0] < means[1] < means[2]
    # at p = 1 a seed convinces its whole component; the giant one holds S(c) of people
    assert abs(results[2].max() / N_NODES - giant_fraction(MEAN_DEGREE)) < 0.02
