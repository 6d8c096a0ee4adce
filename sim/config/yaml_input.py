"""YAML read within bounds: size, nesting, aliases and repeated keys checked while parsing.

A scenario is small: a few kilobytes, a few levels deep. Anything far beyond that is a
mistake or an attack (a 50,000-deep nesting overflows the parser's recursion; a few
lines of aliases to aliases expand into billions of values once a sweep copies them),
so it is refused in one line before it costs memory or time:

- at most :data:`MAX_BYTES` of text;
- at most :data:`MAX_DEPTH` levels of nesting;
- at most :data:`MAX_VALUES` values once every alias is expanded, and no alias to the
  anchor it is inside (a value that contains itself);
- each key once per mapping (PyYAML would keep the last silently);
- integers of at most :data:`MAX_DIGITS` characters.

Examples
--------
>>> load_yaml("a: 1\\nb: [2, 3]", "s.yaml")
{'a': 1, 'b': [2, 3]}
>>> load_yaml("a: 1\\na: 2", "s.yaml")
Traceback (most recent call last):
...
sim.errors.InputError: s.yaml: line 2 = 'a': allowed: each key once in a mapping (a is repeated)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError

MAX_BYTES = 4 * 2**20
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
MAX_DIGITS = 40  # an integer literal: seeds need 19 digits; Python refuses 4,300
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A bound broken while parsing, at a line of the text."""

    def __init__(self, mark: yaml.Mark, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.line, self.value, self.allowed = mark.line + 1, value, allowed


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting depth and expanded values while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it holds, aliases expanded

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self._sizes.get(id(node))
                if size is None:
                    raise _Refused(event.start_mark, f"*{event.anchor}",
                                   "an alias to a value defined before it (this one is "
                                   "inside its own anchor)")
                self._count(size, event.start_mark)
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(mark, None, f"at most {MAX_DEPTH} levels of nesting")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            _check_unique_keys(node)
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        # an alias child was counted when it was met; its size is its anchor's
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(child), 1) for child in children)
        self._count(1, mark)
        return node

    def construct_yaml_int(self, node):
        if len(str(node.value)) > MAX_DIGITS:
            raise _Refused(node.start_mark, f"{str(node.value)[:20]}...",
                           f"an integer of at most {MAX_DIGITS} digits")
        return super().construct_yaml_int(node)

    def _count(self, values: int, mark: yaml.Mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise _Refused(mark, None, f"at most {MAX_VALUES:,} values once aliases are "
                           "expanded (aliases here repeat too much)")


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def _check_unique_keys(node: yaml.MappingNode) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        identity = (key.tag, key.value)
        if identity in seen:
            raise _Refused(key.start_mark, key.value,
                           f"each key once in a mapping ({key.value} is repeated)")
        seen.add(identity)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text within the bounds above; anything wrong is one
    :class:`~sim.errors.InputError` naming the line."""
    if len(text) > MAX_BYTES:
        raise InputError(source, "", f"{len(text):,} characters",
                         f"a scenario of at most {MAX_BYTES // 2**20} MiB")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _Refused as refused:
        raise InputError(source, f"line {refused.line}", refused.value, refused.allowed) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(source, where, None, f"valid YAML ({problem})") from None
    except RecursionError:  # a bound above should come first; never a traceback
        raise InputError(source, "", None, f"at most {MAX_DEPTH} levels of nesting") from None
    finally:
        loader.dispose()


def read_text(path: Path, source: str) -> str:
    """A scenario file's text, read no further than :data:`MAX_BYTES` (``/dev/zero``
    or a huge file is refused without reading it all)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(source, "", None, "an existing scenario file (not found)") from None
    except IsADirectoryError:
        raise InputError(source, "", None, "a scenario file (this is a folder)") from None
    except OSError as err:
        raise InputError(source, "", None, f"a readable file ({err.strerror or err})") from None
    if len(raw) > MAX_BYTES:
        raise InputError(source, "", None, f"a scenario of at most {MAX_BYTES // 2**20} MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(source, "", None, f"a UTF-8 text file ({err.reason})") from None
