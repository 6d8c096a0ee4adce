"""One simulation of a fit: the scenario with a parameter vector set, run by buzz's own
model (the same kernels as ``buzz run``), summarised as the observed data are.

**Randomness.** A simulation's runs take their randomness from the scenario's seed and
a replication number derived from the fit's seed, the parameter values (their exact
64-bit floats) and the run's index: the same values give the same simulation in any
process, on any executor, and different values get independent draws (a fit must not
reuse one realisation of the noise for every candidate, or its posterior would be
too narrow). The network is drawn again for each replication unless the scenario
shares it across replications.

**Summaries.** Adoption curves are compared step by step: the mean over observed
cascades of each count at each observed step (``--step-duration`` scenario steps per
data step), against the mean over as many simulated runs. Final sizes are compared
by their mean and their 10th, 25th, 50th, 75th and 90th percentiles, per message and
count, against as many simulated runs as the most cascades observed of a message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.batch.experiment import RunSpec, graph_for
from sim.config import Scenario, with_values
from sim.errors import InputError
from sim.fit.observed import Observed
from sim.fit.params import FitParam
from sim.simulation import Simulation

SIZE_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
SIZE_COLUMN = {"reach": "heard", "adopters": "adopters"}  # final size -> its curve


def replication_for(seed: int, values: tuple[float, ...], run: int) -> int:
    """The replication number (63 bits) of run ``run`` of the simulation at ``values``.

    Examples
    --------
    >>> replication_for(1, (0.2,), 0) == replication_for(1, (0.2,), 0)
    True
    >>> len({replication_for(1, (0.2,), 0), replication_for(1, (0.2,), 1),
    ...      replication_for(2, (0.2,), 0), replication_for(1, (0.2000001,), 0)})
    4
    """
    digest = hashlib.sha256(np.asarray([seed, run], dtype=np.int64).tobytes()
                            + np.asarray(values, dtype=np.float64).tobytes()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


@dataclass(frozen=True)
class Simulator:
    """Simulate the scenario at parameter values and summarise it as the data.

    Picklable: pyabc's samplers send it to worker processes and Dask workers.

    Examples
    --------
    >>> import pandas as pd
    >>> from sim.config import scenario_from_dict
    >>> from sim.fit.observed import Observed
    >>> from sim.fit.params import FitParam
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3, "steps": 10,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.2},
    ...                   "seeding": {"strategy": "random", "count": 3}}]})
    >>> table = pd.DataFrame({"message": "a", "cascade": 0, "step": [0, 5], "heard": [3, 40]})
    >>> simulator = Simulator(scenario, (FitParam("messages.a.rule.p", 0.0, 1.0),),
    ...                       Observed("x.csv", "curves", ("heard",), table), seed=1)
    >>> stats = simulator.summary(simulator.curves((0.3,)))
    >>> len(stats), float(stats[0])
    (2, 3.0)
    """

    scenario: Scenario
    params: tuple[FitParam, ...]
    observed: Observed
    seed: int
    step_duration: float = 1.0
    _layout: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """pyabc's names of the parameters (dotted keys are not safe names there)."""
        return [f"theta{index}" for index in range(len(self.params))]

    @property
    def messages(self) -> list[str]:
        return [message.name for message in self.scenario.messages]

    @cached_property  # read by every simulation; counting the cascades costs ~3 ms
    def n_runs(self) -> int:
        """Runs per simulation: one per observed cascade."""
        return self.observed.n_cascades

    @cached_property
    def last_step(self) -> int:
        """The last scenario step the data need."""
        if self.observed.form != "curves":
            return self.scenario.steps
        return round(float(self.observed.table["step"].max()) * self.step_duration)

    def values(self, sampled: dict) -> tuple[float | int, ...]:
        """The keys' values at pyabc's parameter point."""
        return tuple(param.value(sampled[name])
                     for param, name in zip(self.params, self.names, strict=True))

    def __call__(self, sampled: dict) -> dict:
        """pyabc's model: the summary statistics at a parameter point, as a mapping."""
        stats = self.summary(self.curves(self.values(sampled)))
        return {f"s{index}": float(value) for index, value in enumerate(stats)}

    def curves(self, values: tuple, runs: int | None = None, salt: int = 0) -> np.ndarray:
        """Cumulative counts of every run, message and count up to :attr:`last_step`:
        an array ``(runs, messages, 2, steps + 1)``, heard then adopters; a run that
        stopped early keeps its last counts. ``salt`` gives another set of runs at the
        same values (posterior predictive draws)."""
        scenario = with_values(self.scenario, dict(zip(
            (param.key for param in self.params), values, strict=True)), "--param")
        n_steps = max(self.last_step, 0) + 1
        runs = runs or self.n_runs
        out = np.empty((runs, len(self.messages), 2, n_steps), dtype=np.float64)
        floats = tuple(float(value) for value in values)
        for run in range(runs):
            replication = replication_for(self.seed + salt, floats, run)
            spec = RunSpec(run, 0, replication, {}, scenario)
            model = Simulation(scenario, replication=replication, graph=graph_for(spec))
            model.run()
            for index, track in enumerate(model.tracks):
                heard, adopters, _ = track.cumulative(model.t)
                for which, curve in enumerate((heard, adopters)):
                    shown = curve[:n_steps]
                    out[run, index, which, : shown.size] = shown
                    out[run, index, which, shown.size:] = shown[-1]
        return out

    def summary(self, curves: np.ndarray) -> np.ndarray:
        """The summary statistics of simulated curves, in the order of
        :meth:`observed_summary`."""
        layout = self._get_layout()
        if self.observed.form == "curves":
            picked = curves[layout["cascade"], layout["message"], layout["count"],
                            layout["step"]]
            return np.bincount(layout["group"], picked) / layout["group_size"]
        finals = curves[..., -1]  # (runs, messages, 2)
        out = []
        for message, count, n in layout["sizes"]:
            sizes = finals[:n, message, count]
            out.extend([sizes.mean(), *np.quantile(sizes, SIZE_QUANTILES)])
        return np.asarray(out)

    def observed_summary(self) -> np.ndarray:
        """The same statistics of the observed table."""
        layout = self._get_layout()
        table = self.observed.table
        if self.observed.form == "curves":
            values = table[list(self.observed.counts)].to_numpy(dtype=np.float64)
            picked = values.ravel()  # row by row, counts in order: the layout's order
            return np.bincount(layout["group"], picked) / layout["group_size"]
        out = []
        for message, count, _ in layout["sizes"]:
            column = "reach" if count == 0 else "adopters"
            sizes = table.loc[table["message"] == self.messages[message], column].to_numpy(float)
            out.extend([sizes.mean(), *np.quantile(sizes, SIZE_QUANTILES)])
        return np.asarray(out)

    def statistic_names(self) -> list[str]:
        """Each summary statistic in words (for the figures and fit.json)."""
        layout = self._get_layout()
        if self.observed.form == "curves":
            return layout["names"]
        words = ["mean", *(f"{round(q * 100)}th percentile" for q in SIZE_QUANTILES)]
        return [f"{self.messages[message]}: {('reach', 'adopters')[count]} {word}"
                for message, count, _ in layout["sizes"] for word in words]

    def _get_layout(self) -> dict:
        """Where each observed value sits in the simulated curves (computed once)."""
        if self._layout:
            return self._layout
        table = self.observed.table
        message = table["message"].map({name: i for i, name in enumerate(self.messages)})
        if self.observed.form == "curves":
            counts = list(self.observed.counts)
            which = {"heard": 0, "adopters": 1}
            rows = np.repeat(np.arange(len(table)), len(counts))
            count_index = np.tile([which[c] for c in counts], len(table))
            steps = np.rint(table["step"].to_numpy() * self.step_duration).astype(np.int64)
            keys = np.stack([message.to_numpy()[rows], count_index, steps[rows]], axis=1)
            unique, group = np.unique(keys, axis=0, return_inverse=True)
            self._layout.update(
                cascade=table["cascade"].to_numpy()[rows], message=message.to_numpy()[rows],
                count=count_index, step=steps[rows], group=group.ravel(),
                group_size=np.bincount(group.ravel()),
                names=[f"{self.messages[m]}: {('heard', 'adopters')[c]} by step {s}"
                       for m, c, s in unique],
            )
        else:
            sizes = []
            for index, name in enumerate(self.messages):
                n = int((table["message"] == name).sum())
                if n:
                    for column in self.observed.counts:
                        sizes.append((index, 0 if column == "reach" else 1, n))
            self._layout["sizes"] = sizes
        return self._layout

    def check(self, n_nodes: int) -> None:
        """Refuse data the scenario cannot produce: more people than it has, or steps
        beyond its last."""
        source = self.observed.source
        if self.last_step > self.scenario.steps:
            raise InputError(source, "step", int(self.observed.table["step"].max()),
                             f"at most {self.scenario.steps / self.step_duration:g} (the "
                             f"scenario's steps = {self.scenario.steps} divided by the step "
                             "duration): raise steps with --set steps=N")
        for column in self.observed.counts:
            largest = int(self.observed.table[column].max())
            if largest > n_nodes:
                raise InputError(source, column, largest,
                                 f"at most {n_nodes} (the people in the scenario's network)")
