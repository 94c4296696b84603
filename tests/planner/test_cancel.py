"""Cancelling a solve: a superseded solve stops early, inside the solver and between its calls."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, Policy
from models.result import Status
from planner.solve import solve, was_cancelled
from planner.solvers import CANCELLED, SolveOutcome, SolverName, run

FUNCTIONS = (
    ("HR", Kind.INTERNAL),
    ("IT", Kind.INTERNAL),
    ("Customer service", Kind.CUSTOMER),
    ("Product", Kind.CUSTOMER),
    ("Acquisition", Kind.CUSTOMER),
)


def generated_plan(n: int, seed: int = 7) -> Plan:
    """A plan of ``n`` diminishing lines with a function floor, a share minimum and change limits."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(20_000, 2_000_000), -2)
        change = 0.2 if rng.random() < 0.3 else None
        lines.append(
            Line(
                f"Line {i}",
                function,
                kind,
                current,
                weight=round(rng.uniform(0.5, 1.6), 2),
                max_change=change,
            )
        )
    budget = sum(line.current for line in lines) * 1.03
    return Plan(
        tuple(lines),
        Policy(
            total_budget=budget,
            internal_share_min=0.3,
            functions=(FunctionRule("IT", floor=Bound(0.12, Basis.BUDGET)),),
        ),
    )


class Counter:
    """A cancel check that counts how often it is asked; cancelled once ``stop`` is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.stop = threading.Event()

    def __call__(self) -> bool:
        self.calls += 1
        return self.stop.is_set()


# 2,000 lines are solved by the dual simplex, 10,000 by the interior-point method.
@pytest.mark.parametrize("lines", [2_000, 10_000])
def test_a_cancelled_solve_stops_early(lines: int) -> None:
    plan = generated_plan(lines)
    whole = Counter()
    assert solve(plan, cancelled=whole).is_optimal

    # Cancelled from another thread once the solver is iterating, as a newer edit would.
    check = Counter()

    def cancel_when_running() -> None:
        while check.calls < 20:
            time.sleep(0.001)
        check.stop.set()

    canceller = threading.Thread(target=cancel_when_running)
    canceller.start()
    result = solve(plan, cancelled=check)
    canceller.join()
    assert was_cancelled(result)
    assert result.allocation == {}
    # Stopped within a few solver iterations of being asked, not at the end of the solve.
    assert check.calls < whole.calls / 10


def test_a_solve_cancelled_between_solver_calls_starts_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.solve as solve_module

    plan = generated_plan(300)
    stop = threading.Event()
    runs = []

    def run_then_cancel(*args: Any, **kwargs: Any) -> SolveOutcome:
        outcome = run(*args, **kwargs)
        runs.append(outcome)
        stop.set()  # cancelled after the solver call returned, before any refinement
        return outcome

    monkeypatch.setattr(solve_module, "run", run_then_cancel)
    result = solve(plan, cancelled=stop.is_set)
    assert was_cancelled(result)
    assert len(runs) == 1
    assert runs[0].status is Status.OPTIMAL
    stop.clear()
    runs.clear()
    monkeypatch.setattr(solve_module, "run", run)
    assert solve(plan, cancelled=stop.is_set).is_optimal


def test_a_solve_cancelled_before_it_starts_calls_no_solver() -> None:
    plan = generated_plan(50)
    result = solve(plan, cancelled=lambda: True)
    assert was_cancelled(result)
    assert result.message == CANCELLED
    assert not was_cancelled(solve(plan))


@pytest.mark.parametrize("solver", list(SolverName))
def test_run_reports_a_cancelled_call(solver: SolverName) -> None:
    from planner.model import build_problem

    model = build_problem(generated_plan(20), objective=None)
    outcome = run(model.prob, solver, cancelled=lambda: True)
    assert outcome.status is Status.ERROR
    assert outcome.message == CANCELLED


def _counting(calls: list[int], after: int) -> Callable[[], bool]:
    """A cancel check that says yes from its ``after``-th question on, counting the questions."""

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > after

    return cancelled


def test_the_explanation_of_an_infeasible_plan_stops_when_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.explain as explain_module

    plan = generated_plan(200)
    plan = plan.with_policy(total_budget=0.5 * plan.current_total, internal_share_min=0.9)
    assert solve(plan).status is Status.INFEASIBLE
    solver_calls: list[SolveOutcome] = []

    def counted_run(*args: Any, **kwargs: Any) -> SolveOutcome:
        outcome = run(*args, **kwargs)
        solver_calls.append(outcome)
        return outcome

    monkeypatch.setattr(explain_module, "run", counted_run)
    explain_module.explain_infeasible(plan)
    whole = len(solver_calls)
    solver_calls.clear()
    stop = threading.Event()
    stop.set()
    explain_module.explain_infeasible(plan, cancelled=stop.is_set)
    assert whole > 1
    assert all(outcome.message == CANCELLED for outcome in solver_calls)


def test_an_infeasible_plan_cancelled_while_explained_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.explain as explain_module

    plan = generated_plan(200)
    plan = plan.with_policy(total_budget=0.5 * plan.current_total, internal_share_min=0.9)
    stop = threading.Event()
    explain = explain_module.explain_infeasible

    def explained_while_a_newer_edit_arrives(plan: Plan, **kwargs: Any) -> Any:
        stop.set()
        return explain(plan, **kwargs)

    monkeypatch.setattr(explain_module, "explain_infeasible", explained_while_a_newer_edit_arrives)
    assert was_cancelled(solve(plan, cancelled=stop.is_set))
    stop.clear()
    monkeypatch.setattr(explain_module, "explain_infeasible", explain)
    assert solve(plan, cancelled=stop.is_set).status is Status.INFEASIBLE


def test_the_price_of_balance_and_the_frontier_stop_when_cancelled() -> None:
    from planner.insight import balance_frontier, price_of_balance

    plan = generated_plan(300).with_policy(internal_share_min=0.3)
    result = solve(plan)
    assert result.is_optimal
    assert price_of_balance(plan, result) is not None
    assert price_of_balance(plan, result, cancelled=lambda: True) is None
    whole = balance_frontier(plan, result=result, points=9)
    assert len(whole.points) >= 9
    stop = threading.Event()
    reports: list[str] = []

    def progress(_done: float, text: str) -> None:
        reports.append(text)
        if len(reports) == 3:
            stop.set()

    stopped = balance_frontier(plan, result=result, points=9, progress=progress, cancelled=stop.is_set)
    assert len(stopped.points) == 3
