"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import Scenario, scenario_from_dict

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"
FACEBOOK = SHARED_DATA / "facebook_combined.txt"


def make_scenario(network: dict, messages: list[dict] | None = None, **top) -> Scenario:
    """A validated scenario with one IC message unless ``messages`` is given."""
    if messages is None:
        messages = [
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 0.3},
                "seeding": {"strategy": "random", "count": 3},
            }
        ]
    raw = {"name": "test", "seed": 1, "steps": 200, "network": network, "messages": messages}
    raw.update(top)
    return scenario_from_dict(raw)


@pytest.fixture
def facebook_path() -> Path:
    """The SNAP ego-Facebook file, or a skip saying why it is absent."""
    if not FACEBOOK.is_file():
        pytest.skip(f"{FACEBOOK} is absent (it lives in ../shared/data beside the project)")
    return FACEBOOK
