"""Independent cascade: buzz against CyNetDiff, NDlib and EoN on the same graphs.

Run from the project root (the peers come with ``pip install -e ".[bench]"``)::

    python benchmarks/peers.py [--quick]

``--quick`` stops at n = 10^5. The Markdown report is printed and written to
``benchmarks/out/peers.md`` (``peers_quick.md``); progress goes to stderr.

Setting: Watts-Strogatz (k = 10, rewiring 0.1) and Barabasi-Albert (m = 5) graphs
built once by ``sim.network.generators`` and handed to every library (CSR arrays to CyNetDiff,
a networkx copy to NDlib and EoN); n = 10^4, 10^5, 10^6; sharing probability
p = 0.05 and 0.2; the same 10 random seed people for everyone, one cascade per seed
person per pass. Each library is timed in blocks that alternate with ours in this
process (ours, then the peer, then the other way round in the next block), and the
ratio is taken block by block: a busy machine slows both sides of a block alike.

- **buzz**: :func:`sim.batch.multirep.independent_cascades` (what ``buzz run`` uses for
  replications of a point on a shared network), with 2 threads, returning each
  cascade's counts per step (reach, adopters, curves), not only final sizes; fresh
  coin keys for every pass. Also timed with 1 thread.
- **CyNetDiff** ``IndependentCascadeModel`` (``set_seeds``,
  ``advance_until_completion``), final adopters only; its own seeded generator.
- **NDlib** ``IndependentCascadesModel`` with a ``threshold`` (the probability) set
  on every edge: without it NDlib silently uses 1/degree. Iterated until nobody is
  infected; adopters are the removed. NDlib draws from numpy's global generator.
- **EoN** ``basic_discrete_SIR`` with transmission probability p: every infected
  node infects each susceptible neighbour with probability p and recovers after
  one step, which is exactly independent cascade. (``fast_SIR`` is not: its
  recovery time is shared by all of a node's edges, so the edges' outcomes are
  correlated.) EoN draws from Python's global ``random``.

The libraries draw different coins, so cascade by cascade the sizes differ; the mean
final adopters of each must agree with ours within their standard errors (the z
column). Pure-Python peers are skipped where a setting would take more than
``PEER_BUDGET`` seconds; the report says so, with the projection that decided it.
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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"
try:
    import sim  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(ROOT))

import EoN  # noqa: E402
import ndlib.models.epidemics as ndlib_epidemics  # noqa: E402
import ndlib.models.ModelConfig as ndlib_config  # noqa: E402
from cynetdiff.models import IndependentCascadeModel  # noqa: E402

from sim.batch.multirep import independent_cascades  # noqa: E402
from sim.network.generators import barabasi_albert, to_networkx, watts_strogatz  # noqa: E402
from sim.network.graph import Graph  # noqa: E402

SEED = 20_251_121
SIZES = (10**4, 10**5, 10**6)
QUICK_SIZES = (10**4, 10**5)
PROBABILITIES = (0.05, 0.2)
KINDS = ("WS", "BA")
N_SEED_PEOPLE = 10
N_BLOCKS = 3
FAST_BLOCK_SECONDS = 0.4  # ours and CyNetDiff: passes per block so a block takes this
PEER_BUDGET = 240.0  # seconds a pure-Python peer may spend on one setting
STEPS = 100_000  # upper bound on steps: every cascade here ends long before


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def build(kind: str, n: int) -> Graph:
    """The shared graph of a setting."""
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(n, KINDS.index(kind))))
    if kind == "WS":
        return watts_strogatz(n, 10, 0.1, rng=rng)
    return barabasi_albert(n, 5, rng=rng)


# ------------------------------------------------------------------ contestants
class Ours:
    """buzz's multi-replication path; a fresh key per cascade and pass."""

    def __init__(self, graph: Graph, p: float, seeds: np.ndarray, threads: int) -> None:
        self.graph, self.p, self.threads = graph, p, threads
        self.seeds = seeds
        self.keys = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(threads,)))

    def run(self, passes: int) -> np.ndarray:
        seeds = np.tile(self.seeds, passes)[:, None]
        keys = self.keys.integers(0, 2**63, len(seeds), dtype=np.uint64)
        result = independent_cascades(self.graph, self.p, seeds, keys, STEPS, threads=self.threads)
        return result.final_sizes()[:, 1]


class CyNetDiff:
    """CyNetDiff on our CSR arrays."""

    def __init__(self, graph: Graph, p: float, seeds: np.ndarray) -> None:
        self.model = IndependentCascadeModel(
            graph.indptr.astype(np.uint32), graph.indices.astype(np.uint32),
            activation_prob=p, rng=np.random.default_rng(SEED),
        )
        self.seeds = seeds

    def run(self, passes: int) -> np.ndarray:
        sizes = []
        for seed in np.tile(self.seeds, passes):
            self.model.set_seeds([int(seed)])
            self.model.advance_until_completion()
            sizes.append(self.model.get_num_activated_nodes())
        return np.asarray(sizes, dtype=np.int64)


class NDlib:
    """NDlib's independent cascades, a threshold on every edge."""

    def __init__(self, nx_graph, p: float, seeds: np.ndarray) -> None:
        self.graph, self.seeds = nx_graph, seeds
        self.thresholds = {edge: p for edge in nx_graph.edges()}

    def run(self, passes: int) -> np.ndarray:
        sizes = []
        for seed in np.tile(self.seeds, passes):
            model = ndlib_epidemics.IndependentCascadesModel(self.graph)
            config = ndlib_config.Configuration()
            config.add_model_initial_configuration("Infected", [int(seed)])
            for edge, p in self.thresholds.items():
                config.add_edge_configuration("threshold", edge, p)
            model.set_initial_status(config)
            while True:
                counts = model.iteration(node_status=False)["node_count"]
                if counts[1] == 0 and model.actual_iteration > 1:
                    break
            sizes.append(counts[2])
        return np.asarray(sizes, dtype=np.int64)


class EoNDiscrete:
    """EoN's basic_discrete_SIR: one-step recovery, exactly independent cascade."""

    def __init__(self, nx_graph, p: float, seeds: np.ndarray) -> None:
        self.graph, self.p, self.seeds = nx_graph, p, seeds

    def run(self, passes: int) -> np.ndarray:
        sizes = []
        for seed in np.tile(self.seeds, passes):
            _, _, _, recovered = EoN.basic_discrete_SIR(
                self.graph, self.p, initial_infecteds=[int(seed)]
            )
            sizes.append(int(recovered[-1]))
        return np.asarray(sizes, dtype=np.int64)


# ------------------------------------------------------------------ measurement
@dataclass
class Duel:
    """Ours against one peer in one setting: per-block cascades/s and all sizes."""

    peer: str
    ours_rates: list[float] = field(default_factory=list)
    peer_rates: list[float] = field(default_factory=list)
    ours_sizes: list[int] = field(default_factory=list)
    peer_sizes: list[int] = field(default_factory=list)
    skipped: str = ""

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ours_rates, self.peer_rates, strict=True)]


@dataclass
class Setting:
    kind: str
    n: int
    p: float
    duels: list[Duel]
    ours_one_thread: list[float]


def timed(run: Callable[[int], np.ndarray], passes: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    sizes = run(passes)
    return time.perf_counter() - start, sizes


def passes_for(run: Callable[[int], np.ndarray], seconds: float) -> int:
    """Passes (of the 10 seed people) for a block of about ``seconds``."""
    elapsed, _ = timed(run, 1)
    return max(1, min(20_000, round(seconds / max(elapsed, 1e-6))))


def duel(name: str, ours: Ours, peer, passes_ours: int, passes_peer: int) -> Duel:
    """Alternating blocks; the first block's order is ours then peer, then swapped."""
    result = Duel(name)
    for block in range(N_BLOCKS):
        order = [("ours", ours, passes_ours), ("peer", peer, passes_peer)]
        if block % 2:
            order.reverse()
        for who, contestant, passes in order:
            elapsed, sizes = timed(contestant.run, passes)
            rate = sizes.size / elapsed
            if who == "ours":
                result.ours_rates.append(rate)
                result.ours_sizes.extend(sizes.tolist())
            else:
                result.peer_rates.append(rate)
                result.peer_sizes.extend(sizes.tolist())
    return result


def run_setting(kind: str, n: int, p: float, graph: Graph, nx_graph) -> Setting:
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(n, int(p * 100))))
    seeds = rng.choice(n, N_SEED_PEOPLE, replace=False)
    ours = Ours(graph, p, seeds, threads=2)
    ours_single = Ours(graph, p, seeds, threads=1)
    cynetdiff = CyNetDiff(graph, p, seeds)
    ours.run(1)  # compile or load the kernels
    passes_fast = max(passes_for(cynetdiff.run, FAST_BLOCK_SECONDS),
                      passes_for(ours.run, FAST_BLOCK_SECONDS))
    log(f"  {kind} n={n:,} p={p}: CyNetDiff, {passes_fast} passes a block")
    duels = [duel("CyNetDiff", ours, cynetdiff, passes_fast, passes_fast)]
    one_thread = []
    for _ in range(N_BLOCKS):
        elapsed, sizes = timed(ours_single.run, passes_fast)
        one_thread.append(sizes.size / elapsed)
    for name, peer_class in (("NDlib", NDlib), ("EoN", EoNDiscrete)):
        if nx_graph is None:
            duels.append(Duel(name, skipped=f"not run at n = {n:,}: {SKIP_REASON[n]}"))
            continue
        peer = peer_class(nx_graph, p, seeds)
        pilot_start = time.perf_counter()
        single = peer.run(1)
        pilot = time.perf_counter() - pilot_start
        projected = pilot * N_BLOCKS
        if projected > PEER_BUDGET:
            duels.append(Duel(name, peer_sizes=single.tolist(), skipped=(
                f"skipped: one pass of {N_SEED_PEOPLE} cascades took {pilot:.0f} s, "
                f"{N_BLOCKS} blocks would take about {projected / 60:.0f} min")))
            continue
        log(f"  {kind} n={n:,} p={p}: {name} (a pass takes {pilot:.1f} s)")
        duels.append(duel(name, ours, peer, passes_fast, 1))
    return Setting(kind, n, p, duels, one_thread)


SKIP_REASON: dict[int, str] = {}


# ------------------------------------------------------------------ report
def fmt(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def mean_se(values: list[int]) -> tuple[float, float]:
    array = np.asarray(values, dtype=float)
    if array.size < 2:
        return float(array.mean()) if array.size else float("nan"), float("nan")
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(array.size))


def speed_table(settings: list[Setting]) -> str:
    head = ("| graph | n | p | peer | buzz cascades/s (2 threads) | peer cascades/s | "
            "ratio (median) | per block |")
    lines = [head, "|---|---|---|---|---:|---:|---:|---|"]
    for s in settings:
        for d in s.duels:
            label = f"| {s.kind} | 10^{round(math.log10(s.n))} | {s.p} | {d.peer} |"
            if d.skipped:
                lines.append(f"{label} | | | {d.skipped} |")
                continue
            lines.append(
                f"{label} {fmt(statistics.median(d.ours_rates))} | "
                f"{fmt(statistics.median(d.peer_rates))} | "
                f"**{fmt(statistics.median(d.ratios))}x** | "
                + " ".join(fmt(r) for r in d.ratios) + " |"
            )
    return "\n".join(lines)


def agreement_table(settings: list[Setting]) -> str:
    head = "| graph | n | p | peer | cascades (buzz / peer) | buzz mean adopters | " \
           "peer mean adopters | z |"
    lines = [head, "|---|---|---|---|---:|---:|---:|---:|"]
    for s in settings:
        for d in s.duels:
            if d.skipped and not d.peer_sizes:
                continue
            ours_mean, ours_se = mean_se(d.ours_sizes or s.duels[0].ours_sizes)
            peer_mean, peer_se = mean_se(d.peer_sizes)
            ours_n = len(d.ours_sizes or s.duels[0].ours_sizes)
            z = (peer_mean - ours_mean) / math.hypot(ours_se, peer_se) \
                if math.isfinite(peer_se) and (ours_se or peer_se) else float("nan")
            lines.append(
                f"| {s.kind} | 10^{round(math.log10(s.n))} | {s.p} | {d.peer} | "
                f"{ours_n:,} / {len(d.peer_sizes):,} | {fmt(ours_mean)} ± {fmt(ours_se)} | "
                f"{fmt(peer_mean)} ± {fmt(peer_se)} | {z:+.2f} |"
            )
    return "\n".join(lines)


def threads_table(settings: list[Setting]) -> str:
    lines = ["| graph | n | p | buzz 1 thread cascades/s | buzz 2 threads | 2 / 1 | "
             "CyNetDiff | 1 thread / CyNetDiff |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for s in settings:
        d = s.duels[0]
        one, two, theirs = (statistics.median(x) for x in
                            (s.ours_one_thread, d.ours_rates, d.peer_rates))
        lines.append(f"| {s.kind} | 10^{round(math.log10(s.n))} | {s.p} | {fmt(one)} | "
                     f"{fmt(two)} | {two / one:.2f} | {fmt(theirs)} | {one / theirs:.2f}x |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("numpy", "numba", "networkx", "cynetdiff", "ndlib", "EoN")
    )
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"- Machine: {platform.platform()}, {cpu}, {os.cpu_count()} cores; Python "
            f"{platform.python_version()}; {versions}\n- Code: {commit} (plus uncommitted "
            f"changes if any); {dt.datetime.now().astimezone().isoformat(timespec='seconds')}; "
            f"load average at the end {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 10^4 and 10^5 only")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="EXPONENT",
                        help="powers of ten to run instead (e.g. --sizes 3 4), for trying out")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.sizes:
        sizes = tuple(10**e for e in args.sizes)
    started = time.perf_counter()
    settings = []
    for n in sizes:
        for kind in KINDS:
            log(f"building {kind} n={n:,}")
            graph = build(kind, n)
            nx_graph = None
            if n <= 10**5:
                nx_graph = to_networkx(graph)
            else:
                SKIP_REASON[n] = ("pure-Python peers on a networkx copy; a pass at 10^5 "
                                  "already takes minutes (see above), and they scale with n")
            for p in PROBABILITIES:
                settings.append(run_setting(kind, n, p, graph, nx_graph))
            del graph, nx_graph
            gc.collect()
    text = "\n".join([
        "# Independent cascade: buzz vs CyNetDiff, NDlib and EoN",
        "",
        machine(),
        f"- Rerun: `python benchmarks/peers.py{' --quick' if args.quick else ''}` "
        f"({(time.perf_counter() - started) / 60:.0f} min this run); SEED={SEED}",
        "",
        "## Speed (cascades per second; ratio = buzz / peer, block by block)",
        "",
        speed_table(settings),
        "",
        "## Agreement (final adopters per cascade: mean ± standard error)",
        "",
        agreement_table(settings),
        "",
        "## buzz with 1 and 2 threads (same blocks as CyNetDiff's)",
        "",
        threads_table(settings),
        "",
    ])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / ("peers_quick.md" if args.quick else "peers.md")
    out.write_text(text)
    print(text)
    log(f"written {out}")


if __name__ == "__main__":
    main()
