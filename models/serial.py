"""Plans and results as plain JSON-ready data, and back, every field kept.

Used by the project file. The shape is that of the dataclasses: each field by
name; enums by value; nested dataclasses as objects; tuples as lists.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Final, TypeVar

from models.domain import Bound, FunctionRule, Line, Plan, Policy, RatioRule
from models.issues import Issue
from models.result import Explanation, Fix, Impact, Result, RuleReport, RuleSensitivity, Sensitivity
from models.rules import RuleKey

__all__ = ["NotFiniteError", "SerialError", "from_data", "plan_from_data", "result_from_data", "to_data"]

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
        RuleSensitivity,
        Sensitivity,
    )
}


class SerialError(ValueError):
    """Stored data that does not describe a plan or result."""


class NotFiniteError(SerialError):
    """Stored data holding a number that is not finite (NaN or infinity); the text says which."""


class _NotFiniteError(ValueError):
    pass


def to_data(value: Any) -> Any:
    """A dataclass (or enum, tuple, mapping, number, text) as JSON-ready data."""
    kind: Any = type(value)
    return _writer(kind)(value)


def _same(data: Any) -> Any:
    return data


_PLAIN: Final = frozenset({str, float, int, bool, type(None)})


def _items(value: Any) -> list[Any]:
    return [v if type(v) in _PLAIN else to_data(v) for v in value]


@functools.cache
def _writer(kind: type) -> Callable[[Any], Any]:
    """A function writing values of type ``kind`` as data (made once per type)."""
    if kind in _PLAIN:
        return _same
    if dataclasses.is_dataclass(kind):
        return _dataclass_writer(kind)
    if issubclass(kind, Enum):
        return lambda value: value.value
    if issubclass(kind, tuple | list):
        return _items
    if issubclass(kind, typing.Mapping):
        return lambda value: {str(k): to_data(v) for k, v in value.items()}
    return _same


def _dataclass_writer(cls: type) -> Callable[[Any], Any]:
    """A writer for ``cls``, its code written out field by field."""
    code = ["def write(value):", "    made = {}"]
    for name in _field_names(cls):
        code += [
            f"    v = value.{name}",
            f"    made[{name!r}] = v if type(v) in _PLAIN else to_data(v)",
        ]
    code.append("    return made")
    scope: dict[str, Any] = {"_PLAIN": _PLAIN, "to_data": to_data}
    exec("\n".join(code), scope)  # noqa: S102 - code made above from the class's own field names
    return typing.cast(Callable[[Any], Any], scope["write"])


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass that are stored: those set at creation, not private."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))


def from_data(cls: type[_T], data: Any) -> _T:
    """The dataclass ``cls`` rebuilt from :func:`to_data`'s output."""
    try:
        hint: Any = cls
        return typing.cast(_T, _reader(hint)(data))
    except _NotFiniteError as error:
        raise NotFiniteError(str(error)) from None
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise SerialError(f"stored {cls.__name__} cannot be read: {error}") from None


def _build(hint: Any, data: Any) -> Any:
    return _reader(hint)(data)


def _number(data: Any) -> Any:
    kind = type(data)
    if kind is float:
        if data - data != 0.0:  # NaN or infinity
            raise _NotFiniteError(
                "NaN (not a number)" if math.isnan(data) else "infinity" if data > 0 else "minus infinity"
            )
        return data
    if kind is int:
        return float(data)
    raise TypeError(f"{data!r} is not a number")


def _numbers(data: Any) -> tuple[float, ...]:
    values = _sequence(data)
    if all(type(v) is float and v - v == 0.0 for v in values):
        return tuple(values)
    return tuple([_number(v) for v in values])


def _whole(data: Any) -> Any:
    if type(data) is not int:
        raise TypeError(f"{data!r} is not a whole number")
    return data


def _flag(data: Any) -> Any:
    if type(data) is not bool:
        raise TypeError(f"{data!r} is not true or false")
    return data


def _text(data: Any) -> Any:
    if type(data) is not str:
        raise TypeError(f"{data!r} is not text")
    return data


_SCALARS: dict[Any, Callable[[Any], Any]] = {float: _number, int: _whole, bool: _flag, str: _text}


@functools.cache
def _reader(hint: Any) -> Callable[[Any], Any]:
    """A function rebuilding a value of type ``hint`` from its data (made once per type)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return _same
    if hint in _SCALARS:
        return _SCALARS[hint]
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = _reader(options[0]) if len(options) == 1 else _same
        if type(None) not in args:
            return inner
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            if args[0] is float:
                return _numbers
            item = _reader(args[0])
            return lambda data: tuple([item(v) for v in _sequence(data)])
        if args:
            items = [_reader(a) for a in args]

            def fixed(data: Any) -> tuple[Any, ...]:
                if len(items) != len(_sequence(data)):
                    raise ValueError(f"{data!r} should have {len(items)} items")
                return tuple(read(v) for read, v in zip(items, data, strict=True))

            return fixed
        return lambda data: tuple(_sequence(data))
    if origin in (dict, typing.Mapping, collections.abc.Mapping):
        value = _reader(args[1]) if len(args) == 2 else _same
        return lambda data: {str(k): value(v) for k, v in _mapping(data).items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_reader(hint)
    return _same


def _sequence(data: Any) -> Any:
    if type(data) is not list:
        raise TypeError(f"{data!r} is not a list")
    return data


def _mapping(data: Any) -> Any:
    if type(data) is not dict:
        raise TypeError(f"{data!r} is not an object")
    return data


#: Checks made in line for the commonest field types (no call when the value is already right).
_IN_LINE: Final = {
    float: ("type(v) is not float or v - v != 0.0", "_number"),
    str: ("type(v) is not str", "_text"),
    bool: ("type(v) is not bool", "_flag"),
    int: ("type(v) is not int", "_whole"),
}


def _dataclass_reader(cls: type) -> Callable[[Any], Any]:
    """A reader for ``cls``, its code written out field by field when first used."""
    made: list[Callable[[Any], Any]] = []

    def read(data: Any) -> Any:
        if not made:  # made at first use: a field may be of a class whose reader is being made
            made.append(_dataclass_code(cls))
        return made[0](data)

    return read


def _dataclass_code(cls: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls, localns=_CLASSES)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    scope: dict[str, Any] = {
        "cls": cls,
        "_mapping": _mapping,
        "_number": _number,
        "_text": _text,
        "_flag": _flag,
        "_whole": _whole,
    }
    code = ["def read(data):", "    given = _mapping(data)", "    made = {}"]
    for number, name in enumerate(names):
        hint = hints[name]
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else ()
        optional = type(None) in options
        inner = [a for a in options if a is not type(None)]
        plain = inner[0] if optional and len(inner) == 1 else hint
        code += [f"    if {name!r} in given:", f"        v = given[{name!r}]"]
        if plain in _IN_LINE:
            check, convert = _IN_LINE[plain]
            guard = f"v is not None and ({check})" if optional else check
            code += [f"        if {guard}:", f"            v = {convert}(v)"]
        else:
            scope[f"read{number}"] = _reader(hint)
            code.append(f"        v = read{number}(v)")
        code.append(f"        made[{name!r}] = v")
    code.append("    return cls(**made)")
    exec("\n".join(code), scope)  # noqa: S102 - code made above from the class's own field names
    return typing.cast(Callable[[Any], Any], scope["read"])


def plan_from_data(data: Any) -> Plan:
    return from_data(Plan, data)


def result_from_data(data: Any) -> Result:
    return from_data(Result, data)
