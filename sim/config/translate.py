"""Pydantic's errors translated into one line: file, dotted key, value, what is allowed."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError

from sim.config.scenario import Scenario
from sim.errors import InputError
from sim.schema import CHOICE_TAGS, KeyedError


def first_error(err: ValidationError, raw: dict, source: str) -> InputError:
    """Translate pydantic's first error into one line with a dotted key."""
    error = err.errors(include_url=False)[0]
    loc = list(error["loc"])
    key, value, model_cls = _dotted(loc, raw)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # the section's kind is named by its discriminator: model, action, distribution
        tag_key = str(ctx.get("discriminator", "model")).strip("'")
        if kind == "union_tag_not_found":
            return InputError(source, _join(key, tag_key), None,
                              f"a key {tag_key} naming the kind")
        allowed_tags = ctx.get("expected_tags", "").replace("'", "")
        tag = value.get(tag_key, ctx.get("tag")) if isinstance(value, dict) else ctx.get("tag")
        return InputError(source, _join(key, tag_key), tag, f"one of {allowed_tags}")
    if kind == "extra_forbidden":
        keys = (
            ", ".join(field.alias or name for name, field in model_cls.model_fields.items())
            if model_cls
            else "see the scenario docs"
        )
        return InputError(source, key, None, f"no such key here; known keys: {keys}")
    if kind == "missing":
        return InputError(source, key, None, "a value (this key is required)")
    exc = ctx.get("error")
    if isinstance(exc, KeyedError):
        return InputError(source, _join(key, exc.key), exc.value, exc.allowed)
    message = str(exc) if exc is not None else error["msg"]
    message = message[0].lower() + message[1:] if message else message
    return InputError(source, key, error.get("input", value), message)


def _join(key: str, leaf: str) -> str:
    return ".".join(part for part in (key, leaf) if part)


def _dotted(loc: list, raw: Any) -> tuple[str, Any, type[BaseModel] | None]:
    """Walk pydantic's ``loc`` through the raw data: list items become message names,
    discriminator tags are skipped. Returns the key, the raw value and the model class
    that holds the last key."""
    parts: list[str] = []
    node = raw
    annotation: Any = Scenario
    holder: type[BaseModel] | None = Scenario
    for index, part in enumerate(loc):
        is_last = index == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int):
            item = node[part] if part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(str(name) if isinstance(name, str) and name else str(part))
            node = item
            annotation = _list_item(annotation)
            continue
        # pydantic puts the tag of a discriminated union in the path right after the
        # union's key; the annotation says where (model "layers" has a field "layers")
        tagged = (
            isinstance(node, dict)
            and _model_class(annotation) is None
            and any(node.get(tag) == part for tag in _DISCRIMINATORS)
        )
        if tagged:
            annotation = _union_member(annotation, part)
            continue  # a discriminator tag pydantic put in the path
        if part in CHOICE_TAGS:
            annotation = _tagged_member(annotation, part)
            continue  # a number or a section (sim.schema.number_or): not a key
        parts.append(str(part))
        model_cls = _model_class(annotation)
        if is_last:
            holder = model_cls
        if model_cls is not None and isinstance(part, str) and part in model_cls.model_fields:
            annotation = model_cls.model_fields[part].annotation
        node = node.get(part) if isinstance(node, dict) else None
    if loc and isinstance(loc[-1], int):
        holder = None
    return ".".join(parts), node, holder


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    return [annotation]


def _model_class(annotation: Any) -> type[BaseModel] | None:
    members = [m for m in _unwrap(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return members[0] if len(members) == 1 else None


_DISCRIMINATORS = ("model", "action", "distribution")


def _union_member(annotation: Any, tag: str) -> Any:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for discriminator in _DISCRIMINATORS:
                field = member.model_fields.get(discriminator)
                if field is not None and tag in typing.get_args(field.annotation):
                    return member
    return annotation


def _tagged_member(annotation: Any, tag: str) -> Any:
    """The member of a ``number_or`` choice that carries ``tag`` (else ``annotation``)."""
    for member in typing.get_args(annotation):
        if typing.get_origin(member) is Annotated:
            if any(getattr(meta, "tag", None) == tag for meta in member.__metadata__):
                return typing.get_args(member)[0]
        elif typing.get_origin(member) in (Union, types.UnionType):
            found = _tagged_member(member, tag)
            if found is not member:
                return found
    return annotation


def _list_item(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if typing.get_origin(member) is list:
            return typing.get_args(member)[0]
    return annotation
