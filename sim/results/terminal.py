"""The summary ``buzz run`` prints: the ranking of the arms and one table per theme,
laid out to fit the terminal.

Every cell is a mean above its 95% interval (:mod:`sim.results.tables` builds them,
as for the report). A table is printed as a grid when its narrowest layout fits the
terminal without breaking a word; otherwise each row is stacked as a small block of
``measure  value`` lines, which fits any terminal 40 columns wide or more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table as RichTable
from rich.text import Text

from sim.results.statistics import point_labels
from sim.results.tables import (
    Cell,
    Ranking,
    Table,
    difference,
    header,
    mean_cell,
    ranking,
    summary_tables,
)


def summary_renderables(runs: pd.DataFrame, scenario: Mapping[str, Any] | None,
                        width: int) -> list[RenderableType]:
    """What :func:`print_summary` prints, for a terminal ``width`` columns wide.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": 0, "replication": [0, 1, 2], "message": "a",
    ...                      "reach_frac": [0.1, 0.2, 0.3], "adopters": [5, 6, 7],
    ...                      "peak_step": [2, 2, 2], "t50": [3, 4, 5]})
    >>> import io
    >>> console = Console(width=80, record=True, file=io.StringIO())
    >>> for part in summary_renderables(runs, {"name": "demo"}, 80):
    ...     console.print(part)
    >>> text = console.export_text()
    >>> "20.0%" in text and "[10.0, 30.0]" in text
    True
    """
    labels = point_labels(runs)
    n_points = runs["point"].nunique()
    replications = runs["replication"].nunique() if "replication" in runs else len(runs)
    name = (scenario or {}).get("name", "")
    parts: list[RenderableType] = [Text(
        f"{name}: {n_points} arm{'s' if n_points > 1 else ''} x {replications} "
        f"replication{'s' if replications > 1 else ''}; each number is a mean over "
        "replications above its 95% interval", style="bold")]
    if n_points > 1:
        ranked = ranking(runs, scenario, labels)
        currency = ((scenario or {}).get("report") or {}).get("currency", "")
        parts.append(_fit(_ranking_table(ranked, currency), width))
    for table in summary_tables(runs, scenario, labels):
        parts.append(_fit(_grid(table), width, table))
    return parts


def print_summary(console: Console, runs: pd.DataFrame,
                  scenario: Mapping[str, Any] | None) -> None:
    """Print the summary of a batch's ``runs`` on ``console`` (:func:`summary_renderables`)."""
    for part in summary_renderables(runs, scenario, console.width):
        console.print(part)


def _two_lines(cell: Cell | str) -> Text:
    """A mean above its interval; neither line may break."""
    if isinstance(cell, Cell):
        text = Text(cell.text, style="bold" if cell.clear else "")
        if cell.interval:
            text.append("\n" + cell.interval, style="dim")
        return text
    return Text(str(cell))


def _grid(table: Table) -> RichTable:
    grid = RichTable(title=table.title, title_justify="left", title_style="bold",
                     box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for index, heading in enumerate(table.headers):
        key = index < len(table.keys)
        grid.add_column(heading, justify="left" if key else "right", overflow="fold")
    for row in table.rows:
        grid.add_row(*(_two_lines(cell) for cell in row))
    return grid


def _ranking_table(ranked: Ranking, currency: str) -> RichTable:
    measure = ranked.measure
    title = (f"Arms ranked by {measure.label} ({ranked.message}; "
             f"{ranked.better} is better), each against {ranked.baseline}")
    grid = RichTable(title=title, title_justify="left", title_style="bold",
                     box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    grid.add_column("#", justify="right")
    grid.add_column("arm")
    grid.add_column(header(measure, currency), justify="right")
    grid.add_column(f"difference from {ranked.baseline} (paired)", justify="right")
    for _, row in ranked.frame.iterrows():
        versus = (difference(row, measure, currency) if pd.notna(row["diff_mean"])
                  else Cell("baseline"))
        grid.add_row(str(row["rank"]), str(row["arm"]),
                     _two_lines(mean_cell(row["mean"], row["lo"], row["hi"], measure, currency)),
                     _two_lines(versus))
    return grid


def _fit(grid: RichTable, width: int, table: Table | None = None) -> RenderableType:
    """The grid, its columns sized to fit ``width`` without breaking a word (headers
    and names wrap between words, numbers never wrap); its rows stacked when even that
    is too wide."""
    # numbers (right-justified) never wrap; words wrap between words
    narrowest = [max(_narrowest(column.header, False),
                     *(_narrowest(cell, column.justify == "right") for cell in column.cells))
                 for column in grid.columns]
    widest = [max(_narrowest(column.header, True),
                  *(_narrowest(cell, True) for cell in column.cells))
              for column in grid.columns]
    chosen = list(narrowest)
    if _width(grid, chosen) > width:
        return _stacked(grid, table)
    # what is left goes, a column at a time, to headers that would wrap less
    while _width(grid, chosen) < width:
        wanting = [i for i, (now, most) in enumerate(zip(chosen, widest, strict=True))
                   if now < most]
        if not wanting:
            break
        # names first (an arm's name on one line), then the header that wraps most
        names = [i for i in wanting if grid.columns[i].justify != "right"]
        chosen[min(names or wanting, key=lambda i: chosen[i] - widest[i] + 0.001 * i)] += 1
    for column, size in zip(grid.columns, chosen, strict=True):
        column.width = size
    return grid


def _width(grid: RichTable, widths: list[int]) -> int:
    """How wide ``grid`` is with these column widths (padding and borders included)."""
    for column, size in zip(grid.columns, widths, strict=True):
        column.width = size
    wide = Console(width=100_000)  # rich caps a measure at the console's width
    return Measurement.get(wide, wide.options, grid).maximum


def _narrowest(text: object, no_wrap: bool) -> int:
    """The narrowest a cell can be: its longest line if it may not wrap, else its
    longest word."""
    lines = str(text).split("\n")
    if no_wrap:
        return max(cell_len(line) for line in lines)
    return max((cell_len(word) for line in lines for word in line.split()), default=0)


def _stacked(grid: RichTable, table: Table | None) -> RenderableType:
    """Each row as a block: its first cells as a heading, then ``measure  value``."""
    headers = [str(column.header) for column in grid.columns]
    cells = [list(column.cells) for column in grid.columns]
    keys = len(table.keys) if table is not None else 2
    blocks: list[RenderableType] = [Text(str(grid.title), style="bold")]
    for row in range(len(cells[0]) if cells else 0):
        heading = " · ".join(
            f"{cells[i][row]}" + (" runs" if headers[i] == "runs" else "")
            for i in range(keys))
        block = RichTable(box=None, show_header=False, pad_edge=False, padding=(0, 1),
                          title=heading, title_justify="left", title_style="italic")
        block.add_column("measure", overflow="fold")
        block.add_column("value", justify="right", no_wrap=True)
        for i in range(keys, len(headers)):
            value = cells[i][row]
            block.add_row(headers[i], Text(str(value).replace("\n", " ")))
        blocks.append(block)
    return Group(*blocks, Text(""))
