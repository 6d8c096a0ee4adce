"""``buzz fit`` is calibrated: the fast version of ``benchmarks/fit_coverage.py``.

Twenty data sets are simulated at truths drawn from the prior and fitted back with
small fits (:mod:`sim.fit.coverage`, the benchmark's own code). A calibrated 90%
interval covers its truth 90% of the time, so the number covered is binomial(20, 0.9)
and the test's lower bound is that distribution's 1% quantile: a calibrated fitter fails
it with probability P(X < bound) = 0.24%, one covering 50% passes it with probability
5.8%. Intervals can always cover by being as wide as the prior: the median interval
must also be well inside the prior. Everything is seeded, so the outcome is fixed; the
bounds say how surprising a failure after a change would be.
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import binom

from sim.fit.coverage import Setting, coverage_summary, fit_synthetic
from sim.fit.params import FitParam

FITS = 20
LEVEL = 0.9
FEWEST_COVERED = int(binom.ppf(0.01, FITS, LEVEL))  # 14: P(fewer | calibrated) = 0.24%
WIDEST_SHARE = 0.5  # the median interval's width over the prior's (log10 scale)

# Bass with only the ads' pull unknown, on a complete graph: the fastest setting whose
# curve pins its key (a simulation takes about 1 ms; each fit about 0.7 s, most of it
# pyabc's bookkeeping)
BASS_ADS = Setting(
    "bass_ads",
    {"network": {"model": "complete", "n": 200}, "steps": 12, "messages": [{
        "name": "m", "rule": {"model": "bass", "p_external": 0.01, "q": 0.3},
        "seeding": {"count": 0}}]},
    (FitParam("messages.m.rule.p_external", 0.002, 0.05, log=True),),
    tuple(range(0, 13, 2)), ("adopters",),
)


def test_ninety_percent_intervals_cover_the_truth_about_ninety_percent_of_the_time():
    assert FEWEST_COVERED == 14 and binom.cdf(FEWEST_COVERED - 1, FITS, LEVEL) < 0.01
    rows = pd.DataFrame([row for index in range(FITS)
                         for row in fit_synthetic(BASS_ADS, index, root=18, population=20,
                                                  generations=2)])
    [summary] = coverage_summary(rows).to_dict("records")
    assert summary["fits"] == FITS
    assert summary["covered"] >= FEWEST_COVERED, rows
    assert summary["median_width_share"] < WIDEST_SHARE, rows
    # the estimate follows the truth across the prior's range (a factor of 25)
    assert rows["truth"].max() / rows["truth"].min() > 5
    assert (rows["estimate"] / rows["truth"]).between(0.5, 2).mean() >= 0.9, rows
