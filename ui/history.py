"""The undo history: plan edits and scenario changes as commands, with a clean mark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.domain import Plan
from models.project import Project

__all__ = ["Command", "History", "Opened", "Position"]


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


@dataclass(frozen=True, slots=True)
class Position:
    """A place in the history, recognised later even after undo, redo and new commands.

    ``epoch`` counts the times the history was cleared (another plan loaded);
    ``command`` is the command just before the place (None at the start).
    """

    epoch: int
    index: int
    command: Command | None


class History:
    """A stack of commands with a position and a clean mark (the state last saved or opened)."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.index = 0
        self.clean_index: int | None = 0
        #: How many times the history was cleared: a position of an earlier epoch is gone.
        self.epoch = 0

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

    def position(self) -> Position:
        """Where the history is now (to mark it clean later, when a save of this state is done)."""
        return Position(self.epoch, self.index, self.commands[self.index - 1] if self.index else None)

    def holds(self, position: Position) -> bool:
        """Whether the state at ``position`` is still in the history (undone, perhaps, but not replaced)."""
        if position.epoch != self.epoch or position.index > len(self.commands):
            return False
        return position.index == 0 or self.commands[position.index - 1] is position.command

    def set_clean_at(self, position: Position) -> None:
        """The state at ``position`` is the one saved; if it is no longer in the history, no state is."""
        self.clean_index = position.index if self.holds(position) else None

    def clear(self) -> None:
        self.commands.clear()
        self.index, self.clean_index = 0, 0
        self.epoch += 1
