"""ABC-SMC with pyabc: priors, the adaptive distance and tolerance, the samplers, the
database that makes a fit resumable, and the seeding that makes it reproducible.

**Method.** Approximate Bayesian computation by sequential Monte Carlo (pyabc's
``ABCSMC``): a population of parameter points is drawn from the prior, simulated and
summarised; each next population is proposed from the last (a multivariate normal
kernel around its weighted points), and accepted when its distance to the observed
summaries is below a tolerance (epsilon) that falls each generation to the median
distance of the last (``MedianEpsilon``). The distance is a Euclidean norm whose
weights adapt each generation to the spread of every statistic (``AdaptivePNormDistance``
with the median absolute deviation, Prangle 2017), so that a count in the thousands
does not drown one in the tens. Log-uniform priors are sampled as uniform in log10.

**Database.** Every population goes to ``fit.db`` (sqlite) in the fit's folder as it
finishes; ``resume=True`` continues from the last one (``ABCSMC.load``) after Ctrl-C
or a killed machine.

**Reproducibility.** pyabc draws its proposals from numpy's legacy global random
state. buzz's own code never uses that state, so the fit borrows it: before the
calibration and before every generation ``t`` the state is set from
``SeedSequence(seed, spawn_key=(t,))``, and it is given back as it was when the fit
ends. Each simulation's own randomness comes from the seed and the parameter values
(:func:`sim.fit.simulate.replication_for`). So a fit with the ``serial`` executor is
reproducible from its seed, bit for bit. With ``processes`` or ``dask``, pyabc's
workers reseed themselves from the operating system and accept whichever
simulations finish first: each simulation is still a function of its values and the
seed, but which values are tried differs from one fit to the next (the posterior
agrees within its Monte Carlo error). A resumed fit is a valid continuation and is
itself reproducible, but it is not promised to be bit-identical to one that was never
interrupted: the interrupted generation is drawn again from its own seed, but the
distance's scales are recalibrated from the stored population (pyabc keeps no
rejected simulations) rather than from everything the generation before simulated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.fit.simulate import Simulator

DATABASE = "fit.db"
CALIBRATION = 2**31  # the key of the state the prior calibration draws from


@dataclass(frozen=True)
class Generation:
    """What one finished generation reports (the progress line and fit.json)."""

    generation: int
    epsilon: float
    acceptance_rate: float
    simulations: int  # in this generation
    total_simulations: int  # in the whole fit so far
    particles: int


@contextmanager
def borrowed_global_state() -> Iterator[None]:
    """Lend numpy's legacy global random state to pyabc and give it back afterwards,
    so that nothing outside the fit sees a difference."""
    saved = np.random.get_state()  # noqa: NPY002  (pyabc's sampling state, restored below)
    try:
        yield
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def seed_pyabc(seed: int, key: int) -> None:
    """Set the state pyabc draws proposals from, from the fit's seed and ``key``."""
    words = np.random.SeedSequence(seed, spawn_key=(key,)).generate_state(4)
    np.random.seed(words)  # noqa: NPY002  (pyabc reads only the legacy global state)


def make_sampler(executor: str, workers: int | None, scheduler: str | None):
    """pyabc's sampler for ``executor``: ``serial`` (one process), ``processes``
    (``workers`` local processes, pyabc's dynamic scheduling) or ``dask`` (the
    scheduler at ``scheduler``, or a LocalCluster on 127.0.0.1).

    Returns the sampler and a function that closes what it started.
    """
    from pyabc.sampler import (
        DaskDistributedSampler,
        MulticoreEvalParallelSampler,
        SingleCoreSampler,
    )

    from sim.batch.executors import default_workers

    if executor == "serial":
        return SingleCoreSampler(), lambda: None
    if executor == "processes":
        return MulticoreEvalParallelSampler(n_procs=workers or default_workers()), lambda: None
    if executor != "dask":
        raise InputError("buzz fit", "--executor", executor, "serial, processes or dask")
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                               processes=True, host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise InputError("buzz fit", "--scheduler", scheduler,
                             f"the address of a running Dask scheduler ({err})") from None

    def close() -> None:
        client.close()
        if cluster is not None:
            # every result is in by now; a worker slow to exit on a busy machine (its
            # interpreter unloading numba, pandas, ...) is killed after 4 s, and Dask's
            # warning about it would only alarm
            nanny = logging.getLogger("distributed.nanny")
            level = nanny.level
            nanny.setLevel(logging.ERROR)
            try:
                cluster.close()
            finally:
                nanny.setLevel(level)

    return DaskDistributedSampler(dask_client=client, batch_size=4), close


def run_abc(
    simulator: Simulator,
    folder: Path,
    *,
    population: int,
    generations: int,
    simulations: int,
    seed: int,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
):
    """Run (or continue) the ABC-SMC fit of ``simulator`` with its database in ``folder``.

    Stops after ``generations`` populations in all, or after the generation in which
    the fit's simulations reach ``simulations``, or when fewer than one in a hundred
    proposals is accepted.

    Returns
    -------
    pyabc.History
        Every population, from the database.
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress line instead
    database = folder / DATABASE
    url = f"sqlite:///{database.resolve()}"
    names = simulator.names
    prior = pyabc.Distribution(**{
        name: pyabc.RV("uniform", param.bounds[0], param.bounds[1] - param.bounds[0])
        for name, param in zip(names, simulator.params, strict=True)
    })
    observed = {f"s{index}": float(value)
                for index, value in enumerate(simulator.observed_summary())}
    sampler, close = make_sampler(executor, workers, scheduler)
    try:
        abc = pyabc.ABCSMC(
            simulator, prior, pyabc.AdaptivePNormDistance(p=2),
            population_size=population, sampler=sampler,
            eps=pyabc.MedianEpsilon(), transitions=pyabc.MultivariateNormalTransition(),
        )
        with borrowed_global_state():
            if resume:
                abc.load(url, 1)
                stored = abc.history.observed_sum_stat()
                if sorted(stored) != sorted(observed) or any(
                        not np.isclose(float(stored[k]), observed[k]) for k in observed):
                    raise InputError(str(database), "", None,
                                     "the same observed data and scenario as the fit "
                                     "being resumed (start again with --force)")
            else:
                abc.new(url, observed)
            done = abc.history.max_t + 1
            if done >= generations or abc.history.total_nr_simulations >= simulations:
                return abc.history
            seed_pyabc(seed, CALIBRATION + done)
            t = abc.initialize_components_before_run(
                minimum_epsilon=0.0, max_nr_populations=generations - done,
                min_acceptance_rate=0.01, max_total_nr_simulations=simulations,
                max_walltime=None, min_eps_diff=0.0,
            )
            while True:
                seed_pyabc(seed, t)
                before = abc.history.total_nr_simulations
                outcome = abc.run_generation(t=t)
                if on_generation is not None and outcome["successful"]:
                    total = abc.history.total_nr_simulations
                    on_generation(Generation(t, float(abc.eps(t)),
                                             float(outcome["acceptance_rate"]),
                                             total - before, total, population))
                if not outcome["successful"] or abc.check_terminate(
                        t=t, acceptance_rate=outcome["acceptance_rate"]):
                    break
                t += 1
            abc.history.done()
    finally:
        close()
    return abc.history
