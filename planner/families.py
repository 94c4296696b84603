"""The rule families: each keeps its rows, its relaxation, its fix and how a fix is made.

A family is one kind of linear rule over the lines' totals ``x_i``.
:meth:`RuleFamily.rows` turns a plan into rows ``sum(coef * x) <sense> rhs``
in money, each with its description (the maths is in each class's
docstring). When the rules cannot all hold, :mod:`planner.explain` gives a
relaxable row a slack that moves its limit the way that loosens it (a floor
down, a cap or the budget up, an equality either way) and minimises the
slack; the family turns the slack found into a :class:`~models.result.Fix`
in words (:meth:`RuleFamily.fix`), and a chosen fix into a changed plan
(:meth:`RuleFamily.apply`).

A new linear family is a :class:`~models.rules.Family` member, a class here,
and its entry in :data:`FAMILIES`; the LP, the explanation and the reports
loop over that table.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from types import MappingProxyType
from typing import ClassVar, Final

from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, Policy, function_key
from models.formats import money, percent
from models.result import Fix
from models.rules import Family, RuleKey
from planner.rules import Row, Sense, function_indices, line_bounds

__all__ = ["FAMILIES", "LINE_FLOORS", "Relaxation", "Relaxed", "RuleFamily"]

#: Amounts and shares as descriptions and fixes say them.
_amount = partial(money, short=True)
_share = partial(percent, significant=4)

#: Families in the order their rows are listed (that of :class:`Family`).
_POSITION: Final = {family: n for n, family in enumerate(Family)}


class Relaxation(StrEnum):
    """How a family's rows give way to explain an infeasible plan."""

    EACH = "each"  # every row on its own: one fix per row
    TOGETHER = "together"  # all the family's rows at once: one fix for them all
    NEVER = "never"  # the rows always hold


@dataclass(frozen=True, slots=True)
class Relaxed:
    """A row and how far the relaxation moved its limit, in money (loosening is positive).

    For an equality the amount is how far its limit moved up (negative: down).
    """

    row: Row
    amount: float


class RuleFamily(ABC):
    """One kind of rule: its rows, relaxation, fix and how a fix is made."""

    family: ClassVar[Family]
    relaxation: ClassVar[Relaxation] = Relaxation.EACH
    #: False when the rows are the lines' own bounds in the plan's LP (they
    #: become rows only in the relaxed LP that explains an infeasible plan).
    coupling: ClassVar[bool] = True

    @abstractmethod
    def rows(self, plan: Plan) -> list[Row]:
        """The family's rules in ``plan``, as rows in money."""

    @abstractmethod
    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix | None:
        """The change the relaxation found, in words.

        ``relaxed`` holds one row for a family relaxed row by row, and every
        row that moved for one relaxed together; ``x`` is the relaxed
        allocation.
        """

    @abstractmethod
    def apply(self, plan: Plan, fix: Fix) -> Plan:
        """``plan`` with ``fix`` made: the rule it names set to the proposed value."""

    def order(self, plan: Plan, row: Row) -> tuple[int, int]:
        """Where ``row`` is listed among the plan's rows: by family, then within it."""
        return _POSITION[self.family], 0

    def headline(self, fix: Fix) -> str | None:
        """What an explanation says first when ``fix`` is among its alternatives, if anything."""
        return None


def _only(relaxed: Sequence[Relaxed]) -> Relaxed:
    (item,) = relaxed
    return item


class Budget(RuleFamily):
    """``sum_i x_i <= B``, or ``= B`` when the whole budget must be spent.

    Relaxed by moving ``B`` (up; either way when it must be spent exactly).
    """

    family = Family.BUDGET

    def rows(self, plan: Plan) -> list[Row]:
        sense = Sense.EQ if plan.policy.spend_whole_budget else Sense.LE
        coefs = tuple((i, 1.0) for i in range(len(plan.lines)))
        text = f"Spend {'exactly' if sense is Sense.EQ else 'at most'} the budget of {_amount(plan.budget)}"
        return [Row(RuleKey(Family.BUDGET), text, sense, plan.budget, coefs, per_budget=1.0)]

    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix:
        item = _only(relaxed)
        row, amount = item.row, item.amount
        new = row.rhs + amount
        verb = "raise" if amount > 0 else "lower"
        return Fix(
            row.key,
            "the budget",
            row.rhs,
            new,
            f"{verb} the budget by {_amount(abs(amount))} (to {_amount(new)})",
        )

    def apply(self, plan: Plan, fix: Fix) -> Plan:
        return plan.with_policy(total_budget=fix.proposed)

    def headline(self, fix: Fix) -> str | None:
        if fix.proposed <= fix.current:
            return None
        return f"The rules need at least {_amount(fix.proposed)} but the budget is {_amount(fix.current)}"


def _function_places(plan: Plan) -> dict[str, int]:
    places: dict[str, int] = {}
    for n, rule in enumerate(plan.policy.functions):
        places.setdefault(function_key(rule.function), n)
    return places


class _FunctionBound(RuleFamily):
    """A bound on a function's total; floors and caps share this shape.

    Relaxed by moving the bound by the relaxation's amount (a floor down, not
    below 0; a cap up).
    """

    sense: ClassVar[Sense]
    #: The :class:`FunctionRule` attribute that holds the bound: "floor" or "cap".
    word: ClassVar[str]
    verb: ClassVar[str]  # what the fix does: "lower" or "raise"

    def bound(self, rule: FunctionRule) -> Bound | None:
        bound: Bound | None = getattr(rule, self.word)
        return bound

    def with_bound(self, rule: FunctionRule, bound: Bound) -> FunctionRule:
        return replace(rule, floor=bound) if self.word == "floor" else replace(rule, cap=bound)

    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix:
        item = _only(relaxed)
        row, amount = item.row, item.amount
        new = max(row.rhs - amount, 0.0) if self.sense is Sense.GE else row.rhs + amount
        return Fix(
            row.key,
            f"the {row.subject} {self.word}",
            row.rhs,
            new,
            f"{self.verb} the {row.subject} {self.word} by {_amount(amount)} (to {_amount(new)})",
        )

    def rows(self, plan: Plan) -> list[Row]:
        rows: list[Row] = []
        groups = function_indices(plan)
        current = plan.function_current()
        for rule in plan.policy.functions:
            key = function_key(rule.function)
            members = groups.get(key)
            bound = self.bound(rule)
            if not members or bound is None:
                continue
            name = plan.lines[members[0]].function
            amount = bound.resolve(plan.budget, current.get(key, 0.0))
            detail = "" if bound.basis is Basis.AMOUNT else f" ({bound.describe()})"
            text = f"{name} {self.word} of {_amount(amount)}{detail}"
            coefs = tuple((i, 1.0) for i in members)
            per_budget = bound.value if bound.basis is Basis.BUDGET else 0.0
            rows.append(Row(RuleKey(self.family, name), text, self.sense, amount, coefs, per_budget))
        return rows

    def order(self, plan: Plan, row: Row) -> tuple[int, int]:
        """A function's floor and cap are listed together, in the order of the policy's function rules."""
        places = plan.derived("function_rule_places", _function_places)
        return _POSITION[Family.FUNCTION_FLOOR], places.get(function_key(row.subject), len(places))

    def apply(self, plan: Plan, fix: Fix) -> Plan:
        """The function's floor or cap becomes an amount (the proposed figure is money)."""
        key = function_key(fix.key.subject)
        bound = Bound(fix.proposed, Basis.AMOUNT)
        rules = tuple(
            self.with_bound(rule, bound) if function_key(rule.function) == key else rule
            for rule in plan.policy.functions
        )
        return plan.with_policy(functions=rules)


class FunctionFloor(_FunctionBound):
    """``sum_{f(i)=F} x_i >= L_F``.

    ``L_F`` is an amount, a share of the budget ``B``, or a share of the
    function's current total. Relaxed by lowering ``L_F``.
    """

    family = Family.FUNCTION_FLOOR
    sense = Sense.GE
    word, verb = "floor", "lower"


class FunctionCap(_FunctionBound):
    """``sum_{f(i)=F} x_i <= U_F``.

    ``U_F`` is an amount, a share of the budget ``B``, or a share of the
    function's current total. Relaxed by raising ``U_F``.
    """

    family = Family.FUNCTION_CAP
    sense = Sense.LE
    word, verb = "cap", "raise"


def _share_at(plan: Plan, x: Sequence[float]) -> float:
    total = math.fsum(x)
    internal = math.fsum(v for line, v in zip(plan.lines, x, strict=True) if line.kind is Kind.INTERNAL)
    return internal / total if total > 0 else 0.0


class _ShareBound(RuleFamily):
    """A bound on the internal functions' share of the money allocated.

    ``sum_{internal} x_i <sense> s * sum_i x_i``, written as
    ``sum_i (delta_i - s) x_i <sense> 0`` with ``delta_i = 1`` on internal
    lines. Relaxed by moving ``s`` to the share the relaxed allocation
    reaches, rounded outwards to a hundredth of a percent.
    """

    sense: ClassVar[Sense]
    #: The policy setting that holds the bound.
    setting: ClassVar[str]
    word: ClassVar[str]  # "at least" or "at most"
    verb: ClassVar[str]  # what the fix does: "lower" or "raise"
    subject: ClassVar[str]  # "the internal share minimum"

    def share(self, policy: Policy) -> float | None:
        value = getattr(policy, self.setting)
        return None if value is None else float(value)

    def rows(self, plan: Plan) -> list[Row]:
        share = self.share(plan.policy)
        if share is None:
            return []
        coefs = tuple(
            (i, (1.0 if line.kind is Kind.INTERNAL else 0.0) - share) for i, line in enumerate(plan.lines)
        )
        text = f"Internal functions get {self.word} {share * 100:g}% of the money allocated"
        return [Row(RuleKey(self.family), text, self.sense, 0.0, coefs)]

    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix:
        row = _only(relaxed).row
        lowering = self.sense is Sense.GE
        current = self.share(plan.policy) or (0.0 if lowering else 1.0)
        reached = _share_at(plan, x)
        if lowering:
            share = math.floor(min(reached, current) * 1e4) / 1e4
        else:
            share = math.ceil(max(reached, current) * 1e4) / 1e4
        return Fix(
            row.key,
            self.subject,
            current,
            share,
            f"{self.verb} {self.subject} from {_share(current)} to {_share(share)}",
        )

    def apply(self, plan: Plan, fix: Fix) -> Plan:
        return plan.with_policy(**{self.setting: fix.proposed})


class ShareMin(_ShareBound):
    """``sum_{internal} x_i >= s_min * sum_i x_i``; relaxed by lowering ``s_min``."""

    family = Family.SHARE_MIN
    sense = Sense.GE
    setting = "internal_share_min"
    word, verb, subject = "at least", "lower", "the internal share minimum"


class ShareMax(_ShareBound):
    """``sum_{internal} x_i <= s_max * sum_i x_i``; relaxed by raising ``s_max``."""

    family = Family.SHARE_MAX
    sense = Sense.LE
    setting = "internal_share_max"
    word, verb, subject = "at most", "raise", "the internal share maximum"


class Ratio(RuleFamily):
    """``sum_{f(i)=A} x_i >= r * sum_{f(i)=C} x_i``; relaxed by lowering ``r``.

    A ratio rule is known by its place in the policy (:attr:`RuleKey.number`, from 1).
    """

    family = Family.RATIO

    def rows(self, plan: Plan) -> list[Row]:
        rows: list[Row] = []
        groups = function_indices(plan)
        for n, ratio in enumerate(plan.policy.ratios, start=1):
            left = groups.get(function_key(ratio.left), [])
            right = groups.get(function_key(ratio.right), [])
            coefs: dict[int, float] = {}
            for i in left:
                coefs[i] = coefs.get(i, 0.0) + 1.0
            for i in right:
                coefs[i] = coefs.get(i, 0.0) - ratio.factor
            text = f"{ratio.left} gets at least {ratio.factor:g} x {ratio.right}"
            rows.append(Row(RuleKey(Family.RATIO, number=n), text, Sense.GE, 0.0, tuple(coefs.items())))
        return rows

    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix:
        row = _only(relaxed).row
        ratio = plan.policy.ratios[row.key.number - 1]
        left = math.fsum(x[i] for i, c in row.coefs if c > 0)
        right = math.fsum(-c / ratio.factor * x[i] for i, c in row.coefs if c < 0) if ratio.factor else 0.0
        achieved = min(left / right, ratio.factor) if right > 0 else 0.0
        achieved = math.floor(achieved * 1e4) / 1e4
        return Fix(
            row.key,
            f"the ratio rule {ratio.describe()}",
            ratio.factor,
            achieved,
            f"lower the ratio {ratio.left} >= {ratio.factor:g} x {ratio.right} to {achieved:g} x",
        )

    def apply(self, plan: Plan, fix: Fix) -> Plan:
        number = fix.key.number
        ratios = tuple(
            replace(ratio, factor=fix.proposed) if n == number else ratio
            for n, ratio in enumerate(plan.policy.ratios, start=1)
        )
        return plan.with_policy(ratios=ratios)


class LineFloors(RuleFamily):
    """``x_i >= l_i``: a line's own floor, on lines where it lifts the line above its other lower bounds.

    In the plan's LP a floor is a bound of the line's variable. To explain an
    infeasible plan the floors become rows and are relaxed all at once; the
    fix lowers each line floor that gave way, and is known as one rule,
    ``RuleKey(Family.LINE_FLOOR)``.
    """

    family = Family.LINE_FLOOR
    relaxation = Relaxation.TOGETHER
    coupling = False

    def rows(self, plan: Plan) -> list[Row]:
        return [
            Row(
                RuleKey(Family.LINE_FLOOR, line.name),
                f"{line.name} floor of {_amount(b.lo)}",
                Sense.GE,
                b.lo,
                ((i, 1.0),),
            )
            for i, (line, b) in enumerate(zip(plan.lines, line_bounds(plan), strict=True))
            if b.lo > b.lo_without_floor
        ]

    def fix(self, plan: Plan, relaxed: Sequence[Relaxed], x: Sequence[float]) -> Fix | None:
        changes: list[tuple[str, float, float]] = []
        for item in relaxed:
            ((i, _coef),) = item.row.coefs
            line = plan.lines[i]
            changes.append((line.name, item.amount, max(line.floor - item.amount, 0.0)))
        if not changes:
            return None
        changes.sort(key=lambda c: -c[1])
        total = math.fsum(c[1] for c in changes)
        named = ", ".join(f"{name} by {_amount(amount)}" for name, amount, _ in changes[:3])
        more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
        subject = "line floors" if len(changes) > 1 else f"the floor of {changes[0][0]}"
        text = (
            f"lower line floors by {_amount(total)} in all ({named}{more})"
            if len(changes) > 1
            else f"lower the floor of {changes[0][0]} by {_amount(total)} (to {_amount(changes[0][2])})"
        )
        return Fix(
            RuleKey(Family.LINE_FLOOR),
            subject,
            total,
            0.0,
            text,
            line_floors=tuple((name, new) for name, _, new in changes),
        )

    def conflict_fix(self, line: Line, allowed: float) -> Fix:
        """Lower the floor of a line to the most its other rules allow."""
        return Fix(
            RuleKey(Family.LINE_FLOOR),
            f"the floor of {line.name}",
            line.floor,
            allowed,
            f"lower the floor of {line.name} by {_amount(line.floor - allowed)} (to {_amount(allowed)})",
            line_floors=((line.name, allowed),),
        )

    def apply(self, plan: Plan, fix: Fix) -> Plan:
        """Line floors lowered line by line."""
        floors = dict(fix.line_floors)
        lines = tuple(
            replace(line, floor=floors[line.name]) if line.name in floors else line for line in plan.lines
        )
        return replace(plan, lines=lines)


LINE_FLOORS: Final = LineFloors()

#: Every family, in the order their rows are listed.
FAMILIES: Final[Mapping[Family, RuleFamily]] = MappingProxyType(
    {
        spec.family: spec
        for spec in (
            Budget(),
            FunctionFloor(),
            FunctionCap(),
            ShareMin(),
            ShareMax(),
            Ratio(),
            LINE_FLOORS,
        )
    }
)
