"""The README's scenario example is a valid scenario (docs must not drift)."""

from __future__ import annotations

import re

import yaml

from sim.config import scenario_from_dict

from .conftest import PROJECT


def test_readme_scenario_example_validates():
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Scenarios"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)
    scenario = scenario_from_dict(yaml.safe_load(block), "README.md")
    assert [m.name for m in scenario.messages] == ["promo", "ads"]
    assert len(scenario.sweep.points(scenario.seed)) == 2 * 3 * 2 * 16
    assert scenario.point_labels()[0].startswith("word of mouth, ")
    assert scenario.report.rank_column == "cost_per_reach" and scenario.value.per_adopter == 12
