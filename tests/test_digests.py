"""Every ready-made scenario's tables are unchanged (see tests/scenario_digests.py)."""

from __future__ import annotations

import json

import pytest

from tests.scenario_digests import SCENARIOS, STORED, scenario_digests


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_tables_match_their_stored_digest(path):
    stored = json.loads(STORED.read_text())
    assert path.name in stored, f"no digest for {path.name}: python -m tests.scenario_digests"
    assert scenario_digests(path) == stored[path.name], (
        f"{path.name}: its tables changed; if that is meant, rewrite the digests "
        "(python -m tests.scenario_digests --write) in a commit that says why"
    )
