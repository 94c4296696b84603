"""Impact curves and their piecewise-linear approximation.

A diminishing line's impact is ``w * h * ln(1 + x / h)``: marginal value
``w / (1 + x / h)``, the weight at zero spend and half of it at ``h``. In
``u = ln(1 + x / h)`` the impact is linear (``w * h * u``), so breakpoints
spaced evenly in ``u`` make every chord's largest error the same,
about ``w * h * du**2 / 8``, wherever the segment lies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["refine"]


def refine(points: Sequence[float], near: Sequence[float], half: float, du: float) -> list[float]:
    """``points`` with a fine grid (spacing ``du`` in u) around each value in ``near``."""
    lo, hi = points[0], points[-1]
    extra: list[float] = []
    for x in near:
        u = math.log1p(min(max(x, lo), hi) / half)
        for k in range(-3, 4):
            candidate = half * math.expm1(u + k * du)
            if lo < candidate < hi:
                extra.append(candidate)
    merged = sorted({*points, *extra})
    # Drop points closer than a tiny fraction of the range: they add nothing.
    tolerance = (hi - lo) * 1e-9
    result = [merged[0]]
    for value in merged[1:]:
        if value - result[-1] > tolerance:
            result.append(value)
    if result[-1] != hi:
        result[-1] = hi
    return result
