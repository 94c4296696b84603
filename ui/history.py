"""The undo history: plan edits and scenario changes as commands, with a clean mark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.domain import Plan
from models.project import Project

__all__ = ["Command", "History", "Opened"]


@dataclass(frozen=True, slots=True)
class Opened:
    """The plan with the workbook it was opened from and the window's title (what opening changes)."""

    plan: Plan
    path: Path | None
    title: str


@dataclass(frozen=True, slots=True)
class Command:
    """One undoable change: the plan or the project before and after it."""

    before: Plan | Project | Opened
    after: Plan | Project | Opened
    text: str


class History:
    """A stack of commands with a position and a clean mark (the state last saved or opened)."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.index = 0
        self.clean_index: int | None = 0

    def __len__(self) -> int:
        return len(self.commands)

    @property
    def clean(self) -> bool:
        return self.index == self.clean_index

    @property
    def undo_text(self) -> str:
        return self.commands[self.index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self.commands[self.index].text if self.can_redo else ""

    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self.commands)

    def push(self, command: Command) -> None:
        """Add ``command`` after the current position; the commands that were undone go."""
        if self.clean_index is not None and self.clean_index > self.index:
            self.clean_index = None  # the clean state was among the undone commands: unreachable
        del self.commands[self.index :]
        self.commands.append(command)
        self.index += 1

    def undo(self) -> Command | None:
        if not self.can_undo:
            return None
        self.index -= 1
        return self.commands[self.index]

    def redo(self) -> Command | None:
        if not self.can_redo:
            return None
        self.index += 1
        return self.commands[self.index - 1]

    def set_clean(self) -> None:
        self.clean_index = self.index

    def reset_clean(self) -> None:
        """No state in the history is the saved one (the project's plan was replaced)."""
        self.clean_index = None

    def clear(self) -> None:
        self.commands.clear()
        self.index, self.clean_index = 0, 0
