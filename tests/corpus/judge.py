"""Reading a corpus case and judging the outcome against what the case expects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models import workbook
from models.consolidate import read_plans
from models.domain import Kind, Plan
from models.workbook import ImportReport

from .workbooks import Case, Expected, Loads, Refused

#: What the reader did with a case.
LOADS_RIGHT = "loads right"
REFUSED = "refused"
WRONG = "WRONG NUMBER IN SILENCE"
ERROR = "error"
STATUSES = (LOADS_RIGHT, REFUSED, WRONG, ERROR)

#: Money is compared to the cent.
CENT = 0.005


def read(paths: Sequence[Path]) -> ImportReport:
    """The reader's report on one workbook, or on several consolidated into one plan."""
    if len(paths) == 1:
        return workbook.read_plan(paths[0])
    return read_plans(list(paths))


@dataclass(frozen=True)
class Verdict:
    status: str  # one of STATUSES
    as_expected: bool
    detail: str


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _find(expected_name: str, names: Sequence[str], code: str = "") -> list[str]:
    """The loaded names that are the expected name (perhaps with its code beside it), or its code alone."""
    want = _fold(expected_name)
    return [n for n in names if want in _fold(n) or (code and _fold(n) == code)]


def describe_plan(plan: Plan) -> str:
    internal = sum(1 for line in plan.lines if line.kind is Kind.INTERNAL)
    total = sum(line.current for line in plan.lines)
    return f"{len(plan.lines)} lines, total {total:,.2f}, {internal} internal"


def _differences(plan: Plan, expected: Loads) -> list[str]:
    """How the loaded plan differs from the expected one (empty: it is right)."""
    wrong: list[str] = []
    lines = plan.lines
    if len(lines) != expected.count:
        wrong.append(f"{len(lines)} lines, expected {expected.count}")
    total = sum(line.current for line in lines)
    if abs(total - expected.total) > CENT:
        wrong.append(f"total {total:,.2f}, expected {expected.total:,.2f}")
    internal = [line.name for line in lines if line.kind is Kind.INTERNAL]
    codes = expected.codes
    missing = sorted(name for name in expected.internal if not _find(name, internal, codes.get(name, "")))
    if missing or len(internal) != len(expected.internal):
        extra = sorted(
            n for n in internal if not any(_find(e, [n], codes.get(e, "")) for e in expected.internal)
        )
        wrong.append(
            f"{len(internal)} internal lines, expected {len(expected.internal)}"
            + (f"; not internal: {', '.join(missing[:4])}" if missing else "")
            + (f"; internal by mistake: {', '.join(extra[:4])}" if extra else "")
        )
    if expected.floors is not None:
        names = [line.name for line in lines]
        for name, floor in expected.floors.items():
            found = _find(name, names, expected.codes.get(name, ""))
            if len(found) != 1:
                continue  # the line count says it already
            got = next(line.floor for line in lines if line.name == found[0])
            if abs(got - floor) > CENT:
                wrong.append(f"floor of {name!r} {got:,.2f}, expected {floor:,.2f}")
                break
    return wrong


def judge(report: ImportReport, expected: Expected) -> Verdict:
    plan = report.plan
    if plan is None:
        messages = [str(issue) for issue in report.issues]
        first = "; ".join(messages[:2]) or "no issue given"
        if isinstance(expected, Refused):
            named = any(word in m.casefold() for m in messages for word in expected.words)
            if named:
                return Verdict(REFUSED, True, first)
            return Verdict(REFUSED, False, f"no issue names {' / '.join(expected.words)}: {first}")
        return Verdict(REFUSED, False, f"expected to load ({expected.describe()}): {first}")
    if isinstance(expected, Refused):
        return Verdict(WRONG, False, f"loaded {describe_plan(plan)}; expected {expected.describe()}")
    wrong = _differences(plan, expected)
    if wrong:
        return Verdict(WRONG, False, "; ".join(wrong))
    return Verdict(LOADS_RIGHT, True, describe_plan(plan))


def run(case: Case, directory: Path) -> Verdict:
    """Write the case's workbooks into ``directory``, read them, judge the outcome."""
    paths, expected = case.build(directory)
    try:
        report = read(paths)
    except Exception as error:
        return Verdict(ERROR, False, f"{type(error).__name__}: {error}")
    return judge(report, expected)
