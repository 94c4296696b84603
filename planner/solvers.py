"""Solver choice, status mapping and dual-sign normalisation, in one place.

The default is HiGHS (highspy) in memory: the PuLP problem is handed to it as
row-wise arrays in one call, with presolve off and the dual simplex, which
measured fastest on this model's shape (separable curves, a few dense
coupling rows; see ``bench/``). COIN-OR CBC, through PuLP's command-line
interface, is the alternative.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import highspy
import numpy as np
import pulp

from models.result import Status

__all__ = ["SolveOutcome", "SolverName", "run"]


class SolverName(StrEnum):
    HIGHS = "highs"
    CBC = "cbc"


@dataclass(frozen=True, slots=True)
class SolveOutcome:
    status: Status
    solver: str
    seconds: float
    message: str = ""


_banner_lock = threading.Lock()
_banner_shown = False


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Keep HiGHS's one-time start-up banner off standard output (it would break ``--json``)."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            yield
            return
        _banner_shown = True
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def new_highs() -> highspy.Highs:
    with _quiet_stdout():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    return highs


class ArrayHighs(pulp.LpSolver):  # type: ignore[misc]
    """PuLP solver that passes the problem to HiGHS as arrays in one call."""

    name = "HiGHS"

    def __init__(self, time_limit: float | None = None, **options: Any) -> None:
        super().__init__(mip=False, msg=False, timeLimit=time_limit)
        self.options = {"presolve": "off", "solver": "simplex", **options}

    def available(self) -> bool:
        return True

    def actualSolve(self, lp: pulp.LpProblem, **_: Any) -> int:  # noqa: N802 (PuLP's API)
        columns: list[pulp.LpVariable] = []
        index: dict[int, int] = {}

        def column(var: pulp.LpVariable) -> int:
            key = id(var)
            found = index.get(key)
            if found is None:
                found = index[key] = len(columns)
                columns.append(var)
            return found

        objective = lp.objective or pulp.LpAffineExpression()
        cost_pairs = [(column(v), c) for v, c in objective.items()]
        constraints = list(lp._constraints.values())
        starts = [0]
        indices: list[int] = []
        values: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        inf = highspy.kHighsInf
        for constraint in constraints:
            for var, coef in constraint.items():
                indices.append(column(var))
                values.append(coef)
            starts.append(len(indices))
            rhs = -constraint.constant
            sense = constraint.sense
            lower.append(rhs if sense != pulp.LpConstraintLE else -inf)
            upper.append(rhs if sense != pulp.LpConstraintGE else inf)
        n = len(columns)
        cost = np.zeros(n)
        for j, c in cost_pairs:
            cost[j] = c
        col_lower = np.array([-inf if v.lowBound is None else v.lowBound for v in columns], dtype=float)
        col_upper = np.array([inf if v.upBound is None else v.upBound for v in columns], dtype=float)

        model = highspy.HighsLp()
        model.num_col_ = n
        model.num_row_ = len(constraints)
        model.col_cost_ = cost
        model.col_lower_ = col_lower
        model.col_upper_ = col_upper
        model.row_lower_ = np.array(lower, dtype=float)
        model.row_upper_ = np.array(upper, dtype=float)
        model.sense_ = (
            highspy.ObjSense.kMaximize if lp.sense == pulp.LpMaximize else highspy.ObjSense.kMinimize
        )
        model.offset_ = objective.constant
        model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        model.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        model.a_matrix_.value_ = np.array(values, dtype=float)
        model.a_matrix_.num_col_ = n
        model.a_matrix_.num_row_ = len(constraints)

        highs = new_highs()
        for key, value in self.options.items():
            highs.setOptionValue(key, value)
        if self.timeLimit is not None:
            highs.setOptionValue("time_limit", float(self.timeLimit))
        highs.passModel(model)
        highs.run()
        lp.solverModel = highs
        status = highs.getModelStatus()
        info = highs.getInfo()
        ms = highspy.HighsModelStatus
        if status == ms.kOptimal:
            pulp_status, sol_status = pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        elif status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            pulp_status, sol_status = pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        elif status == ms.kUnbounded:
            pulp_status, sol_status = pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        elif status in (ms.kTimeLimit, ms.kIterationLimit):
            feasible = info.primal_solution_status == highspy.kSolutionStatusFeasible
            pulp_status = pulp.LpStatusNotSolved
            sol_status = pulp.LpSolutionIntegerFeasible if feasible else pulp.LpSolutionNoSolutionFound
        else:
            pulp_status, sol_status = pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound
        if pulp_status == pulp.LpStatusOptimal:
            solution = highs.getSolution()
            col_value = solution.col_value
            col_dual = solution.col_dual
            for j, var in enumerate(columns):
                var.varValue = col_value[j]
                var.dj = col_dual[j]
            row_value = solution.row_value
            row_dual = solution.row_dual
            for r, constraint in enumerate(constraints):
                constraint.pi = row_dual[r]
                constraint.slack = -constraint.constant - row_value[r]
        lp.assignStatus(pulp_status, sol_status)
        return int(pulp_status)


def _solver(name: SolverName, time_limit: float | None) -> pulp.LpSolver:
    if name is SolverName.CBC:
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    return ArrayHighs(time_limit=time_limit)


def solver_label(name: SolverName) -> str:
    if name is SolverName.CBC:
        return f"CBC (PuLP {pulp.__version__})"
    version = f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
    return f"HiGHS {version} (PuLP {pulp.__version__})"


def run(
    prob: pulp.LpProblem, solver: SolverName = SolverName.HIGHS, time_limit: float | None = None
) -> SolveOutcome:
    """Solve ``prob``; the outcome's status reads both the result and the solution status."""
    started = time.perf_counter()
    try:
        prob.solve(_solver(solver, time_limit))
    except pulp.PulpSolverError as error:
        return SolveOutcome(Status.ERROR, solver_label(solver), time.perf_counter() - started, str(error))
    seconds = time.perf_counter() - started
    label = solver_label(solver)
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        return SolveOutcome(Status.OPTIMAL, label, seconds)
    if prob.status == pulp.LpStatusInfeasible:
        return SolveOutcome(Status.INFEASIBLE, label, seconds)
    if prob.status == pulp.LpStatusNotSolved and time_limit is not None and seconds >= time_limit * 0.9:
        return SolveOutcome(Status.TIME_LIMIT, label, seconds, "The solver ran out of time")
    if prob.status == pulp.LpStatusUnbounded:
        return SolveOutcome(Status.ERROR, label, seconds, "The problem is unbounded")
    if prob.status == pulp.LpStatusNotSolved and prob.sol_status in (
        pulp.LpSolutionIntegerFeasible,
        pulp.LpSolutionNoSolutionFound,
    ):
        return SolveOutcome(Status.TIME_LIMIT, label, seconds, "The solver stopped before the optimum")
    return SolveOutcome(
        Status.ERROR, label, seconds, f"The solver returned {pulp.LpStatus.get(prob.status, prob.status)}"
    )
