"""The balance frontier: each point as a cold solve would give it, progress per point, and cancelling."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import highspy
import pytest

import planner.insight as insight
from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Plan, Policy
from models.result import Status
from planner.insight import balance_frontier
from planner.solve import solve

FUNCTIONS = (
    ("HR", Kind.INTERNAL),
    ("IT", Kind.INTERNAL),
    ("Customer service", Kind.CUSTOMER),
    ("Product", Kind.CUSTOMER),
    ("Acquisition", Kind.CUSTOMER),
)


def generated_plan(n: int, seed: int, *, wide: bool = False) -> Plan:
    """``n`` lines with a function floor and change limits; ``wide``: few rules, a budget far above current.

    A wide plan's curves need refining at most points (a plain solve refines them too).
    """
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(1_000, 200_000), -2)
        lines.append(
            Line(
                f"Line {i}",
                function,
                kind,
                current,
                weight=round(rng.uniform(0.3, 2.5), 2),
                curve=Curve.LINEAR if rng.random() < 0.1 else Curve.DIMINISHING,
                half_return=current / 50 if wide and rng.random() < 0.5 else None,
                max_change=None if wide or rng.random() < 0.6 else 0.3,
            )
        )
    budget = sum(line.current for line in lines) * (rng.uniform(2, 3) if wide else 1.05)
    rules = () if wide else (FunctionRule("IT", floor=Bound(0.1, Basis.BUDGET)),)
    return Plan(tuple(lines), Policy(total_budget=budget, internal_share_min=0.25, functions=rules))


def internal_share(plan: Plan, allocation: dict[str, float]) -> float:
    inside = sum(allocation[line.name] for line in plan.lines if line.kind is Kind.INTERNAL)
    return inside / sum(allocation.values())


@pytest.mark.parametrize(
    "plan",
    [
        generated_plan(300, 1),
        generated_plan(120, 2),
        generated_plan(8, 3, wide=True),
        generated_plan(40, 4, wide=True),
    ],
    ids=["300 lines", "120 lines", "8 wide lines", "40 wide lines"],
)
def test_each_point_is_what_a_cold_solve_at_its_share_gives(plan: Plan) -> None:
    frontier = balance_frontier(plan, 5)
    assert len(frontier.points) >= 5
    for point in frontier.points:
        assert point.status == "optimal"
        fixed = plan.with_policy(
            internal_share_min=point.internal_share, internal_share_max=point.internal_share
        )
        cold = solve(fixed)
        assert cold.status is Status.OPTIMAL
        # Both are within the solver's accuracy (GAP_TARGET) of the continuous optimum.
        assert point.impact.total == pytest.approx(cold.impact.total, rel=1e-3)
        assert internal_share(plan, point.allocation) == pytest.approx(point.internal_share, abs=1e-6)
        assert sum(point.allocation.values()) <= plan.budget * (1 + 1e-9)


def test_progress_is_reported_once_per_point_in_order() -> None:
    plan = generated_plan(200, 5)
    reports: list[tuple[float, str]] = []
    frontier = balance_frontier(plan, 7, progress=lambda done, text: reports.append((done, text)))
    n = len(frontier.points)
    assert n >= 7
    assert reports == [((k + 1) / n, f"Point {k + 1} of {n}") for k in range(n)]


class _Log:
    """What the frontier asked of HiGHS: each run's number of columns and how it ended."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, highspy.HighsModelStatus]] = []
        self.models = 0


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> _Log:
    record = _Log()

    class CountingHighs(highspy.Highs):
        def run(self) -> highspy.HighsStatus:
            status = super().run()
            record.runs.append((self.getNumCol(), self.getModelStatus()))
            return status

    def new_highs() -> highspy.Highs:
        record.models += 1
        highs = CountingHighs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
        return highs

    monkeypatch.setattr(insight, "new_highs", new_highs)
    return record


def test_the_curves_model_is_built_once_and_solved_once_per_point(log: _Log) -> None:
    plan = generated_plan(300, 6)
    result = solve(plan)
    frontier = balance_frontier(plan, 6, result=result)
    assert len(frontier.points) >= 6
    lines = len(plan.lines)
    with_curves = [cols for cols, _status in log.runs if cols > lines]
    # The range of shares is found on the rules alone (a column per line), the points on one model.
    assert log.models == 2
    assert len(with_curves) == len(frontier.points)
    assert all(cols == lines for cols, _status in log.runs if cols <= lines)


def test_a_frontier_cancelled_before_it_starts_runs_no_solver(log: _Log) -> None:
    plan = generated_plan(300, 7)
    result = solve(plan)
    frontier = balance_frontier(plan, 5, result=result, cancelled=lambda: True)
    assert frontier.points == ()
    assert log.runs == []


def test_a_cancel_between_points_starts_no_further_solve(log: _Log) -> None:
    plan = generated_plan(300, 8)
    result = solve(plan)
    stop = threading.Event()
    reports: list[str] = []

    def progress(_done: float, text: str) -> None:
        reports.append(text)
        if len(reports) == 2:
            stop.set()  # a newer edit arrives after the second point

    frontier = balance_frontier(plan, 7, result=result, progress=progress, cancelled=stop.is_set)
    lines = len(plan.lines)
    assert len(frontier.points) == 2
    assert len(reports) == 2
    assert len([cols for cols, _status in log.runs if cols > lines]) == 2


def _cancel_after(asked: list[int], limit: Callable[[], int]) -> Callable[[], bool]:
    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > limit()

    return cancelled


def test_a_cancel_inside_a_point_stops_its_solve(log: _Log) -> None:
    # 2,000 lines: the first point takes the dual simplex thousands of iterations.
    plan = generated_plan(2_000, 9)
    result = solve(plan)
    lines = len(plan.lines)
    asked: list[int] = []
    whole = balance_frontier(plan, 3, result=result, cancelled=_cancel_after(asked, lambda: 10**9))
    assert whole.points
    questions = len(asked)
    # Cancelled at the fifth question after the first point's solve started (the range search done).
    limit: list[int] = []
    models_before = log.models
    asked.clear()

    def when_the_first_point_starts() -> int:
        if not limit and log.models - models_before == 2:  # the range's model, then the curves'
            limit.append(len(asked) + 5)
        return limit[0] if limit else 10**9

    stopped = balance_frontier(
        plan, 3, result=result, cancelled=_cancel_after(asked, when_the_first_point_starts)
    )
    assert stopped.points == ()
    last_cols, last_status = log.runs[-1]
    assert last_cols > lines
    assert last_status == highspy.HighsModelStatus.kInterrupt
    # Stopped at the solver's next question (an iteration) after the cancel, inside the first point.
    assert len(asked) == limit[0] + 1
    assert len(asked) < questions
