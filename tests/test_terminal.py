"""``buzz run``'s summary in an 80- and a 100-column terminal: nothing wider than the
terminal, no word and no number broken across lines."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from sim.results.tables import summary_tables

from .test_arms import BASE


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory):
    """Long arm names, two messages, money, value and sentiment: the widest tables."""
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["sweep"]["arms"][0]["name"] = "seed the best connected complainers"
    raw["report"]["baseline"] = "random people"
    path = tmp_path_factory.mktemp("terminal") / "wide.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.mark.parametrize("columns", [80, 100])
def test_the_summary_fits_without_breaking_a_word(scenario_path, tmp_path, columns):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(scenario_path), "--out", str(out),
         "--executor", "serial"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # the summary fits; the folder's path is printed whole (to copy), however long
    assert lines[-1].startswith(f"results: {out}/ (runs.parquet")
    lines = lines[:-1]
    assert max(len(line.rstrip()) for line in lines) <= columns
    words = " ".join(lines).split()
    text = "\n".join(lines)
    # every word of every header and arm name is whole on some line
    runs = pd.read_parquet(out / "runs.parquet")
    scenario = yaml.safe_load((out / "scenario.yaml").read_text())
    tables = summary_tables(runs, scenario)
    assert [table.title for table in tables] == ["Reach and speed", "Money", "Sentiment"]
    for table in tables:
        for heading in table.headers:
            for word in heading.split():
                assert word in words, (columns, word)
        for row in table.rows:
            for cell in row[len(table.keys):]:
                # a number, and its interval, each whole on one line
                for piece in (cell.text, cell.interval):
                    assert piece in text, (columns, piece)
            for word in " ".join(row[:len(table.keys)]).split():
                assert word in words, (columns, word)
    for name in ("seed", "best", "connected", "complainers"):
        assert name in words
