"""What the peer benchmarks (``whole_process.py``, ``peers.py``) print alike: the
machine, numbers, medians, and the agreement of two samples of cascade sizes."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "out"
AGREE_Z = 3.0  # |z| above this: the means differ by more than their standard errors allow


def fmt(x: float) -> str:
    """A rate or a time to about three significant figures, with thousands separators."""
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (nan where undefined)."""
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    mean = math.fsum(values) / n
    if n < 2:
        return mean, float("nan")
    return mean, statistics.stdev(values) / math.sqrt(n)


def agreement(ours: Sequence[float], theirs: Sequence[float]) -> tuple[float, bool]:
    """z of the difference of two means, and whether ``|z| <= AGREE_Z``.

    The standard error of the difference uses the pooled variance of both samples
    (the two-sample test with equal variances): a slow peer may run a handful of
    cascades, whose own spread says little, and under the hypothesis being tested
    both samples come from the same distribution. Two constant samples with equal
    means agree (z = 0).

    Examples
    --------
    >>> z, ok = agreement([10, 12, 11, 13, 9, 11], [12, 10])
    >>> round(z, 2), ok
    (0.0, True)
    """
    n1, n2 = len(ours), len(theirs)
    if n1 + n2 < 3 or not n1 or not n2:
        return float("nan"), False
    m1, m2 = math.fsum(ours) / n1, math.fsum(theirs) / n2
    squares = math.fsum((x - m1) ** 2 for x in ours) + math.fsum((x - m2) ** 2 for x in theirs)
    spread = math.sqrt(squares / (n1 + n2 - 2) * (1 / n1 + 1 / n2))
    if spread == 0:
        return (0.0, True) if m1 == m2 else (math.inf, False)
    z = (m2 - m1) / spread
    return z, abs(z) <= AGREE_Z


def machine(packages: Sequence[str]) -> str:
    """Markdown lines: the machine, package versions, the commit, the date and the load."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in packages)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"- Machine: {platform.platform()}, {cpu}, {os.cpu_count()} cores, "
            f"{memory:.0f} GiB; Python {platform.python_version()}; {versions}\n"
            f"- Code: {commit} (plus uncommitted changes if any); "
            f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')}; "
            f"load average at the end {load}")


def write_report(name: str, text: str) -> Path:
    """Write ``text`` to ``benchmarks/out/<name>`` and return the path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / name
    out.write_text(text)
    return out
