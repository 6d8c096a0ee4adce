"""The Mesa model at scale: BuzzModel for 10^6 people, built and stepped.

Run from the project root::

    python benchmarks/bench_model.py [--n 1000000] [--repeats 3]

One Watts-Strogatz network (k = 10, rewiring 0.1) is built once; then, ``repeats``
times, alternating, on that same network and the same replication:

- ``BuzzModel(scenario, graph=g, create_agents=False)`` (what batches use), stepped
  with ``model.step()`` until nothing can change;
- the same with ``create_agents=True`` (one Mesa ``Person`` per person, a view over
  the state arrays: what Mesa tools and the Solara page need), stepped alike;
- ``BuzzModel(..., create_agents=False).run()``: every step in one kernel call, the
  raw kernel's cost of the same cascade.

A step is a loop over the messages calling the rule's kernel; no Python work is
done per person, so a step with a million agents costs what it costs without them.
The report gives the build times, the median time per step and the total of the
steps next to ``run()``; it goes to stdout and ``benchmarks/out/model.md``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"
try:
    import sim  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(ROOT))

from sim.config import scenario_from_dict  # noqa: E402
from sim.model import BuzzModel  # noqa: E402
from sim.network.generators import watts_strogatz  # noqa: E402

SEED = 3


def scenario(n: int):
    return scenario_from_dict({
        "name": "model-scale", "seed": SEED, "steps": 1000,
        "network": {"model": "watts_strogatz", "n": n, "k": 10, "p": 0.1},
        "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                      "seeding": {"strategy": "random", "count": 10}}],
    })


def stepped(spec, graph, agents: bool) -> dict:
    start = time.perf_counter()
    model = BuzzModel(spec, graph=graph, create_agents=agents)
    build = time.perf_counter() - start
    times = []
    while model.running:
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return {"build": build, "steps": len(times), "median_step": statistics.median(times),
            "total": sum(times), "reach": model.count("heard"), "agents": len(model.people),
            "agent_count": len(model.agents)}


def whole(spec, graph) -> dict:
    start = time.perf_counter()
    model = BuzzModel(spec, graph=graph, create_agents=False)
    build = time.perf_counter() - start
    start = time.perf_counter()
    model.run()
    total = time.perf_counter() - start
    return {"build": build, "steps": model.t, "total": total, "reach": model.count("heard")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    spec = scenario(args.n)
    small = scenario(2000)
    warm = BuzzModel(small, create_agents=True)  # compile or load the kernels
    while warm.running:
        warm.step()
    graph = watts_strogatz(args.n, 10, 0.1, rng=np.random.default_rng(SEED))
    rows: dict[str, list[dict]] = {"no agents": [], "agents": [], "run()": []}
    for _ in range(args.repeats):
        rows["no agents"].append(stepped(spec, graph, agents=False))
        gc.collect()
        rows["agents"].append(stepped(spec, graph, agents=True))
        gc.collect()
        rows["run()"].append(whole(spec, graph))
        gc.collect()
    reaches = {r["reach"] for group in rows.values() for r in group}
    assert len(reaches) == 1, f"the three paths disagree: {reaches}"
    med = {name: {key: statistics.median(r[key] for r in group) for key in group[0]}
           for name, group in rows.items()}
    raw_per_step = med["run()"]["total"] / med["run()"]["steps"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    lines = [
        f"# BuzzModel at n = {args.n:,} (WS k = 10, IC p = 0.2, 10 seeds)",
        "",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}; medians of "
        f"{args.repeats} alternating repeats; peak RSS of the process {peak:.2f} GiB",
        "- Rerun: `python benchmarks/bench_model.py`",
        f"- The cascade: reach {reaches.pop():,} in {med['run()']['steps']:.0f} steps "
        "(the same in every path)",
        "",
        "| path | build s | Person agents | median step ms | mean step ms | steps total s | "
        "per step vs raw kernel |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("no agents", "agents"):
        m = med[name]
        lines.append(
            f"| `create_agents={name == 'agents'}`, `step()` | {m['build']:.2f} | "
            f"{m['agents']:,.0f} | {1e3 * m['median_step']:.2f} | "
            f"{1e3 * m['total'] / m['steps']:.2f} | {m['total']:.2f} | "
            f"{m['total'] / m['steps'] / raw_per_step:.2f}x |")
    m = med["run()"]
    lines.append(f"| raw kernel: `run()`, one call | {m['build']:.2f} | 0 | - | "
                 f"{1e3 * raw_per_step:.2f} | {m['total']:.2f} | 1.00x |")
    text = "\n".join(lines) + "\n"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "model.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
