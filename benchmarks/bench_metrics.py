"""Issue 12, target 4: the cascade metrics' share of the kernel's time, standard batch.

Run from the project root::

    python benchmarks/bench_metrics.py [--rounds 5]

The standard batch: 200 replications of an independent cascade (p = 0.2, 10 random
seeds) on one Watts-Strogatz network (n = 10^5, k = 10, rewiring 0.1), run together
by :func:`sim.batch.multirep.independent_cascades` on 2 threads, as ``buzz run``
runs them. Four ways, alternating round by round (medians of the rounds):

- ``kernel``: counts per step only (nothing the metrics need);
- ``record``: and every replication's states recorded (``record_states``);
- ``record + measure``: and :func:`sim.measures.cascade.cascade_metrics` of each
  (the batch's way before the kernel logged its tellings);
- ``log + shape``: the tellings logged and the shape read from the log (``shape``;
  the batch's way now).

The metrics' share is what a way adds to ``kernel``, over ``kernel``, in wall time and
in CPU time of the process (steadier when other work shares the machine); the earlier
sessions' figure, measuring over the recording kernel, is shown too. The report goes
to stdout and ``benchmarks/out/metrics.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.reporting import machine, median, write_report  # noqa: E402
from sim.batch.experiment import expand_runs, graph_for  # noqa: E402
from sim.batch.multirep import independent_cascades  # noqa: E402
from sim.config import scenario_from_dict  # noqa: E402
from sim.measures.cascade import cascade_metrics  # noqa: E402
from sim.simulation import Simulation  # noqa: E402

STANDARD = {
    "name": "standard-batch", "seed": 2026, "steps": 1000, "replications": 200,
    "network": {"model": "watts_strogatz", "n": 100_000, "k": 10, "p": 0.1, "fixed": True},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                  "seeding": {"strategy": "random", "count": 10, "step": 0}}],
}
WAYS = {
    "kernel": {},
    "record": {"record_states": True},
    "record + measure": {"record_states": True, "measure": cascade_metrics},
    "log + shape": {"shape": True},
}
THREADS = 2


def standard_batch():
    """The graph, seeds and coin keys of the standard batch's 200 replications."""
    scenario = scenario_from_dict(STANDARD)
    specs = expand_runs(scenario)
    graph = graph_for(specs[0])
    tracks = [Simulation(scenario, replication=spec.replication, graph=graph).tracks[0]
              for spec in specs]
    return scenario, graph, [t.seeds for t in tracks], [t.key for t in tracks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scenario, graph, seeds, keys = standard_batch()
    p, steps, n_runs = scenario.messages[0].rule.p, scenario.steps, len(keys)

    def run(way: str):
        return independent_cascades(graph, p, seeds, keys, steps, threads=THREADS,
                                    **WAYS[way])

    for way in WAYS:  # compile and warm up
        independent_cascades(graph, p, seeds[:4], keys[:4], steps, threads=THREADS,
                             **WAYS[way])
    ms: dict[str, list[float]] = {way: [] for way in WAYS}
    cpu: dict[str, list[float]] = {way: [] for way in WAYS}
    for round_ in range(args.rounds):
        order = list(WAYS) if round_ % 2 == 0 else list(WAYS)[::-1]
        for way in order:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = run(way)
            ms[way].append((time.perf_counter() - started) * 1e3 / n_runs)
            cpu[way].append((time.process_time() - started_cpu) * 1e3 / n_runs)
            if way == "log + shape":
                shaped = result.measured
            elif way == "record + measure":
                measured = result.measured
            del result
    assert shaped == measured or all(  # the same metrics, NaN where NaN
        a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k])
                                     for k in a)
        for a, b in zip(shaped, measured, strict=True))
    kernel, kernel_cpu = median(ms["kernel"]), median(cpu["kernel"])
    recorded = median(ms["record"])
    rows = []
    for way in WAYS:
        share = (median(ms[way]) - kernel) / kernel
        share_cpu = (median(cpu[way]) - kernel_cpu) / kernel_cpu
        rows.append(f"| {way} | {median(ms[way]):.2f} | "
                    + " ".join(f"{x:.2f}" for x in ms[way])
                    + f" | {'' if way == 'kernel' else f'{100 * share:.0f}%'} "
                    + f"| {median(cpu[way]):.2f} "
                    + f"| {'' if way == 'kernel' else f'{100 * share_cpu:.0f}%'} |")
    old_share = (median(ms["record + measure"]) - recorded) / recorded
    text = "\n".join([
        "# Target 4: cascade metrics against the kernel (standard batch)",
        "",
        machine(["numpy", "numba"]),
        f"- `python benchmarks/bench_metrics.py --rounds {args.rounds}`: {n_runs} replications, "
        f"{THREADS} threads, rounds alternating; ms a run",
        "",
        "| way | ms a run (median) | per round | added to the kernel, over the kernel "
        "| CPU ms a run (both threads) | added, CPU |",
        "|---|---:|---|---:|---:|---:|",
        *rows,
        "",
        f"Metrics over the kernel that records (the earlier sessions' figure): "
        f"{100 * old_share:.0f}% before (record + measure against record). "
        f"Now the metrics add **{100 * (median(ms['log + shape']) - kernel) / kernel:.0f}%** "
        f"to the kernel (log + shape against kernel), "
        f"against {100 * (median(ms['record + measure']) - kernel) / kernel:.0f}% before.",
        "",
    ])
    write_report("metrics.md", text)
    print(text)


if __name__ == "__main__":
    main()
