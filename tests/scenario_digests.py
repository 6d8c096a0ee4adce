"""Digests of the tables every ready-made scenario produces: the guard that speed work
and refactoring leave results unchanged.

Each scenario in scenarios/ runs its first ``REPLICATIONS`` replications (serial
executor) and the digest is the SHA-256 of ``runs.parquet`` and ``timeseries.parquet``
written as CSV (rows sorted, every float in full precision). ``tests/test_digests.py``
compares them with ``tests/data/scenario_digests.json``. A digest may change only in
a commit that says why; rewrite the file with::

    python -m tests.scenario_digests --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((PROJECT / "scenarios").glob("*.yaml"))
STORED = PROJECT / "tests" / "data" / "scenario_digests.json"
REPLICATIONS = 2


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table as CSV: columns in name order, rows sorted, full precision."""
    table = table[sorted(table.columns)]
    keys = [column for column in ("run", "step", "message") if column in table.columns]
    table = table.sort_values(keys, kind="stable").reset_index(drop=True)
    text = table.to_csv(index=False, float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_digests(path: Path) -> dict[str, str]:
    """The digests of one scenario's two tables."""
    import sim

    with tempfile.TemporaryDirectory() as folder:
        sim.run_batch(path, out=Path(folder) / "out", executor="serial",
                      replications=REPLICATIONS)
        tables = sim.load_results(Path(folder) / "out")
        return {name: table_digest(tables[name]) for name in ("runs", "timeseries")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {STORED.name}")
    args = parser.parse_args()
    digests = {}
    for path in SCENARIOS:
        digests[path.name] = scenario_digests(path)
        print(path.name, digests[path.name], file=sys.stderr)
    text = json.dumps(digests, indent=2, sort_keys=True) + "\n"
    if args.write:
        STORED.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
