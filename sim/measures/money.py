"""Money: what a message's seeding cost, per person reached and per adopter."""

from __future__ import annotations


def cost_metrics(total_cost: float, reach: int, adopters: int) -> dict[str, float]:
    """A campaign's cost, its cost per person reached and per adopter (seeds included
    in both, as in ``runs.parquet``); NaN where nobody was reached or adopted.

    Examples
    --------
    >>> cost_metrics(120.0, reach=60, adopters=8)
    {'cost': 120.0, 'cost_per_reach': 2.0, 'cost_per_adopter': 15.0}
    """
    return {
        "cost": float(total_cost),
        "cost_per_reach": total_cost / reach if reach else float("nan"),
        "cost_per_adopter": total_cost / adopters if adopters else float("nan"),
    }
