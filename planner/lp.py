"""A linear program held as arrays: columns with bounds and costs, rows in CSR form.

Building the model this way costs a few list appends per variable, where a
PuLP variable object costs microseconds; on plans of tens of thousands of
lines that difference is most of the time. HiGHS takes the arrays in one
call (:meth:`LinearProgram.to_highs`); any other solver gets the same model
as a PuLP problem (:meth:`LinearProgram.to_pulp`), which is also how the
model is written out as an ``.lp`` file to inspect it.

Solutions are stored on the program: ``col_value`` and ``row_dual``, the
latter as d(objective)/d(right-hand side), whatever the solver.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from planner.rules import Sense

if TYPE_CHECKING:
    import highspy
    import pulp

__all__ = ["LinearProgram"]


class LinearProgram:
    """Columns, rows and an objective, appended to as the model is built."""

    def __init__(self, name: str, *, maximise: bool) -> None:
        self.name = name
        self.maximise = maximise
        self.col_names: list[str] = []
        self.col_lower: list[float] = []
        self.col_upper: list[float] = []
        self.cost: list[float] = []
        self.offset = 0.0
        self.row_names: list[str] = []
        self.row_start: list[int] = [0]
        self.row_index: list[int] = []
        self.row_value: list[float] = []
        self.row_sense: list[Sense] = []
        self.row_rhs: list[float] = []
        self.col_value: npt.NDArray[np.float64] = np.zeros(0)
        self.row_dual: npt.NDArray[np.float64] = np.zeros(0)

    @property
    def num_cols(self) -> int:
        return len(self.cost)

    @property
    def num_rows(self) -> int:
        return len(self.row_rhs)

    def add_column(self, name: str, lower: float, upper: float | None, cost: float = 0.0) -> int:
        """A variable in ``[lower, upper]`` (``None``: no upper bound); its index."""
        self.col_names.append(name)
        self.col_lower.append(lower)
        self.col_upper.append(math.inf if upper is None else upper)
        self.cost.append(cost)
        return len(self.cost) - 1

    def add_row(
        self,
        name: str,
        pairs: Iterable[tuple[int, float]],
        sense: Sense,
        rhs: float,
        *,
        keep_zeros: bool = False,
    ) -> int:
        """``sum coef * column  (<=, >=, =)  rhs``; its index.

        Zero coefficients are left out unless ``keep_zeros`` (an entry to change later).
        """
        for j, coef in pairs:
            if coef != 0.0 or keep_zeros:
                self.row_index.append(j)
                self.row_value.append(coef)
        self.row_start.append(len(self.row_index))
        self.row_names.append(name)
        self.row_sense.append(sense)
        self.row_rhs.append(rhs)
        return len(self.row_rhs) - 1

    def add_columns(
        self,
        names: Sequence[str],
        lower: npt.NDArray[np.float64],
        upper: npt.NDArray[np.float64],
        cost: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.int64]:
        """Many columns at once; their indexes."""
        first = self.num_cols
        self.col_names.extend(names)
        self.col_lower.extend(lower.tolist())
        self.col_upper.extend(upper.tolist())
        self.cost.extend(cost.tolist())
        return np.arange(first, self.num_cols, dtype=np.int64)

    def add_rows(
        self,
        names: Sequence[str],
        lengths: npt.NDArray[np.int64],
        index: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        *,
        sense: Sense,
        rhs: npt.NDArray[np.float64],
    ) -> None:
        """Many rows of one sense at once, given as consecutive runs of ``lengths`` entries."""
        end = self.row_start[-1]
        self.row_start.extend((end + np.cumsum(lengths)).tolist())
        self.row_index.extend(index.tolist())
        self.row_value.extend(value.tolist())
        self.row_names.extend(names)
        self.row_sense.extend([sense] * len(rhs))
        self.row_rhs.extend(rhs.tolist())

    def row_bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each row as ``lower <= activity <= upper`` (one side infinite unless an equality)."""
        rhs = np.asarray(self.row_rhs, dtype=float)
        at_most = np.fromiter((s is Sense.LE for s in self.row_sense), dtype=bool, count=len(rhs))
        at_least = np.fromiter((s is Sense.GE for s in self.row_sense), dtype=bool, count=len(rhs))
        return np.where(at_most, -math.inf, rhs), np.where(at_least, math.inf, rhs)

    def column_values(self, columns: Iterable[int]) -> list[float]:
        values = self.col_value
        return [float(values[j]) for j in columns]

    # -- hand-over to solvers ------------------------------------------------

    def to_highs(self) -> highspy.HighsLp:
        """The model as HiGHS's own LP type."""
        import highspy

        lp = highspy.HighsLp()
        lp.num_col_ = self.num_cols
        lp.num_row_ = self.num_rows
        lp.col_cost_ = np.asarray(self.cost, dtype=float)
        lp.col_lower_ = np.asarray(self.col_lower, dtype=float)
        lp.col_upper_ = np.asarray(self.col_upper, dtype=float)
        lower, upper = self.row_bounds()
        lp.row_lower_ = lower
        lp.row_upper_ = upper
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
        lp.offset_ = self.offset
        matrix = lp.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.start_ = np.asarray(self.row_start, dtype=np.int32)
        matrix.index_ = np.asarray(self.row_index, dtype=np.int32)
        matrix.value_ = np.asarray(self.row_value, dtype=float)
        matrix.num_col_ = self.num_cols
        matrix.num_row_ = self.num_rows
        return lp

    def to_pulp(self) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpConstraint]]:
        """The same model as a PuLP problem, its variables and its constraints in order."""
        import pulp

        senses = {Sense.LE: pulp.LpConstraintLE, Sense.GE: pulp.LpConstraintGE, Sense.EQ: pulp.LpConstraintEQ}
        prob = pulp.LpProblem(self.name, pulp.LpMaximize if self.maximise else pulp.LpMinimize)
        variables = [
            prob.add_variable(name, lo, None if math.isinf(hi) else hi)
            for name, lo, hi in zip(self.col_names, self.col_lower, self.col_upper, strict=True)
        ]
        prob.setObjective(
            pulp.LpAffineExpression(
                [(variables[j], c) for j, c in enumerate(self.cost) if c != 0.0], constant=self.offset
            )
        )
        constraints = []
        for r, name in enumerate(self.row_names):
            start, end = self.row_start[r], self.row_start[r + 1]
            expr = pulp.LpAffineExpression(
                [(variables[self.row_index[k]], self.row_value[k]) for k in range(start, end)]
            )
            constraint = pulp.LpConstraint(expr, senses[self.row_sense[r]], name, self.row_rhs[r])
            prob.addConstraint(constraint)
            constraints.append(constraint)
        return prob, variables, constraints
