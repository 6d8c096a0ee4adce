"""Independent cascade: our kernels against CyNetDiff, a BFS ceiling and the Mesa reference.

Run from the project root::

    python benchmarks/bench_ic.py [--quick]

``--quick`` runs only n = 10^4 and 10^5, skips the reference at 10^5 and measures peak
memory at 10^5 instead of 10^6. The Markdown report is printed and written to
``benchmarks/out/ic.md`` (``ic_quick.md`` with ``--quick``); progress goes to stderr.

What is measured (medians over alternating blocks, so that a busy machine slows every
contestant alike):

1. building Watts-Strogatz (k=10, p=0.1) and Barabási-Albert (m=5) graphs;
2. our independent cascade, (a) the batch kernel ``IndependentCascadeRule.final_sizes``
   and (b) the recording path a user gets, ``BuzzModel.run()``;
3. CyNetDiff's ``IndependentCascadeModel`` on the same graphs and seed nodes;
4. a plain numba breadth-first traversal, the ceiling for any cascade;
5. the per-agent Mesa reference ``sim.reference.ReferenceModel``;
6. the peak memory of ``python -m sim.cli run`` on a 10^6-person scenario.

The two implementations draw different coins, so cascade by cascade their sizes
differ; near the epidemic threshold sizes are bimodal and cascades per second swing
with luck. Adopters per second and edges examined per second (each adopter's
out-edges, which both algorithms scan exactly once) are the fair rates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import numba
import numpy as np
import pandas as pd
import yaml
from cynetdiff.models import IndependentCascadeModel

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"

try:
    import sim  # noqa: F401
except ModuleNotFoundError:  # run from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from sim.config import scenario_from_dict  # noqa: E402
from sim.model import BuzzModel  # noqa: E402
from sim.network.generators import barabasi_albert, watts_strogatz  # noqa: E402
from sim.network.graph import Graph  # noqa: E402
from sim.reference import ReferenceModel  # noqa: E402
from sim.rules import IndependentCascadeRule  # noqa: E402
from sim.rules.coins import chance_bits, pair_bits  # noqa: E402

SEED = 20_240_601
FULL_SIZES = (10**4, 10**5, 10**6)
QUICK_SIZES = (10**4, 10**5)
PROBABILITIES = (0.05, 0.2)
KINDS = ("watts_strogatz", "barabasi_albert")
N_BLOCKS = 5
BUILD_REPEATS = 3
BLOCK_SECONDS = 1.0  # the slower of ours and CyNetDiff takes about this long per block
RECORDING_SECONDS = 0.8  # construction plus run of the recording path, per block
BFS_SECONDS = 0.5
PILOT_SECONDS = 0.25
MIN_CASCADES = 4  # per block: a block of large cascades where all die early says nothing
MAX_CASCADES = 300_000  # per block
REFERENCE_MAX_CASCADES = 10
REFERENCE_SECONDS = {10**4: 15.0, 10**5: 40.0}  # cap per setting, construction included
REFERENCE_REPEATS = 5  # timings of our paths on the reference's cascades
LARGE_FRACTION = 0.01  # at p = 0.2 the reference times cascades reaching 1% of people
MEMORY_LIMIT_BYTES = 2**30
STEPS = 10_000  # upper bound on a run's steps: every cascade here ends well before


def log(message: str) -> None:
    """Progress on stderr, so that stdout carries the report alone."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(func: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call takes, and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


# ----------------------------------------------------------------------- numba helpers
@numba.njit
def _bfs_edges(indptr, indices, seeds, visited, queue):
    """Breadth-first traversals from each row of ``seeds``; total out-edges scanned.

    ``visited`` (uint8, zero on entry and on return) is reset through the queue.
    """
    total = 0
    for row in range(seeds.shape[0]):
        tail = 0
        for node in seeds[row]:
            if visited[node] == 0:
                visited[node] = 1
                queue[tail] = node
                tail += 1
        head = 0
        while head < tail:
            node = queue[head]
            head += 1
            start, stop = indptr[node], indptr[node + 1]
            total += stop - start
            for edge in range(start, stop):
                person = indices[edge]
                if visited[person] == 0:
                    visited[person] = 1
                    queue[tail] = person
                    tail += 1
        for i in range(tail):
            visited[queue[i]] = 0
    return total


@numba.njit
def _ic_adopters_edges(indptr, indices, seeds, keys, threshold, status, queue):
    """Our cascades again, plainly written, counting ``(adopters, edges examined)``.

    Same coins as ``sim.rules.coins`` (``pair_bits`` under each key), so the adopters
    must equal the kernel's; the edges examined are the out-degrees of the adopters.
    """
    out = np.zeros((keys.size, 2), dtype=np.int64)
    for row in range(keys.size):
        key = np.uint64(keys[row])
        tail = 0
        for node in seeds[row]:
            if status[node] == 0:
                status[node] = 1
                queue[tail] = node
                tail += 1
        head = 0
        edges = 0
        while head < tail:
            sharer = queue[head]
            head += 1
            start, stop = indptr[sharer], indptr[sharer + 1]
            edges += stop - start
            for edge in range(start, stop):
                person = indices[edge]
                if status[person] == 0 and pair_bits(key, sharer, person) < threshold:
                    status[person] = 1
                    queue[tail] = person
                    tail += 1
        out[row, 0] = tail
        out[row, 1] = edges
        for i in range(tail):
            status[queue[i]] = 0
    return out


def bfs_edges(graph: Graph, seeds: np.ndarray) -> int:
    """Out-edges scanned by plain BFS from each row of ``seeds``."""
    visited = np.zeros(graph.n_nodes, dtype=np.uint8)
    queue = np.empty(graph.n_nodes, dtype=np.int32)
    return int(_bfs_edges(graph.indptr, graph.indices, seeds, visited, queue))


def ours_adopters_edges(graph: Graph, seeds: np.ndarray, keys: np.ndarray, p: float) -> np.ndarray:
    """``(adopters, edges examined)`` of our cascade for each (seed row, key)."""
    status = np.zeros(graph.n_nodes, dtype=np.uint8)
    queue = np.empty(graph.n_nodes, dtype=np.int32)
    threshold = chance_bits(p)
    return _ic_adopters_edges(graph.indptr, graph.indices, seeds, keys, threshold, status, queue)


# ---------------------------------------------------------------------------- graphs
def build_graph(kind: str, n: int) -> Graph:
    """The benchmark's graph of ``kind`` with ``n`` people, from a generator seeded with SEED."""
    rng = np.random.default_rng(SEED)
    if kind == "watts_strogatz":
        return watts_strogatz(n, 10, 0.1, rng=rng)
    return barabasi_albert(n, 5, rng=rng)


def network_spec(kind: str, n: int) -> dict:
    """The scenario's ``network`` section describing ``build_graph(kind, n)``."""
    if kind == "watts_strogatz":
        return {"model": "watts_strogatz", "n": n, "k": 10, "p": 0.1}
    return {"model": "barabasi_albert", "n": n, "m": 5}


@dataclass
class BuildResult:
    """Build times of one graph."""

    kind: str
    n: int
    edges: int
    seconds: list[float]


def time_builds(kind: str, n: int) -> tuple[BuildResult, Graph]:
    """Median-of-``BUILD_REPEATS`` build time; also returns the last graph built."""
    seconds, graph = [], None
    for _ in range(BUILD_REPEATS):
        graph = None  # free the previous graph before building the next
        gc.collect()
        elapsed, graph = timed(lambda: build_graph(kind, n))
        seconds.append(elapsed)
    return BuildResult(kind, n, graph.n_edges, seconds), graph


# ------------------------------------------------------------------------ workloads
@dataclass(frozen=True)
class Workload:
    """Seed nodes (shape (count, 1), int32) and distinct 64-bit coin keys."""

    seeds: np.ndarray
    keys: np.ndarray

    def part(self, start: int, stop: int) -> Workload:
        """Cascades ``start .. stop - 1``."""
        return Workload(self.seeds[start:stop], self.keys[start:stop])

    def take(self, rows: Sequence[int]) -> Workload:
        """The listed cascades."""
        rows = np.asarray(rows, dtype=np.int64)
        return Workload(np.ascontiguousarray(self.seeds[rows]), self.keys[rows])


def draw_workload(n: int, count: int, stream: int) -> Workload:
    """``count`` random single seeds and distinct keys from stream ``stream`` of SEED."""
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(stream,)))
    seeds = rng.integers(0, n, size=(count, 1), dtype=np.int32)
    keys = rng.integers(0, np.iinfo(np.uint64).max, size=count, dtype=np.uint64, endpoint=True)
    if np.unique(keys).size != count:
        raise RuntimeError("repeated coin keys; change SEED")
    return Workload(seeds, keys)


PILOT_STREAM, WORK_STREAM = 0, 1


# ------------------------------------------------------------------------ contestants
def run_ours(graph: Graph, rule: IndependentCascadeRule, work: Workload) -> np.ndarray:
    """(a) The batch kernel: final ``(heard, adopters)`` per cascade."""
    return rule.final_sizes((graph.indptr, graph.indices), work.seeds, work.keys)


def run_theirs(model: IndependentCascadeModel, seeds: list[int]) -> np.ndarray:
    """CyNetDiff, one cascade per seed: activated (adopter) count per cascade."""
    sizes = []
    for seed in seeds:
        model.set_seeds([seed])
        model.advance_until_completion()
        sizes.append(model.get_num_activated_nodes())
    return np.asarray(sizes, dtype=np.int64)


def theirs_adopters_edges(
    model: IndependentCascadeModel, seeds: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Replay CyNetDiff's cascades (same generator state) counting adopters and edges.

    ``model`` was built with ``payoffs`` = out-degrees, so ``compute_payoffs`` sums the
    out-degrees of the activated people in C. The sums are exact in float32 because every
    graph here has fewer than 2**24 out-edges.
    """
    adopters, edges = [], []
    for seed in seeds:
        model.set_seeds([seed])
        model.advance_until_completion()
        adopters.append(model.get_num_activated_nodes())
        edges.append(model.compute_payoffs())
    return np.asarray(adopters, dtype=np.int64), np.rint(edges).astype(np.int64)


def cynetdiff_models(
    graph: Graph, p: float
) -> tuple[IndependentCascadeModel, IndependentCascadeModel]:
    """The timed CyNetDiff model, and a twin with degree payoffs for counting edges."""
    if graph.indices.size >= 2**24:
        raise ValueError("degree sums would not be exact in float32")
    starts = graph.indptr.astype(np.uint32)
    edges = graph.indices.astype(np.uint32)
    payoffs = np.append(graph.degree, 0).astype(np.float32)  # CyNetDiff wants n + 1 entries
    timed_model = IndependentCascadeModel(
        starts, edges, activation_prob=p, rng=np.random.default_rng(SEED)
    )
    twin = IndependentCascadeModel(
        starts, edges, activation_prob=p, payoffs=payoffs, rng=np.random.default_rng(SEED)
    )
    return timed_model, twin


def block_rng(block: int) -> np.random.SeedSequence:
    """The seed CyNetDiff's generator is reset to before block ``block`` (and its replay)."""
    return np.random.SeedSequence(SEED, spawn_key=(2, block))


def scenario_dict(kind: str, n: int, p: float, seed: int) -> dict:
    """A one-message scenario seeded at ``seed``, as a user would write it."""
    return {
        "name": "bench-ic",
        "seed": SEED,
        "steps": STEPS,
        "network": network_spec(kind, n),
        "messages": [
            {
                "name": "buzz",
                "rule": {"model": "independent_cascade", "p": p},
                "seeding": {"strategy": "nodes", "nodes": [int(seed)]},
            }
        ],
    }


def release(model: mesa.Model) -> None:
    """Let a model with agents be freed (mesa 3.3 keeps it alive otherwise).

    ``mesa.Agent._ids`` is a class-level ``defaultdict`` keyed by model, so every model
    that ever created an agent stays in memory with all its agents (mesa issues #3179,
    fixed by #3180). Hundreds of leaked 10^5-agent reference models made garbage
    collection, and the timings, slower and slower.
    """
    registry = getattr(mesa.Agent, "_ids", None)
    if registry is not None:
        registry.pop(model, None)


@dataclass
class Recorded:
    """Cascades through a model class: total ``run()`` seconds, construction seconds
    per cascade, final ``(heard, adopters)`` and the models' states if kept."""

    run_seconds: float
    construct_seconds: list[float]
    sizes: np.ndarray
    states: list[tuple[np.ndarray, ...]] = field(default_factory=list)


def run_models(
    graph: Graph,
    kind: str,
    p: float,
    work: Workload,
    model_class: type[BuzzModel] = BuzzModel,
    keep_states: bool = False,
) -> Recorded:
    """(b) The recording path: build each model from a scenario and time ``run()`` only.

    The coin key is set on the message's track after construction (the model would
    otherwise derive it from the scenario's seed), so that every contestant flips the
    same coins; the seed node comes in through the scenario (strategy ``nodes``).
    ``model_class`` may be the per-agent ``ReferenceModel``, which needs its agents.
    """
    run_seconds, construct, sizes, states = 0.0, [], [], []
    for seed, key in zip(work.seeds[:, 0], work.keys, strict=True):
        scenario = scenario_from_dict(scenario_dict(kind, graph.n_nodes, p, seed))
        create_agents = model_class is not BuzzModel
        start = time.perf_counter()
        model = model_class(scenario, graph=graph, create_agents=create_agents)
        construct.append(time.perf_counter() - start)
        model.tracks[0].key = np.uint64(key)
        start = time.perf_counter()
        model.run()
        run_seconds += time.perf_counter() - start
        if model.tracks[0].can_change():
            raise RuntimeError(f"a cascade did not finish within {STEPS} steps")
        sizes.append((model.count("heard"), model.count("adopters")))
        if keep_states:
            states.append(tuple(array.copy() for array in model.tracks[0].state))
        release(model)
    return Recorded(run_seconds, construct, np.asarray(sizes, dtype=np.int64), states)


# --------------------------------------------------------------------------- pilots
def per_item_seconds(run: Callable[[int], object], pool: int) -> float:
    """Seconds per item of ``run(count)``, growing ``count`` until a call lasts a while."""
    count = 1
    while True:
        gc.collect()
        elapsed, _ = timed(lambda count=count: run(count))
        if elapsed >= PILOT_SECONDS or count >= pool:
            return elapsed / count
        # at most 8x more: a few cascades that died at once say little about the next ones
        guess = int(count * 1.5 * PILOT_SECONDS / max(elapsed, 1e-6))
        count = min(pool, 8 * count, max(2 * count, guess))


def clamp(value: float, low: int, high: int) -> int:
    """``ceil(value)`` within ``[low, high]``."""
    return int(min(high, max(low, math.ceil(value))))


# ------------------------------------------------------------------------- settings
@dataclass
class Block:
    """One round of ours, theirs, the recording path and BFS, on the same seeds."""

    ours_seconds: float
    theirs_seconds: float
    recording_seconds: float
    bfs_seconds: float
    bfs_edges: int
    ours: np.ndarray  # (heard, adopters, edges) per cascade
    theirs: np.ndarray  # (adopters, edges) per cascade
    recorded: np.ndarray  # (heard, adopters, edges) of the recording path's cascades
    construct_seconds: list[float]


@dataclass
class Setting:
    """All blocks of one (graph kind, n, p)."""

    kind: str
    n: int
    p: float
    cascades: int  # per block, ours and theirs
    recorded_cascades: int  # per block, recording path
    bfs_runs: int  # per block
    blocks: list[Block]
    work: Workload


def pilot_sizes(
    graph: Graph, kind: str, p: float, theirs: IndependentCascadeModel
) -> tuple[int, int, int]:
    """Cascades per block for ours/theirs, for the recording path and BFS runs."""
    pool = draw_workload(graph.n_nodes, MAX_CASCADES, PILOT_STREAM)
    rule = IndependentCascadeRule(p)
    seeds = pool.seeds[:, 0].tolist()
    t_ours = per_item_seconds(lambda c: run_ours(graph, rule, pool.part(0, c)), MAX_CASCADES)
    t_theirs = per_item_seconds(lambda c: run_theirs(theirs, seeds[:c]), MAX_CASCADES)
    t_rec = per_item_seconds(lambda c: run_models(graph, kind, p, pool.part(0, c)), MAX_CASCADES)
    t_bfs = per_item_seconds(lambda c: bfs_edges(graph, pool.seeds[:c]), MAX_CASCADES)
    cascades = clamp(BLOCK_SECONDS / max(t_ours, t_theirs), MIN_CASCADES, MAX_CASCADES)
    recorded = clamp(RECORDING_SECONDS / t_rec, 1, cascades)
    bfs_runs = clamp(BFS_SECONDS / t_bfs, 1, MAX_CASCADES)
    return cascades, recorded, bfs_runs


def run_block(
    graph: Graph,
    kind: str,
    p: float,
    work: Workload,
    sizes: tuple[int, int],
    models: tuple[IndependentCascadeModel, IndependentCascadeModel],
    block: int,
) -> Block:
    """Time ours, theirs, the recording path and BFS on one block's cascades."""
    recorded_count, bfs_runs = sizes
    theirs_model, twin = models
    rule = IndependentCascadeRule(p)
    seeds = work.seeds[:, 0].tolist()
    gc.collect()
    ours_seconds, ours = timed(lambda: run_ours(graph, rule, work))
    theirs_model.set_rng(block_rng(block))
    gc.collect()
    theirs_seconds, theirs = timed(lambda: run_theirs(theirs_model, seeds))
    gc.collect()
    recorded = run_models(graph, kind, p, work.part(0, recorded_count))
    bfs_seeds = np.resize(work.seeds, (bfs_runs, 1))
    gc.collect()
    bfs_seconds, bfs_total = timed(lambda: bfs_edges(graph, bfs_seeds))
    # untimed: edges examined, and consistency checks
    checked = ours_adopters_edges(graph, work.seeds, work.keys, p)
    if not np.array_equal(checked[:, 0], ours[:, 1]):
        raise AssertionError("the plain cascade disagrees with final_sizes")
    if not np.array_equal(recorded.sizes, ours[:recorded_count]):
        raise AssertionError("BuzzModel.run() disagrees with final_sizes")
    twin.set_rng(block_rng(block))
    their_adopters, their_edges = theirs_adopters_edges(twin, seeds)
    if not np.array_equal(their_adopters, theirs):
        raise AssertionError("CyNetDiff's replay differs from its timed run")
    ours_table = np.column_stack([ours, checked[:, 1]])
    return Block(
        ours_seconds=ours_seconds,
        theirs_seconds=theirs_seconds,
        recording_seconds=recorded.run_seconds,
        bfs_seconds=bfs_seconds,
        bfs_edges=bfs_total,
        ours=ours_table,
        theirs=np.column_stack([their_adopters, their_edges]),
        recorded=ours_table[:recorded_count],
        construct_seconds=recorded.construct_seconds,
    )


def run_setting(graph: Graph, kind: str, p: float) -> Setting:
    """Pilot, then ``N_BLOCKS`` alternating blocks of every contestant."""
    models = cynetdiff_models(graph, p)
    cascades, recorded, bfs_runs = pilot_sizes(graph, kind, p, models[0])
    log(
        f"  {kind} n={n_label(graph.n_nodes)} p={p}: {cascades} cascades/block, "
        f"{recorded} recorded, {bfs_runs} BFS"
    )
    work = draw_workload(graph.n_nodes, cascades * N_BLOCKS, WORK_STREAM)
    blocks = [
        run_block(
            graph,
            kind,
            p,
            work.part(b * cascades, (b + 1) * cascades),
            (recorded, bfs_runs),
            models,
            b,
        )
        for b in range(N_BLOCKS)
    ]
    return Setting(kind, graph.n_nodes, p, cascades, recorded, bfs_runs, blocks, work)


# ------------------------------------------------------------------------- reference
@dataclass
class ReferenceResult:
    """The per-agent reference against our two paths on the same cascades."""

    kind: str
    n: int
    p: float
    cascades: int
    mean_adopters: float
    reference_seconds: float  # per cascade, run() only
    reference_construct: float  # per cascade
    recording_seconds: float  # per cascade, median over repeats
    kernel_seconds: float  # per cascade, median over repeats
    states_equal: bool


def reference_candidates(setting: Setting) -> list[int]:
    """Cascades (rows of the setting's workload) for the reference, in workload order.

    At p = 0.2 only those reaching ``LARGE_FRACTION`` of people (the large-cascade target).
    """
    adopters = np.concatenate([block.ours[:, 1] for block in setting.blocks])
    rows = np.arange(adopters.size)
    if setting.p >= 0.2:
        large = rows[adopters >= LARGE_FRACTION * setting.n]
        rows = large if large.size else rows
    return rows[:REFERENCE_MAX_CASCADES].tolist()


def run_reference(graph: Graph, setting: Setting) -> ReferenceResult:
    """Time the reference on a few cascades (capped in seconds) and our paths on the same."""
    kind, p = setting.kind, setting.p
    budget = REFERENCE_SECONDS[setting.n]
    rows, reference_runs, constructs, sizes, states = [], 0.0, [], [], []
    started = time.perf_counter()
    for row in reference_candidates(setting):
        one = run_models(graph, kind, p, setting.work.take([row]), ReferenceModel, keep_states=True)
        gc.collect()
        rows.append(row)
        reference_runs += one.run_seconds
        constructs += one.construct_seconds
        sizes.append(one.sizes[0])
        states += one.states
        if time.perf_counter() - started > budget:
            break
    work = setting.work.take(rows)
    fast = run_models(graph, kind, p, work, keep_states=True)
    states_equal = all(
        np.array_equal(a, b)
        for ref, ours in zip(states, fast.states, strict=True)
        for a, b in zip(ref, ours, strict=True)
    )
    kernel_sizes = run_ours(graph, IndependentCascadeRule(p), work)
    if not np.array_equal(np.asarray(sizes), kernel_sizes):
        raise AssertionError(f"reference and kernel reach differ: {sizes} vs {kernel_sizes}")
    recording = statistics.median(
        run_models(graph, kind, p, work).run_seconds for _ in range(REFERENCE_REPEATS)
    )
    rule = IndependentCascadeRule(p)
    kernel = statistics.median(
        timed(lambda: run_ours(graph, rule, work))[0] for _ in range(REFERENCE_REPEATS)
    )
    count = len(rows)
    return ReferenceResult(
        kind=kind,
        n=setting.n,
        p=p,
        cascades=count,
        mean_adopters=float(kernel_sizes[:, 1].mean()),
        reference_seconds=reference_runs / count,
        reference_construct=statistics.median(constructs),
        recording_seconds=recording / count,
        kernel_seconds=kernel / count,
        states_equal=states_equal,
    )


# ---------------------------------------------------------------------------- memory
@dataclass
class MemoryResult:
    """Peak resident memory and wall time of one ``sim.cli run`` child."""

    n: int
    seconds: float
    max_rss_bytes: int
    reach: int
    steps: int


# Runs its arguments as a child and prints the child's wall seconds and ru_maxrss (KiB).
RSS_PROBE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure_memory(n: int) -> MemoryResult:
    """Run the CLI on a WS(n, 10, 0.1) scenario (IC p=0.2, 10 top-degree seeds) in a child.

    The CLI is started by a small intermediate Python process (``RSS_PROBE``), which
    reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``. Started straight from this
    benchmark, the child would report this process's own peak: on Linux, ``exec``
    records the high-water mark of the address space it replaces, and a
    ``subprocess`` child is vforked from ours.
    """
    scenario = {
        "name": "bench-memory",
        "seed": SEED,
        "steps": 1000,
        "replications": 1,
        "network": network_spec("watts_strogatz", n),
        "messages": [
            {
                "name": "buzz",
                "rule": {"model": "independent_cascade", "p": 0.2},
                "seeding": {"strategy": "top_degree", "count": 10},
            }
        ],
    }
    with tempfile.TemporaryDirectory(prefix="bench_ic_") as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False))
        out = Path(tmp) / "results"
        command = [sys.executable, "-c", RSS_PROBE, sys.executable, "-m", "sim.cli", "run"]
        command += [str(path), "--out", str(out), "--quiet", "--force"]
        probe = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
        seconds_text, max_rss_text = probe.stdout.split()[-2:]
        seconds, max_rss_kib = float(seconds_text), int(max_rss_text)  # KiB on Linux
        runs = pd.read_parquet(out / "runs.parquet")
    reach, steps = int(runs["reach"].iloc[0]), int(runs["steps"].iloc[0])
    return MemoryResult(n, seconds, max_rss_kib * 1024, reach, steps)


# --------------------------------------------------------------------------- report
def fmt(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, thousands separated when large."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def mean_se(values: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error."""
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else float("nan")
    return float(values.mean()), float(se)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; ``align`` has one character per column: l or r."""
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def n_label(n: int) -> str:
    """``10^k`` for a power of ten, else the number.

    >>> n_label(10**6), n_label(1500)
    ('10^6', '1,500')
    """
    k = round(math.log10(n))
    return f"10^{k}" if 10**k == n else f"{n:,}"


def graph_label(kind: str) -> str:
    """Short name of a graph kind."""
    return {"watts_strogatz": "WS(k=10, p=0.1)", "barabasi_albert": "BA(m=5)"}[kind]


def git(*args: str) -> str:
    """Output of a git command in the project, or "" when git is unavailable."""
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return ""
    return done.stdout


def code_version() -> str:
    """The commit measured, and which files under sim/ differ from it (others edit them)."""
    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "sim").splitlines()]
    if not changed:
        return f"commit {commit}, sim/ unmodified"
    return f"commit {commit}, with uncommitted changes to {', '.join(changed)}"


def machine_lines(versions: dict[str, str]) -> list[str]:
    """The machine and software the numbers come from."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = f"{cpu} ({line.split(':', 1)[1].strip()})"
                break
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"- Machine: {platform.platform()}, processor {cpu}, os.cpu_count()={os.cpu_count()}",
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- Code: {code_version()}",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"load average at the end {load} (the machine may be shared: the blocks alternate "
        "so that load slows every contestant alike)",
    ]


def rates(blocks: list[Block], key: str) -> dict[str, list[float]]:
    """Per-block cascades/s, adopters/s and edges/s of ``ours``, ``theirs`` or ``recorded``."""
    out: dict[str, list[float]] = {"cascades": [], "adopters": [], "edges": []}
    for block in blocks:
        seconds = {
            "ours": block.ours_seconds,
            "theirs": block.theirs_seconds,
            "recorded": block.recording_seconds,
        }[key]
        data = getattr(block, key)
        adopters, edges = (data[:, 0], data[:, 1]) if key == "theirs" else (data[:, 1], data[:, 2])
        out["cascades"].append(len(data) / seconds)
        out["adopters"].append(float(adopters.sum()) / seconds)
        out["edges"].append(float(edges.sum()) / seconds)
    return out


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    return float(statistics.median(values))


def agreement_table(settings: list[Setting]) -> str:
    """Mean adopters of both implementations, with standard errors."""
    rows = []
    for s in settings:
        ours = np.concatenate([b.ours for b in s.blocks])
        theirs = np.concatenate([b.theirs for b in s.blocks])
        m1, se1 = mean_se(ours[:, 1])
        m2, se2 = mean_se(theirs[:, 0])
        z = (m1 - m2) / math.hypot(se1, se2) if se1 > 0 or se2 > 0 else 0.0
        rows.append(
            [
                graph_label(s.kind),
                n_label(s.n),
                f"{s.p}",
                f"{s.cascades} x {len(s.blocks)}",
                f"{fmt(ours[:, 0].mean())}",
                f"{fmt(m1)} ± {fmt(se1, 2)}",
                f"{fmt(m2)} ± {fmt(se2, 2)}",
                f"{z:+.2f}",
                f"{fmt(ours[:, 2].mean() / max(m1, 1e-9), 3)}",
            ]
        )
    header = [
        "graph",
        "n",
        "p",
        "cascades",
        "mean heard (ours)",
        "mean adopters ours ± SE",
        "CyNetDiff ± SE",
        "z",
        "edges per adopter",
    ]
    return table(header, rows, "lllrrrrrr")


def speed_table(settings: list[Setting]) -> str:
    """Cascades/s, adopters/s and edges/s of (a) and CyNetDiff, with per-block ratios."""
    rows = []
    for s in settings:
        ours, theirs = rates(s.blocks, "ours"), rates(s.blocks, "theirs")
        ratios = [a / b for a, b in zip(ours["cascades"], theirs["cascades"], strict=True)]
        edge_ratios = [a / b for a, b in zip(ours["edges"], theirs["edges"], strict=True)]
        rows.append(
            [
                graph_label(s.kind),
                n_label(s.n),
                f"{s.p}",
                fmt(median(ours["cascades"])),
                fmt(median(theirs["cascades"])),
                f"**{median(ratios):.2f}**",
                " ".join(f"{r:.2f}" for r in ratios),
                fmt(median(ours["adopters"]) / 1e6),
                fmt(median(theirs["adopters"]) / 1e6),
                fmt(median(ours["edges"]) / 1e6),
                fmt(median(theirs["edges"]) / 1e6),
                f"{median(edge_ratios):.2f}",
            ]
        )
    header = [
        "graph",
        "n",
        "p",
        "ours cascades/s",
        "CyNetDiff cascades/s",
        "ratio (median)",
        "ratio per block",
        "ours M adopters/s",
        "CyNetDiff M adopters/s",
        "ours M edges/s",
        "CyNetDiff M edges/s",
        "edges/s ratio",
    ]
    return table(header, rows, "lllrrrrrrrrr")


def recording_table(settings: list[Setting]) -> str:
    """The recording path (b) against the batch kernel (a) and CyNetDiff."""
    rows = []
    for s in settings:
        rec, ours, theirs = (rates(s.blocks, key) for key in ("recorded", "ours", "theirs"))
        construct = median([t for b in s.blocks for t in b.construct_seconds])
        rows.append(
            [
                graph_label(s.kind),
                n_label(s.n),
                f"{s.p}",
                f"{s.recorded_cascades} x {len(s.blocks)}",
                fmt(construct * 1e3),
                fmt(median(rec["cascades"])),
                fmt(median(rec["edges"]) / 1e6),
                f"{median(rec['edges']) / median(ours['edges']):.2f}",
                f"{median(rec['edges']) / median(theirs['edges']):.2f}",
            ]
        )
    header = [
        "graph",
        "n",
        "p",
        "cascades",
        "construction ms (median)",
        "run() cascades/s",
        "M edges/s",
        "edges/s vs (a)",
        "edges/s vs CyNetDiff",
    ]
    return table(header, rows, "lllrrrrrr")


def ceiling_rows(settings: list[Setting]) -> list[tuple[Setting, float, float, list[float]]]:
    """Per p = 0.2 setting: BFS edges/s, IC edges/s and per-block IC/BFS ratios."""
    out = []
    for s in settings:
        if s.p != max(PROBABILITIES):
            continue
        ours = rates(s.blocks, "ours")["edges"]
        bfs = [b.bfs_edges / b.bfs_seconds for b in s.blocks]
        out.append((s, median(bfs), median(ours), [a / b for a, b in zip(ours, bfs, strict=True)]))
    return out


def ceiling_table(settings: list[Setting]) -> str:
    """IC p=0.2 edges/s as a share of plain BFS edges/s, block by block."""
    rows = []
    for s, bfs, ours, shares in ceiling_rows(settings):
        rows.append(
            [
                graph_label(s.kind),
                n_label(s.n),
                f"{s.bfs_runs} x {len(s.blocks)}",
                fmt(bfs / 1e6),
                fmt(ours / 1e6),
                f"**{100 * median(shares):.0f}%**",
                " ".join(f"{100 * x:.0f}" for x in shares),
            ]
        )
    header = [
        "graph",
        "n",
        "BFS runs",
        "BFS M edges/s",
        f"IC p={max(PROBABILITIES)} M edges/s",
        "IC / BFS (median)",
        "per block (%)",
    ]
    return table(header, rows, "lllrrrr")


def reference_table(results: list[ReferenceResult]) -> str:
    """The per-agent reference against our recording path and kernel."""
    rows = []
    for r in results:
        rows.append(
            [
                graph_label(r.kind),
                n_label(r.n),
                f"{r.p}",
                str(r.cascades),
                fmt(r.mean_adopters),
                fmt(r.reference_construct),
                fmt(r.reference_seconds),
                fmt(r.recording_seconds * 1e3),
                fmt(r.kernel_seconds * 1e3),
                f"**{fmt(r.reference_seconds / r.recording_seconds)}x**",
                f"{fmt(r.reference_seconds / r.kernel_seconds)}x",
                "yes" if r.states_equal else "NO",
            ]
        )
    header = [
        "graph",
        "n",
        "p",
        "cascades",
        "mean adopters",
        "reference construction s",
        "reference run s/cascade",
        "(b) run ms/cascade",
        "(a) ms/cascade",
        "speed-up (b)",
        "speed-up (a)",
        "states equal",
    ]
    return table(header, rows, "lllrrrrrrrrl")


def build_table(builds: list[BuildResult]) -> str:
    """Graph build times."""
    rows = [
        [
            graph_label(b.kind),
            n_label(b.n),
            f"{b.edges:,}",
            fmt(median(b.seconds)),
            " ".join(f"{x:.3g}" for x in b.seconds),
        ]
        for b in builds
    ]
    return table(["graph", "n", "edges", "build s (median)", "each build (s)"], rows, "llrrr")


def memory_table(memory: MemoryResult) -> str:
    """Peak memory of the CLI child."""
    rows = [
        [
            f"WS n={n_label(memory.n)}, k=10, p=0.1; IC p=0.2, 10 top-degree seeds, 1 replication",
            fmt(memory.seconds),
            fmt(memory.max_rss_bytes / 2**20),
            f"{memory.reach:,}",
            str(memory.steps),
        ]
    ]
    return table(["scenario", "wall s", "peak RSS MiB", "reach", "steps"], rows, "lrrrr")


def verdict(ok: bool) -> str:
    """Met / missed."""
    return "met" if ok else "**missed**"


def targets_table(
    builds: list[BuildResult],
    settings: list[Setting],
    references: list[ReferenceResult],
    memory: MemoryResult,
) -> str:
    """Each target, what was measured, and whether it is met."""
    rows = []
    for b in builds:
        if b.kind == "watts_strogatz" and b.n == 10**6:
            t = median(b.seconds)
            rows.append(["WS 10^6 build < 5 s", f"{t:.2f} s", verdict(t < 5)])
    for s, _, _, shares in ceiling_rows(settings):
        share = median(shares)
        rows.append(
            [
                f"IC p=0.2 >= 75% of BFS edges/s, {graph_label(s.kind)} {n_label(s.n)}",
                f"{100 * share:.0f}%",
                verdict(share >= 0.75),
            ]
        )
    for r in references:
        if r.n != 10**5:
            continue
        goal = 300 if r.p >= 0.2 else 10_000
        speedup = r.reference_seconds / r.recording_seconds
        kernel = r.reference_seconds / r.kernel_seconds
        rows.append(
            [
                f"recording path (b) >= {goal:,}x the reference, {graph_label(r.kind)} "
                f"10^5 p={r.p}",
                f"(b) {fmt(speedup)}x; batch kernel (a) {fmt(kernel)}x",
                verdict(speedup >= goal),
            ]
        )
    if memory.n == 10**6:
        rows.append(
            [
                "peak RSS of a 10^6 run < 1 GiB",
                f"{memory.max_rss_bytes / 2**20:.0f} MiB",
                verdict(memory.max_rss_bytes < MEMORY_LIMIT_BYTES),
            ]
        )
    return table(["target", "measured", "verdict"], rows, "lrl")


def report(
    quick: bool,
    builds: list[BuildResult],
    settings: list[Setting],
    references: list[ReferenceResult],
    memory: MemoryResult,
    elapsed: float,
) -> str:
    """The whole Markdown report."""
    versions = {
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "cynetdiff": importlib.metadata.version("cynetdiff"),
        "mesa": importlib.metadata.version("mesa"),
    }
    parts = [
        "# Independent cascade: buzz vs CyNetDiff, a BFS ceiling and the Mesa reference",
        "",
        *machine_lines(versions),
        f"- Rerun: `python benchmarks/bench_ic.py` (add `--quick` for n = 10^4 and 10^5 only, "
        f"without the reference at 10^5). This run: {'--quick' if quick else 'full'}, "
        f"{elapsed / 60:.1f} min, SEED={SEED}.",
        "",
        "## Targets",
        "",
        targets_table(builds, settings, references, memory),
        "",
        "## 1. Graph construction",
        "",
        f"`sim.network.generators`, median of {BUILD_REPEATS} builds after a warm-up build "
        "that loads or compiles the numba code.",
        "",
        build_table(builds),
        "",
        "## 2-3. Independent cascade: ours vs CyNetDiff",
        "",
        f"Single random seed nodes, {N_BLOCKS} alternating blocks per setting (ours, CyNetDiff, "
        "recording path, BFS), every contestant on the same seed nodes. Ours is (a), "
        "`IndependentCascadeRule(p).final_sizes` over a block's cascades in one call; "
        "CyNetDiff is `set_seeds([seed]); advance_until_completion(); "
        "get_num_activated_nodes()` per cascade. Cascades per block are chosen by a "
        f"pilot so that the slower of the two takes about {BLOCK_SECONDS} s.",
        "",
        "Same model, different coins: the mean adopters must agree within their standard "
        "errors (|z| < 3; sizes are heavy-tailed near the threshold, so z is only roughly "
        "normal); individual cascades differ. Edges examined are the out-degrees of "
        "the adopters, counted outside the timings (ours by a plain replay of the same coins, "
        "checked against the kernel's adopters; CyNetDiff's by replaying its generator).",
        "",
        agreement_table(settings),
        "",
        "Speed (medians over blocks; the ratio is ours/CyNetDiff in cascades/s, per block; "
        "near the threshold cascades/s depends on how many cascades took off, so the edges/s "
        "ratio is the fairer one):",
        "",
        speed_table(settings),
        "",
        "### The recording path (b)",
        "",
        "`BuzzModel(scenario_from_dict(...), graph=g, create_agents=False)`, then `.run()`, "
        "which records every person's heard and shared steps and source. Only `.run()` is "
        "timed; construction (state arrays, seeding) is shown apart. The coin key is set "
        "on the track after construction so (b) flips the same coins as (a); every (b) "
        "cascade's heard and adopters equal (a)'s (asserted). The first cascades of each "
        "block are used.",
        "",
        recording_table(settings),
        "",
        "## 4. The ceiling: plain BFS",
        "",
        "A numba breadth-first traversal (uint8 visited, int32 queue, reset through the "
        "queue) from the same seed nodes; it scans every out-edge of the seed's component. "
        "Its blocks alternate with the p=0.2 cascade blocks; the share is computed block by "
        "block.",
        "",
        ceiling_table(settings),
        "",
        "## 5. The per-agent Mesa reference",
        "",
        "`sim.reference.ReferenceModel` on the same scenario, seeds and coin keys: every "
        "Person steps in Python (`shuffle_do`). It is timed on the first cascades of the "
        f"setting (at p=0.2, the first that reach {LARGE_FRACTION:.0%} of people), at most "
        f"{REFERENCE_MAX_CASCADES}, stopping once construction plus runs pass "
        f"{REFERENCE_SECONDS[10**4]:.0f} s (10^4) or {REFERENCE_SECONDS[10**5]:.0f} s (10^5). "
        "Its final reach and adopters equal the kernel's (asserted) and its state arrays "
        "equal the recording path's (column 'states equal'). Our paths are timed on the "
        f"same cascades, median of {REFERENCE_REPEATS} repeats; only `.run()` is timed.",
        "",
        reference_table(references) if references else "(skipped)",
        "",
        "## 6. Peak memory",
        "",
        "`python -m sim.cli run SCENARIO --out TMP --quiet --force` in a child process; "
        "peak RSS from `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`, read by a small "
        "intermediate Python process that starts the CLI (read from this benchmark, it would "
        "include the benchmark's own peak: on Linux `exec` keeps the high-water mark of the "
        "vforked parent's address space); the wall time "
        "includes interpreter start, imports, graph build, the run, Parquet files and "
        "the adoption figure.",
        "",
        memory_table(memory),
        "",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- main
def warm_up() -> None:
    """Compile or load every numba function and import every lazy module once."""
    graph = build_graph("watts_strogatz", 10**4)
    build_graph("barabasi_albert", 10**4)
    work = draw_workload(graph.n_nodes, 4, PILOT_STREAM)
    run_ours(graph, IndependentCascadeRule(0.2), work)
    ours_adopters_edges(graph, work.seeds, work.keys, 0.2)
    bfs_edges(graph, work.seeds)
    run_models(graph, "watts_strogatz", 0.2, work)
    run_models(graph, "watts_strogatz", 0.2, work.part(0, 1), ReferenceModel)


def main() -> None:
    """Run every measurement and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 10^4 and 10^5 only")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    started = time.perf_counter()
    log("warm-up")
    warm_up()
    builds, settings, references = [], [], []
    for n in sizes:
        for kind in KINDS:
            log(f"building {kind} n={n_label(n)}")
            build, graph = time_builds(kind, n)
            builds.append(build)
            for p in PROBABILITIES:
                setting = run_setting(graph, kind, p)
                settings.append(setting)
                if n == 10**4 or (n == 10**5 and not args.quick):
                    log(f"  reference {kind} n={n_label(n)} p={p}")
                    references.append(run_reference(graph, setting))
            del graph
            gc.collect()
    memory_n = 10**5 if args.quick else 10**6
    log(f"peak memory of sim.cli run at n={n_label(memory_n)}")
    memory = measure_memory(memory_n)
    text = report(args.quick, builds, settings, references, memory, time.perf_counter() - started)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / ("ic_quick.md" if args.quick else "ic.md")
    out.write_text(text)
    print(text)
    log(f"written {out}")


if __name__ == "__main__":
    main()
