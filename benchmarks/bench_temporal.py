"""Networks that change: the cost of drawing them and of spreading on them.

Run from the project root::

    python benchmarks/bench_temporal.py [--n 100000] [--steps 200]

Three networks of ``--n`` people over ``--steps`` steps: activity-driven contacts
(power-law activities on [0.05, 1], exponent 2.1, m = 2), the same with memory
(c = 1), and a Watts-Strogatz network (k = 10, p = 0.1) with turnover 0.01. For each:
the seconds to build it (``build_network``, after a warm-up that compiles), its
entries (contacts, or stretches a tie lasts) and the megabytes the graph holds, then
one SIS run on it (beta = 0.3, gamma = 0.2, 100 seeds; ``BuzzModel.run()``): steps,
seconds, final size. The Markdown table is printed and written to
``benchmarks/out/temporal.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.config import scenario_from_dict
from sim.model import BuzzModel
from sim.network.generators import build_network
from sim.randomness import RunStreams

ACTIVITY = {"distribution": "power_law", "exponent": 2.1, "low": 0.05}


def networks(n_people: int) -> dict[str, dict]:
    """The networks measured, by their row's name."""
    driven = {"model": "activity_driven", "n": n_people, "m": 2, "activity": ACTIVITY}
    return {
        "activity-driven, m = 2": driven,
        "activity-driven, memory c = 1": {**driven, "memory": {"c": 1.0}},
        "Watts-Strogatz k = 10, turnover 0.01": {
            "model": "watts_strogatz", "n": n_people, "k": 10, "p": 0.1,
            "turnover": {"rate": 0.01}},
    }


def measure(name: str, network: dict, n_steps: int) -> str:
    """One table row: build the network (warmed up on a small one), then run SIS."""
    scenario = scenario_from_dict({
        "name": "bench", "seed": 1, "steps": n_steps, "network": network,
        "messages": [{"name": "m", "rule": {"model": "sis", "beta": 0.3, "gamma": 0.2},
                      "seeding": {"strategy": "random", "count": 100}}]})
    small = scenario_from_dict({**scenario.model_dump(mode="json", exclude_none=True),
                                "network": {**network, "n": 200}, "steps": 5})
    BuzzModel(small, create_agents=False).run()  # compiles the generator and the rule
    started = time.perf_counter()
    graph = build_network(scenario.network, RunStreams(1, 0).network_rng(), n_steps)
    built = time.perf_counter() - started
    model = BuzzModel(scenario, graph=graph, create_agents=False)
    started = time.perf_counter()
    model.run()
    ran = time.perf_counter() - started
    final = model.count("adopters") / graph.n_nodes
    return (f"| {name} | {graph.indices.size:,} | {graph.nbytes / 1e6:.1f} | {built:.2f} "
            f"| {model.t} | {ran:.2f} | {final:.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    lines = [f"n = {args.n:,} people, {args.steps} steps; SIS beta = 0.3, gamma = 0.2.", "",
             "| network | entries | MB | build (s) | SIS steps | SIS (s) | ever shared |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, network in networks(args.n).items():
        lines.append(measure(name, network, args.steps))
        print(lines[-1], flush=True)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "temporal.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
