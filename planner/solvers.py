"""Solver choice, status mapping and dual-sign normalisation, in one place.

The default is HiGHS (highspy) in memory: the model is handed to it as
row-wise arrays in one call, with presolve off (on a 10,000-line plan with
floors presolve alone took longer than the whole solve without it), and the
dual simplex for small models or the interior-point method with crossover
for large ones (:data:`IPM_COLUMNS`), as measured on this model's shape:
separable curves and a few dense coupling rows (see ``bench/``). COIN-OR CBC, given the same model as a PuLP
problem through PuLP's command-line interface, is the alternative: the CBC
program shipped inside the PuLP package, else the one its ``cbc`` extra
installs beside Python, else a ``cbc`` on the PATH (:func:`cbc_programs`;
nothing needs to be on the PATH), else a clear message (:data:`NO_CBC`).

A solve can be cancelled: ``cancelled()`` is asked before the solver starts
and, under HiGHS, at each simplex or interior-point iteration through its
interrupt callbacks; a cancelled solve reports :data:`CANCELLED` as its
message (CBC runs in a separate process and is only asked before it starts).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import highspy
import numpy as np
import numpy.typing as npt

from models.result import Status
from planner.lp import LinearProgram

if TYPE_CHECKING:
    import pulp

__all__ = [
    "CANCELLED",
    "NO_CBC",
    "Cancelled",
    "SolveOutcome",
    "SolverName",
    "cbc_command",
    "cbc_programs",
    "interrupt_when",
    "new_highs",
    "run",
]

#: Asked while a solve runs: True when its result is no longer wanted.
Cancelled = Callable[[], bool]
#: The message of a solve that was cancelled; its result is never shown.
CANCELLED = "The solve was cancelled"


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


#: From this many columns up HiGHS's interior-point method (with crossover, so the
#: duals are a basis's) beats its dual simplex on this model; measured with
#: presolve off: 5,000 lines (about 22,000 columns) 0.146 s simplex against 0.128 s
#: interior point, 20,000 lines 1.49 s against 0.57 s, 50,000 lines 8.3 s against
#: 1.9 s; below about 4,000 lines the simplex is faster.
IPM_COLUMNS = 18_000


def interrupt_when(highs: highspy.Highs, cancelled: Cancelled) -> None:
    """Stop HiGHS at its next simplex or interior-point iteration once ``cancelled()`` is true."""

    def check(event: highspy.highs.HighsCallbackEvent) -> None:
        if cancelled():
            event.interrupt()

    highs.cbSimplexInterrupt += check
    highs.cbIpmInterrupt += check


#: The most a row is multiplied by so that its own size is near 1 (see :func:`row_factors`).
MAX_ROW_FACTOR = 1e9
#: HiGHS's feasibility tolerances for a solve repeated because a rule was broken.
TIGHT_TOLERANCE = 1e-9


def row_factors(lp: LinearProgram) -> npt.NDArray[np.float64]:
    """What each row is multiplied by before HiGHS sees it: ``1 / |rhs|`` for a row whose limit is below 1.

    HiGHS holds a row to an absolute tolerance (1e-7); a rule far smaller
    than the model's money scale (a cap of 5 in a plan of 10^8) would be
    held only to 1e-7 of that scale. Multiplying such a row by the inverse
    of its limit holds it to 1e-7 of its own size; its dual is multiplied
    back after the solve.
    """
    rhs = np.abs(np.asarray(lp.row_rhs, dtype=float))
    small = (rhs > 0) & (rhs < 1)
    return np.where(small, 1.0 / np.clip(rhs, 1.0 / MAX_ROW_FACTOR, 1.0), 1.0)


def _solve_highs(
    lp: LinearProgram,
    time_limit: float | None,
    method: str | None,
    cancelled: Cancelled | None,
    tight: bool = False,
) -> tuple[Status, str]:
    import highspy

    highs = new_highs()
    if cancelled is not None:
        interrupt_when(highs, cancelled)
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", method or ("ipm" if lp.num_cols >= IPM_COLUMNS else "simplex"))
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    if tight:
        highs.setOptionValue("primal_feasibility_tolerance", TIGHT_TOLERANCE)
        highs.setOptionValue("dual_feasibility_tolerance", TIGHT_TOLERANCE)
    model = lp.to_highs()
    factors = row_factors(lp)
    model.row_lower_ = model.row_lower_ * factors
    model.row_upper_ = model.row_upper_ * factors
    model.a_matrix_.value_ = model.a_matrix_.value_ * np.repeat(factors, np.diff(lp.row_start))
    highs.passModel(model)
    highs.run()
    status = highs.getModelStatus()
    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        solution = highs.getSolution()
        lp.col_value = np.asarray(solution.col_value, dtype=float)
        lp.row_dual = np.asarray(solution.row_dual, dtype=float) * factors
        return Status.OPTIMAL, ""
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return Status.INFEASIBLE, ""
    if status in (ms.kTimeLimit, ms.kIterationLimit):
        return Status.TIME_LIMIT, "The solver ran out of time"
    if status == ms.kInterrupt:
        return Status.ERROR, CANCELLED
    if status == ms.kUnbounded:
        return Status.ERROR, "The problem is unbounded"
    return Status.ERROR, f"The solver returned {highs.modelStatusToString(status)}"


def _singleton_duals(lp: LinearProgram, reduced_costs: list[float]) -> None:
    """Duals of binding one-variable rows, which CBC folds into column bounds and reports as 0.

    Such a row's dual is its column's reduced cost divided by the coefficient
    (measured: a floor of 10 on one line gave pi 0 and the line's reduced
    cost -0.5 under CBC, and -0.5 as the row's dual under HiGHS).
    """
    for r in range(lp.num_rows):
        start, end = lp.row_start[r], lp.row_start[r + 1]
        if end - start != 1 or lp.row_dual[r] != 0.0:
            continue
        j, coef, rhs = lp.row_index[start], lp.row_value[start], lp.row_rhs[r]
        binding = abs(coef * lp.col_value[j] - rhs) <= 1e-9 * max(1.0, abs(rhs))
        if binding and reduced_costs[j] != 0.0:
            lp.row_dual[r] = reduced_costs[j] / coef


#: What a solve with CBC says when this machine has no CBC program to run.
NO_CBC = (
    "The CBC solver is not available on this machine: no CBC program was found (looked for {places}). "
    "Solve with HiGHS instead (--solver highs, the default)"
)


def cbc_programs() -> list[str]:
    """Where a CBC program may be, best first: shipped inside PuLP, installed beside Python, on the PATH.

    PuLP ships a CBC program for common platforms inside its package; its
    ``cbc`` extra installs another as a command in the environment's scripts
    directory, which is on the PATH only when the environment is activated.
    """
    from pulp.apis import coin_api

    name = "cbc.exe" if os.name == "nt" else "cbc"
    places = [os.path.normpath(coin_api.pulp_cbc_path)]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        places.append(os.path.join(scripts, name))
    places.append(shutil.which("cbc") or "cbc on the PATH")
    return places


def cbc_command(time_limit: float | None) -> pulp.COIN_CMD | str:
    """PuLP's interface to the first CBC program that can run here, or why there is none."""
    import pulp

    places = cbc_programs()
    for place in places:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return pulp.COIN_CMD(msg=False, timeLimit=time_limit, presolve=False, path=place)
    return NO_CBC.format(places=", ".join(places) or "nothing")


def _solve_pulp(lp: LinearProgram, time_limit: float | None, started: float) -> tuple[Status, str]:
    import pulp

    solver = cbc_command(time_limit)
    if isinstance(solver, str):
        return Status.ERROR, solver
    prob, variables, constraints = lp.to_pulp()
    try:
        prob.solve(solver)
    except pulp.PulpSolverError as error:
        return Status.ERROR, str(error)
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        lp.col_value = np.asarray([v.varValue or 0.0 for v in variables], dtype=float)
        lp.row_dual = np.asarray([c.pi or 0.0 for c in constraints], dtype=float)
        _singleton_duals(lp, [v.dj or 0.0 for v in variables])
        return Status.OPTIMAL, ""
    if prob.status == pulp.LpStatusInfeasible:
        return Status.INFEASIBLE, ""
    seconds = time.perf_counter() - started
    if prob.status == pulp.LpStatusNotSolved and time_limit is not None and seconds >= time_limit * 0.9:
        return Status.TIME_LIMIT, "The solver ran out of time"
    if prob.status == pulp.LpStatusUnbounded:
        return Status.ERROR, "The problem is unbounded"
    if prob.status == pulp.LpStatusNotSolved and prob.sol_status in (
        pulp.LpSolutionIntegerFeasible,
        pulp.LpSolutionNoSolutionFound,
    ):
        return Status.TIME_LIMIT, "The solver stopped before the optimum"
    return Status.ERROR, f"The solver returned {pulp.LpStatus.get(prob.status, prob.status)}"


def solver_label(name: SolverName) -> str:
    """The solver's name and version, as results report it."""
    if name is SolverName.CBC:
        from importlib.metadata import version

        return f"COIN-OR CBC (through PuLP {version('pulp')})"
    number = f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
    return f"HiGHS {number} (highspy)"


def run(
    lp: LinearProgram,
    solver: SolverName = SolverName.HIGHS,
    time_limit: float | None = None,
    *,
    method: str | None = None,
    cancelled: Cancelled | None = None,
    tight: bool = False,
) -> SolveOutcome:
    """Solve ``lp``; on an optimum its ``col_value`` and ``row_dual`` hold the solution.

    ``method`` (HiGHS only): ``simplex`` or ``ipm``; by default chosen by the model's size.
    ``cancelled``: asked while the solver runs; once true the solve stops with the
    message :data:`CANCELLED`.
    ``tight``: HiGHS's feasibility tolerances tightened to :data:`TIGHT_TOLERANCE`.
    """
    started = time.perf_counter()
    if cancelled is not None and cancelled():
        status, message = Status.ERROR, CANCELLED
    elif solver is SolverName.CBC:
        status, message = _solve_pulp(lp, time_limit, started)
    else:
        status, message = _solve_highs(lp, time_limit, method, cancelled, tight)
    return SolveOutcome(status, solver_label(solver), time.perf_counter() - started, message)
