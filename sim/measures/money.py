"""Money: what a message's seeding cost, per person reached and per adopter, and what
it brought back."""

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


def return_metrics(cost: float, reach: int, adopters: int, per_reach: float | None,
                   per_adopter: float | None) -> dict[str, float]:
    """What a message brings back: ``value`` (``per_adopter`` for each adopter plus
    ``per_reach`` for each person reached) and the return on investment
    ``roi = (value - cost) / cost``; NaN without a value, and ``roi`` NaN when nothing
    was spent.

    Examples
    --------
    >>> return_metrics(200.0, reach=500, adopters=40, per_reach=0.0, per_adopter=12.0)
    {'value': 480.0, 'roi': 1.4}
    >>> return_metrics(0.0, reach=500, adopters=40, per_reach=None, per_adopter=None)
    {'value': nan, 'roi': nan}
    """
    if per_reach is None and per_adopter is None:
        return {"value": float("nan"), "roi": float("nan")}
    value = float((per_adopter or 0.0) * adopters + (per_reach or 0.0) * reach)
    return {"value": value, "roi": (value - cost) / cost if cost > 0 else float("nan")}
