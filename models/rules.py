"""Rule families and the identity of one rule.

A rule is named by a :class:`RuleKey`: its family and what it is about (a
function's name, or a ratio rule's place in the policy). The key is data and
is never written as text to be read back; ``str(key)`` is for display and
for the command line's JSON only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["Family", "RuleKey"]


class Family(StrEnum):
    """The kinds of rule a plan can hold; the values appear in JSON and exports."""

    BUDGET = "budget"
    FUNCTION_FLOOR = "function-floor"
    FUNCTION_CAP = "function-cap"
    SHARE_MIN = "share-min"
    SHARE_MAX = "share-max"
    RATIO = "ratio"
    LINE_FLOOR = "line-floor"


#: How a rule about no function or ratio in particular is named in text: the
#: line floors, taken together, are "line-floors".
_PLAIN_TEXT: Final = {Family.LINE_FLOOR: "line-floors"}


@dataclass(frozen=True, slots=True)
class RuleKey:
    """Which rule: its family, the function (or line) it is about, and a ratio rule's number.

    ``subject`` is a function's name for function floors and caps, a line's
    name for one line's floor, and empty for plan-wide rules; ``number`` is
    the 1-based place of a ratio rule in the policy, 0 for every other rule.
    """

    family: Family
    subject: str = ""
    number: int = 0

    def __str__(self) -> str:
        """``budget``, ``function-floor:HR``, ``ratio:1``, ``line-floors``..."""
        if self.number:
            return f"{self.family.value}:{self.number}"
        if self.subject:
            return f"{self.family.value}:{self.subject}"
        return _PLAIN_TEXT.get(self.family, self.family.value)
