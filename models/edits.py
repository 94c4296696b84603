"""Edits a finance lead makes to a plan, each giving a new plan or a reason to refuse.

Every edit parses the typed text with the same parsers as the workbook
reader, builds the new immutable plan and validates it; a value that would
make the plan invalid is refused with the validation's message, and the old
plan is untouched. The window, the tests and scripts all go through here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from models import fields
from models.cells import CellError
from models.domain import (
    Bound,
    FunctionRule,
    Kind,
    Line,
    Objective,
    Plan,
    RatioRule,
    default_kind,
    function_key,
)
from models.phasing import rescaled
from models.schema import line_field, setting
from models.validation import validate

__all__ = [
    "EditError",
    "add_ratio",
    "parse_bound",
    "parse_line_field",
    "parse_setting",
    "remove_ratio",
    "set_function_bound",
    "set_line_field",
    "set_objective",
    "set_policy",
]


_T = TypeVar("_T")


class EditError(ValueError):
    """An edit that cannot be made; the message says why."""


def parse_line_field(field: str, text: str) -> object:
    """The typed value of one Budget column (:data:`models.schema.LINE_FIELDS`), as the user typed it."""
    spec = line_field(field)
    if not text.strip():
        if spec.required or spec.inferred:
            raise EditError(f"{spec.label} cannot be blank")
        return spec.default
    try:
        return spec.parse(text)
    except CellError as error:
        raise EditError(f"{spec.label}: {error}") from None


def _checked(old: Plan, new: Plan) -> Plan:
    """``new``, unless it has a problem ``old`` did not have."""
    before = {issue.message for issue in validate(old)}
    for issue in validate(new):
        if issue.message not in before:
            raise EditError(issue.message)
    return new


def set_line_field(plan: Plan, index: int, field: str, value: object) -> Plan:
    """The plan with one line's field set; a new function takes that function's kind.

    A new current spend keeps the line's phasing in its proportions (a line
    whose current spend was 0 loses its phasing: there were no proportions).
    """
    line = plan.lines[index]
    if getattr(line, field) == value:
        return plan
    changed: Line = replace(line, **{field: value})  # type: ignore[arg-type]
    if field == "current" and isinstance(value, int | float) and line.phasing is not None:
        # The phasing keeps its proportions; with none to keep (current was 0), the line has none.
        changed = replace(changed, phasing=rescaled(line.phasing, line.current, value))
    if field == "function" and isinstance(value, str):
        key = function_key(value)
        kinds = {other.kind for other in plan.lines if function_key(other.function) == key}
        rule = plan.function_rule(value)
        kind = rule.kind if rule is not None and rule.kind is not None else None
        changed = replace(changed, kind=kind or (kinds.pop() if len(kinds) == 1 else default_kind(value)))
    lines = list(plan.lines)
    lines[index] = changed
    new = replace(plan, lines=tuple(lines))
    if field == "kind" and isinstance(value, Kind):
        # A function has one kind: every line of the function moves with it.
        key = function_key(line.function)
        new = replace(
            new,
            lines=tuple(
                replace(other, kind=value) if function_key(other.function) == key else other
                for other in new.lines
            ),
        )
    return _checked(plan, new)


def set_policy(plan: Plan, **changes: object) -> Plan:
    """The plan with policy settings changed (``total_budget``, ``internal_share_min``...)."""
    new = plan.with_policy(**changes)
    return plan if new == plan else _checked(plan, new)


def set_function_bound(plan: Plan, function: str, which: str, bound: Bound | None) -> Plan:
    """The plan with a function's floor or cap (``which``) set or cleared."""
    if which not in ("floor", "cap"):
        raise ValueError(which)
    key = function_key(function)
    rules = list(plan.policy.functions)
    for n, rule in enumerate(rules):
        if function_key(rule.function) == key:
            rules[n] = replace(rule, floor=bound) if which == "floor" else replace(rule, cap=bound)
            if rules[n].floor is None and rules[n].cap is None and rules[n].kind is None:
                del rules[n]
            break
    else:
        if bound is None:
            return plan
        rules.append(
            FunctionRule(function, floor=bound) if which == "floor" else FunctionRule(function, cap=bound)
        )
    return set_policy(plan, functions=tuple(rules))


def _optional(text: str, parse: Callable[[str], _T], label: str = "") -> _T | None:
    """``parse(text)``, None for blank text; a value that cannot be read is an :class:`EditError`."""
    if not text.strip():
        return None
    try:
        return parse(text)
    except CellError as error:
        raise EditError(f"{label}: {error}" if label else str(error)) from None


def parse_bound(text: str) -> Bound | None:
    """A floor or cap as typed: ``1,200,000``, ``8%`` (of the budget), ``95% of current``; blank clears."""
    return _optional(text, fields.parse_bound)


def parse_setting(attr: str, text: str) -> object:
    """A policy setting (see :data:`models.schema.POLICY_SETTINGS`) as typed; blank means none."""
    spec = setting(attr)
    return _optional(text, spec.parse, spec.label)


def add_ratio(plan: Plan, left: str, factor: float, right: str) -> Plan:
    if function_key(left) == function_key(right):
        raise EditError("A ratio rule compares two different functions")
    if not (math.isfinite(factor) and factor >= 0):
        raise EditError("The ratio must be 0 or more")
    return set_policy(plan, ratios=(*plan.policy.ratios, RatioRule(left, factor, right)))


def remove_ratio(plan: Plan, index: int) -> Plan:
    ratios = list(plan.policy.ratios)
    del ratios[index]
    return set_policy(plan, ratios=tuple(ratios))


def set_objective(plan: Plan, objective: Objective) -> Plan:
    return set_policy(plan, objective=objective)
