"""The schema: one entry per line field and policy setting, and everything that follows it.

The round trip is generated from the schema itself: a plan with every field
and every setting set (each drawn according to its unit and default) is
exported and read back, and must be the same plan. A field the writer
forgets, or the reader misreads, fails here.
"""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.domain import Basis, Bound, Checks, FunctionRule, Kind, Line, Plan, Policy, RatioRule
from models.edits import parse_line_field, parse_setting
from models.export import write_result
from models.schema import (
    LINE_FIELDS,
    POLICY_SETTINGS,
    Field,
    Setting,
    Unit,
    markdown_budget_table,
    markdown_settings_table,
)
from models.sheet_rows import total_label
from models.validation import MAX_BUDGET_MULTIPLE, validate
from models.workbook import read_plan
from tests.conftest import ROOT, SAMPLE

# -- the schema covers the domain ------------------------------------------------------


def test_every_line_attribute_has_one_field() -> None:
    attributes = [f.name for f in dataclasses.fields(Line) if f.compare]
    # A line's phasing is a year of columns, not one: models.phasing describes it.
    fields = [f.attr for f in LINE_FIELDS]  # in the order the window and the workbook show them
    assert len(fields) == len(set(fields))
    assert {*fields, "phasing"} == set(attributes)


def test_every_policy_attribute_has_one_setting() -> None:
    structural = {"functions", "ratios", "checks"}
    attributes = {f.name for f in dataclasses.fields(Policy)} - structural
    checks = {f"check_{f.name}" for f in dataclasses.fields(Checks)}
    settings = [s.attr for s in POLICY_SETTINGS]
    assert len(settings) == len(set(settings))
    assert set(settings) == attributes | checks | {"ratio"}


def test_header_words_and_labels_are_unique() -> None:
    for specs in (LINE_FIELDS, POLICY_SETTINGS):
        words = [word for spec in specs for word in spec.synonyms]
        assert len(words) == len(set(words)), "a header word names two fields"
        labels = [spec.label.casefold() for spec in specs]
        assert len(labels) == len(set(labels))


def test_every_field_and_setting_explains_itself() -> None:
    for spec in (*LINE_FIELDS, *POLICY_SETTINGS):
        assert spec.help and spec.help[0].isalpha() and not spec.help.endswith(".")


# -- generated plans --------------------------------------------------------------------

_NAME = (
    st.text(
        alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&-/().' "),
        min_size=1,
        max_size=24,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(lambda name: bool(name) and total_label(name, [f for f, _ in _FUNCTIONS]) is None)
)
#: Functions of both kinds, some of them canonical functions written another way.
_FUNCTIONS = [
    ("HR", Kind.INTERNAL),
    ("Information technology", Kind.INTERNAL),
    ("Customer service", Kind.CUSTOMER),
    ("Acquisition", Kind.CUSTOMER),
    ("Loyalty", Kind.CUSTOMER),
]


def _excel(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers as a workbook holds them: Excel keeps 15 significant digits, so draw 12."""
    return st.floats(low, high, allow_nan=False).map(lambda v: float(f"{v:.12g}"))


_MONEY = st.one_of(st.just(0.0), _excel(1, 1e9), st.integers(1, 10**9).map(float))
_POSITIVE = _excel(1e-3, 1e9)
#: A share written as text above 100% keeps ten significant digits: draw what survives that.
_SHARE = st.integers(0, 300).map(lambda n: n / 200)


def _value(draw: st.DrawFn, spec: Field | Setting, *, optional: bool) -> Any:
    """A value for a field or setting, drawn according to its unit (None where it may be blank)."""
    if optional and draw(st.booleans()):
        return None
    unit = spec.unit
    if unit is Unit.TEXT:
        return draw(_NAME)
    if unit is Unit.MONEY:
        return draw(_POSITIVE if spec.attr == "half_return" else _MONEY)
    if unit is Unit.NUMBER:
        return draw(_excel(0, 50))
    if unit is Unit.SHARE:
        share = draw(_SHARE)
        # Policy shares and thresholds are at most 100%; change limits may be above.
        return min(share, 1.0) if spec.attr != "max_change" else share
    if unit is Unit.FLAG:
        return draw(st.booleans())
    if unit is Unit.CHOICE:
        choices: tuple[str, ...] = getattr(spec, "choices", ()) or tuple(
            member.value for member in type(spec.default)
        )  # type: ignore[arg-type]
        return spec.parse(draw(st.sampled_from(choices)))
    raise AssertionError(f"no strategy for {unit}")


def _phasing(draw: st.DrawFn, periods: int) -> tuple[float, ...]:
    """A year of months or quarters, some of them 0 (a line spending in Q4 only)."""
    amounts = st.one_of(st.just(0.0), _excel(1, 1e8), st.integers(1, 10**8).map(float))
    return tuple(draw(st.lists(amounts, min_size=periods, max_size=periods)))


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    count = draw(st.integers(1, 8))
    #: The plan's lines are read by month, by quarter, or without either (some lines may lack them).
    periods = draw(st.sampled_from([None, 12, 4]))
    names = draw(st.lists(_NAME, min_size=count, max_size=count, unique_by=lambda n: n.casefold()))
    lines = []
    for row, name in enumerate(names, start=2):
        function, kind = draw(st.sampled_from(_FUNCTIONS))
        values: dict[str, Any] = {"name": name, "function": function, "kind": kind}
        for spec in LINE_FIELDS:
            if spec.attr not in values:
                optional = spec.default is None and not spec.required
                drawn = _value(draw, spec, optional=optional)
                values[spec.attr] = spec.default if drawn is None and not optional else drawn
        if values["cap"] is not None and values["floor"] > values["cap"]:
            values["floor"], values["cap"] = values["cap"], values["floor"]
        if periods is not None and draw(st.integers(0, 3)):
            values["phasing"] = _phasing(draw, periods)
            values["current"] = math.fsum(values["phasing"])
        if values["locked"] and values["cap"] is not None and values["cap"] < values["current"]:
            values["locked"] = False  # a cap below a locked spend is refused (models.validation)
        lines.append(Line(**values, source_row=row))
    used = list(dict.fromkeys(line.function for line in lines))  # the order the Functions sheet has
    rules = []
    for function in used:
        if draw(st.booleans()):
            continue
        floor, cap = _bound(draw), _bound(draw)
        if floor is not None and cap is not None:
            if floor.basis is not cap.basis:
                cap = None
            elif floor.value > cap.value:
                floor, cap = cap, floor
        kind = next(k for f, k in _FUNCTIONS if f == function) if draw(st.booleans()) else None
        if kind is None and floor is None and cap is None:
            continue
        rules.append(FunctionRule(function, kind, floor, cap))
    ratios = []
    if len(used) > 1:
        for _ in range(draw(st.integers(0, 2))):
            left, right = draw(st.permutations(used))[:2]
            ratios.append(RatioRule(left, draw(st.integers(0, 400)) / 100, right))
    settings: dict[str, Any] = {}
    for spec in POLICY_SETTINGS:
        if spec.repeated:
            continue
        drawn = _value(draw, spec, optional=spec.default is None)
        settings[spec.attr] = spec.default if drawn is None and spec.default is not None else drawn
    low, high = settings["internal_share_min"], settings["internal_share_max"]
    if low is not None and high is not None and low > high:
        settings["internal_share_min"], settings["internal_share_max"] = high, low
    current = math.fsum(line.current for line in lines)
    budget = settings.get("total_budget")
    if budget is not None and current > 0 and budget > MAX_BUDGET_MULTIPLE * current:
        settings["total_budget"] = None  # a budget beyond what can be solved is refused (models.validation)
    checks = {name.removeprefix("check_"): settings.pop(name) for name in list(settings) if "check_" in name}
    policy = Policy(functions=tuple(rules), ratios=tuple(ratios), checks=Checks(**checks), **settings)
    return Plan(tuple(lines), policy, name="plan")


def _bound(draw: st.DrawFn) -> Bound | None:
    """A function floor or cap in any of its three forms."""
    return draw(
        st.one_of(
            st.none(),
            _excel(1, 1e8).map(lambda v: Bound(v, Basis.AMOUNT)),
            _excel(1e-3, 1).map(lambda v: Bound(v, Basis.AMOUNT)),
            st.integers(0, 100).map(lambda n: Bound(n / 200, Basis.BUDGET)),
            st.integers(0, 300).map(lambda n: Bound(n / 200, Basis.CURRENT)),
        )
    )


@given(plan=plans())
def test_any_plan_exported_and_read_back_is_the_same_plan(
    tmp_path_factory: pytest.TempPathFactory, plan: Plan
) -> None:
    assert validate(plan) == [], validate(plan)
    path = write_result(tmp_path_factory.mktemp("round") / "plan.xlsx", plan, None)
    report = read_plan(path)
    assert report.ok, report.issues
    assert report.plan is not None
    assert report.plan.lines == plan.lines
    assert report.plan.policy == plan.policy


def test_the_budget_sheet_has_a_column_per_field(tmp_path: Path) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    book = openpyxl.load_workbook(write_result(tmp_path / "r.xlsx", plan, None))
    assert [c.value for c in book["Budget"][1]] == [f.label for f in LINE_FIELDS]


# -- typed values: one parser for the window and the workbook ------------------------------


@pytest.mark.parametrize("spec", LINE_FIELDS, ids=lambda s: s.attr)
def test_what_the_window_shows_for_editing_reads_back_as_the_same_value(spec: Field) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    for line in plan.lines[:10]:
        value = getattr(line, spec.attr)
        text = spec.edit_text(value)
        if not text and (spec.required or spec.inferred):
            continue
        assert parse_line_field(spec.attr, text) == value


def test_policy_settings_typed_in_the_window_use_the_schema_parsers() -> None:
    assert parse_setting("total_budget", "$1.2M") == 1_200_000
    assert parse_setting("internal_share_min", "30%") == pytest.approx(0.3)
    assert parse_setting("max_change", "") is None
    with pytest.raises(ValueError, match="Internal share max"):
        parse_setting("internal_share_max", "140%")


# -- where the schema shows ----------------------------------------------------------------


def test_the_readme_tables_are_the_schema() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_budget_table() in readme
    assert markdown_settings_table() in readme


def test_solve_json_sends_every_field_of_every_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "solve", str(SAMPLE), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    data = json.loads(done.stdout)
    lines = data["plan"]["lines"]
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    assert len(lines) == len(plan.lines)
    assert set(lines[0]) == {f.attr for f in LINE_FIELDS} | {
        "phasing",
        "source_row",
        "source_sheet",
        "source_file",
    }
    assert lines[0]["phasing"] is None  # the sample plan is read without months
    assert lines[0]["source_sheet"] == "Budget"
    assert lines[0]["source_row"] == plan.lines[0].source_row
    assert set(data["plan"]["settings"]) == {s.attr for s in POLICY_SETTINGS}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight": -1.0}, "Weight -1 of 'Payroll' is negative"),
        ({"half_return": 0.0}, "Half-return 0 of 'Payroll' must be above 0"),
        ({"current": math.nan}, "Current of 'Payroll' is not a finite number"),
        ({"max_change": -0.1}, "Max change -10% of 'Payroll' is negative"),
        ({"cap": -5.0, "floor": 0.0}, "Cap -5 of 'Payroll' is negative"),
    ],
)
def test_a_line_is_checked_against_the_bounds_of_its_fields(changes: dict[str, Any], message: str) -> None:
    line = dataclasses.replace(Line("Payroll", "HR", Kind.INTERNAL, 100.0, source_row=7), **changes)
    issues = validate(Plan((line,)), {f.attr: chr(ord("A") + k) for k, f in enumerate(LINE_FIELDS)})
    assert [issue.message for issue in issues][:1] == [message]
    spec = next(f for f in LINE_FIELDS if f.attr == next(iter(changes)))
    assert issues[0].row == 7 and issues[0].column == chr(ord("A") + LINE_FIELDS.index(spec))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"total_budget": -5.0}, "Total budget -5 is negative"),
        ({"internal_share_min": 1.4}, "Internal share min 140% must be between 0% and 100%"),
        ({"max_change": math.inf}, "Max change is not a finite number"),
        ({"checks": Checks(line_share=1.2)}, "Warn line share 120% must be between 0% and 100%"),
        ({"checks": Checks(acquisition_multiple=-1.0)}, "Warn acquisition multiple -1 is negative"),
        (
            {"internal_share_min": 0.6, "internal_share_max": 0.4},
            "Internal share min 60% is above internal share max 40%",
        ),
    ],
)
def test_policy_settings_are_checked_against_their_ranges(changes: dict[str, Any], message: str) -> None:
    plan = Plan((Line("Payroll", "HR", Kind.INTERNAL, 100.0),)).with_policy(**changes)
    assert [issue.message for issue in validate(plan)] == [message]
    assert validate(plan)[0].sheet == "Policy"
