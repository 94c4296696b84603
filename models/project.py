"""The ``.fulcrum`` project file: a SQLite database of a plan and its scenarios.

Tables: ``meta`` (application, schema version, times), ``plan`` (the plan
being worked on) and ``scenarios`` (name, notes, parent, created and modified
times, approved flag, the plan and its result). Plans and results are stored
as JSON documents of every field (:mod:`models.serial`).

Saving never leaves a half-written project: the new version is written to a
temporary file beside the target, flushed to disk, and moved over the target
in one step; the previous version is first copied to ``NAME.fulcrum.bak``.
Killed at any instant, the target is the old project or the new one.

Opening refuses, untouched and with a message: a file that is not SQLite, a
SQLite file of another program, a damaged file, and a project from a newer
Fulcrum. Older schemas are migrated when read (and written back as the
current schema at the next save).

Schema versions: 1 stored rule identities in results as text; 2 stores them
as data (family and subject). Results of a version 1 project are dropped
when it is read: each scenario keeps its plan and is solved again when its
result is needed.

The import mapping (how the project's workbooks are read, chosen in the
import preview) is the ``import_mapping`` entry of ``meta``, as the text of a
mapping file (:mod:`models.mapping`); a project without one, of any version,
reads with no choices made. An earlier Fulcrum opens such a project and
ignores the entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from models.atomic import fsync, replacing
from models.domain import Plan
from models.mapping import ImportMapping, MappingError
from models.result import Result
from models.serial import SerialError, plan_from_data, result_from_data, to_data

__all__ = [
    "APPLICATION",
    "SCHEMA_VERSION",
    "Project",
    "ProjectError",
    "ProjectLock",
    "Scenario",
    "open_project",
    "save_project",
    "save_recovery",
]

APPLICATION: Final = "Fulcrum"
SCHEMA_VERSION: Final = 2
SUFFIX: Final = ".fulcrum"
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"

_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE plan (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    notes TEXT NOT NULL DEFAULT '',
    parent TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
    plan TEXT NOT NULL,
    result TEXT
);
"""


class ProjectError(Exception):
    """A project that cannot be opened or saved; the message says why."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named version of the plan, with its result when it was solved."""

    name: str
    plan: Plan
    result: Result | None = None
    notes: str = ""
    parent: str | None = None
    created: str = field(default_factory=now)
    modified: str = field(default_factory=now)
    approved: bool = False


@dataclass(frozen=True, slots=True)
class Project:
    """The plan being worked on and its scenarios, in order."""

    plan: Plan
    scenarios: tuple[Scenario, ...] = ()
    created: str = field(default_factory=now)
    #: How the project's workbooks are read (the import preview's choices).
    mapping: ImportMapping = field(default_factory=ImportMapping)

    def scenario(self, name: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def with_scenario(self, scenario: Scenario) -> Project:
        """The project with ``scenario`` added, or replacing the one of the same name."""
        if self.scenario(scenario.name) is None:
            return replace(self, scenarios=(*self.scenarios, scenario))
        return replace(
            self, scenarios=tuple(scenario if s.name == scenario.name else s for s in self.scenarios)
        )

    def without_scenario(self, name: str) -> Project:
        return replace(self, scenarios=tuple(s for s in self.scenarios if s.name != name))


# -- saving ----------------------------------------------------------------------------


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _write_database(target: Path, project: Project) -> None:
    connection = sqlite3.connect(target)
    try:
        connection.executescript(_SCHEMA)
        meta = {
            "application": APPLICATION,
            "schema_version": str(SCHEMA_VERSION),
            "created": project.created,
            "modified": now(),
        }
        if not project.mapping.empty:
            meta["import_mapping"] = project.mapping.to_toml()
        connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        connection.execute(
            "INSERT INTO plan (id, document) VALUES (1, ?)", (json.dumps(to_data(project.plan)),)
        )
        connection.executemany(
            "INSERT INTO scenarios (position, name, notes, parent, created, modified, approved, plan, "
            "result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    s.name,
                    s.notes,
                    s.parent,
                    s.created,
                    s.modified,
                    int(s.approved),
                    json.dumps(to_data(s.plan)),
                    None if s.result is None else json.dumps(to_data(s.result)),
                )
                for n, s in enumerate(project.scenarios)
            ],
        )
        connection.commit()
    finally:
        connection.close()


def save_project(path: str | Path, project: Project) -> Path:
    """Write ``project`` to ``path`` atomically, keeping the previous version as a backup."""
    target = Path(path)
    if target.suffix != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    if target.exists():
        describe_refusal = _check_existing(target)
        if describe_refusal is not None:
            raise ProjectError(f"{target.name} {describe_refusal}; it is left as it is")
    return _write(target, project, keep_backup=True)


def save_recovery(path: str | Path, project: Project) -> Path:
    """Unsaved work, written the same atomic way to exactly ``path``, with no backup."""
    return _write(Path(path), project, keep_backup=False)


def _write(target: Path, project: Project, *, keep_backup: bool) -> Path:
    backup_temp = target.with_name(f".{target.name}.bak-tmp")
    try:
        with replacing(target, suffix=".tmp", failure=ProjectError, durable=True) as temp:
            temp.unlink()  # SQLite creates the file itself
            _write_database(temp, project)
            if keep_backup and target.exists():
                # The backup is written beside, then moved: a kill leaves the old backup or the new.
                shutil.copy2(target, backup_temp)
                fsync(backup_temp)
                os.replace(backup_temp, backup_path(target))
    except (OSError, sqlite3.Error) as error:
        with contextlib.suppress(OSError):
            backup_temp.unlink()
        raise ProjectError(f"{target}: cannot be saved ({error})") from None
    return target


def _check_existing(target: Path) -> str | None:
    """Why an existing file must not be overwritten by a save (not a Fulcrum project), or None."""
    try:
        _read(target)
    except ProjectError as error:
        text = str(error)
        if "newer" in text or "not a Fulcrum project" in text or "not a SQLite" in text:
            return text.removeprefix(f"{target.name} ")
    return None


# -- opening ---------------------------------------------------------------------------


def _drop_results(connection: sqlite3.Connection) -> None:
    """Version 1 to 2: results named their rules in text, so they are not read; the plans stay."""
    connection.execute("UPDATE scenarios SET result = NULL")


_MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {1: _drop_results}
"""Schema version -> a function bringing a database of that version up one version."""


def open_project(path: str | Path) -> Project:
    """Read a project; raise :class:`ProjectError` (the file untouched) if it cannot be."""
    return _read(Path(path))


def _read(path: Path) -> Project:
    name = path.name
    if not path.exists():
        raise ProjectError(f"{name} does not exist")
    if path.is_dir():
        raise ProjectError(f"{name} is a folder, not a project")
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise ProjectError(f"{name} is not a SQLite database, so not a Fulcrum project")
    try:
        # Read into memory: the file on disk is only ever read, never changed.
        source = sqlite3.connect(f"file:{path.resolve()}?mode=ro&immutable=1", uri=True)
        try:
            connection = sqlite3.connect(":memory:")
            source.backup(connection)
        finally:
            source.close()
        try:
            return _load(connection, name)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise ProjectError(f"{name} is damaged and cannot be read ({error})") from None


def _load(connection: sqlite3.Connection, name: str) -> Project:
    check = connection.execute("PRAGMA integrity_check").fetchone()
    if check is None or check[0] != "ok":
        raise ProjectError(f"{name} is damaged: {check[0] if check else 'no integrity report'}")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        raise ProjectError(f"{name} is a SQLite database of another program, not a Fulcrum project")
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("application") != APPLICATION:
        raise ProjectError(f"{name} is a SQLite database of another program, not a Fulcrum project")
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise ProjectError(f"{name} has no readable schema version") from None
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{name} was saved by a newer Fulcrum (project format {version}; this one reads up to "
            f"{SCHEMA_VERSION}); open it with that version"
        )
    while version < SCHEMA_VERSION:
        _MIGRATIONS[version](connection)
        version += 1
    try:
        (document,) = connection.execute("SELECT document FROM plan WHERE id = 1").fetchone()
        plan = plan_from_data(json.loads(document))
        scenarios = tuple(
            Scenario(
                name=row[0],
                notes=row[1],
                parent=row[2],
                created=row[3],
                modified=row[4],
                approved=bool(row[5]),
                plan=plan_from_data(json.loads(row[6])),
                result=None if row[7] is None else result_from_data(json.loads(row[7])),
            )
            for row in connection.execute(
                "SELECT name, notes, parent, created, modified, approved, plan, result "
                "FROM scenarios ORDER BY position"
            )
        )
    except (TypeError, ValueError, SerialError, sqlite3.Error) as error:
        raise ProjectError(f"{name} is damaged: its contents cannot be read ({error})") from None
    try:
        mapping = ImportMapping.from_toml(meta.get("import_mapping", ""), "its import mapping")
    except MappingError as error:
        raise ProjectError(f"{name} is damaged: {error}") from None
    return Project(plan, scenarios, created=meta.get("created", now()), mapping=mapping)


# -- one window per project ----------------------------------------------------------


@dataclass(slots=True)
class ProjectLock:
    """``NAME.fulcrum.lock`` while a project is open: who has it, so a second opening can warn.

    A lock whose process has ended (a crash) does not block: it is taken over.
    """

    path: Path
    held: bool = False

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock, if a live process on this machine (or another machine) does."""
        try:
            info = json.loads(self.lock_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(info, dict):
            return None
        if info.get("host") == socket.gethostname():
            pid = info.get("pid")
            if not isinstance(pid, int) or not _alive(pid) or pid == os.getpid():
                return None
        return info

    def acquire(self) -> dict[str, Any] | None:
        """Take the lock; return the other holder if the project is open elsewhere (the lock is not taken)."""
        other = self.holder()
        if other is not None:
            return other
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": now()}
        self.lock_path.write_text(json.dumps(info), encoding="utf-8")
        self.held = True
        return None

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(OSError):
                self.lock_path.unlink()
            self.held = False

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
