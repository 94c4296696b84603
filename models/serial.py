"""Plans and results as plain JSON-ready data, and back, every field kept.

Used by the project file. The shape is that of the dataclasses: each field by
name; enums by value; nested dataclasses as objects; tuples as lists.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from enum import Enum
from typing import Any, TypeVar

from models.domain import Bound, FunctionRule, Line, Plan, Policy, RatioRule
from models.issues import Issue
from models.result import Explanation, Fix, Impact, Result, RuleReport
from models.rules import RuleKey

__all__ = ["SerialError", "from_data", "plan_from_data", "result_from_data", "to_data"]

_T = TypeVar("_T")
_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Bound,
        FunctionRule,
        Line,
        Plan,
        Policy,
        RatioRule,
        Issue,
        Explanation,
        Fix,
        Impact,
        Result,
        RuleReport,
        RuleKey,
    )
}


class SerialError(ValueError):
    """Stored data that does not describe a plan or result."""


def to_data(value: Any) -> Any:
    """A dataclass (or enum, tuple, mapping, number, text) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_data(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init and not f.name.startswith("_")
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, typing.Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def from_data(cls: type[_T], data: Any) -> _T:
    """The dataclass ``cls`` rebuilt from :func:`to_data`'s output."""
    try:
        return typing.cast(_T, _build(cls, data))
    except (TypeError, ValueError, KeyError) as error:
        raise SerialError(f"stored {cls.__name__} cannot be read: {error}") from None


def _build(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        return _build(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in data)
        if args and len(args) != len(data):
            raise ValueError(f"{data!r} should have {len(args)} items")
        return tuple(_build(a, v) for a, v in zip(args or [Any] * len(data), data, strict=True))
    if origin in (dict, typing.Mapping, collections.abc.Mapping):
        value_type = args[1] if len(args) == 2 else Any
        return {str(k): _build(value_type, v) for k, v in data.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint, localns=_CLASSES)
        kwargs = {
            f.name: _build(hints[f.name], data[f.name])
            for f in dataclasses.fields(hint)
            if f.init and f.name in data
        }
        return hint(**kwargs)
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise TypeError(f"{data!r} is not a number")
        return float(data)
    if hint is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise TypeError(f"{data!r} is not a whole number")
        return data
    if hint is bool:
        if not isinstance(data, bool):
            raise TypeError(f"{data!r} is not true or false")
        return data
    if hint is str:
        if not isinstance(data, str):
            raise TypeError(f"{data!r} is not text")
        return data
    return data


def plan_from_data(data: Any) -> Plan:
    return from_data(Plan, data)


def result_from_data(data: Any) -> Result:
    return from_data(Result, data)
