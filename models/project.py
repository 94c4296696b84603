"""The ``.fulcrum`` project file: a SQLite database of a plan and its scenarios.

Tables: ``meta`` (application, schema version, times), ``plan`` (the plan
being worked on) and ``scenarios`` (name, notes, parent, created and modified
times, approved flag, the plan and its result). Plans and results are stored
as JSON documents of every field (:mod:`models.serial`).

Saving never leaves a half-written project: the new version is written to a
temporary file beside the target, flushed to disk, and moved over the target
in one step; the previous version is first kept as ``NAME.fulcrum.bak`` (a
second name of the same file where the file system allows it, else a copy).
Killed at any instant, the target is the old project or the new one. A
project reached through a symbolic link is written where the link points,
the link kept; the file keeps its permissions. Temporary files left by a
save that was killed are removed at the next save or opening: those of a
process of this host once it has ended, those from another host or an
earlier Fulcrum once older than
:data:`~models.project_lock.OTHER_HOST_STALE_AFTER`.

Saving writes over an existing file only when it is a Fulcrum project: a
file that is not SQLite, a SQLite file of another program (whatever its
tables), a file SQLite cannot read and a project from a newer Fulcrum are
left as they are and the save is refused. An existing project that is
damaged is kept as ``NAME.fulcrum.damaged`` (the backup stays the last good
version). A save decodes nothing of the existing file: it reads its
``meta`` table and checks its rows against their checksum.

The ``checksum`` entry of ``meta`` is a SHA-256 digest of everything else
stored (every other meta entry, the plan, every scenario's columns). Opening
refuses a project whose contents do not match it, so a damaged file is never
read as different numbers. Projects written before the checksum existed are
read without it.

Opening refuses, untouched and with a message: a file that is not SQLite, a
SQLite file of another program, a damaged file, a project from a newer
Fulcrum, one whose schema version is below 1, contents nested too deeply to
read, and a plan holding a number that is not finite (a stored result holding
one is dropped: the scenario is solved again when its result is needed).
When the refused file has a backup, the message names it. Older schemas are
migrated when read (and written back as the current schema at the next
save).

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
import re
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from models.atomic import fsync, fsync_folder
from models.domain import Plan
from models.mapping import ImportMapping, MappingError
from models.project_lock import (
    OTHER_HOST_STALE_AFTER,
    LockError,
    ProjectLock,
    host_key,
    process_alive,
    process_started,
)
from models.result import Result
from models.serial import NotFiniteError, SerialError, plan_from_data, result_from_data, to_data

__all__ = [
    "APPLICATION",
    "SCHEMA_VERSION",
    "LockError",
    "Project",
    "ProjectError",
    "ProjectLock",
    "Scenario",
    "backup_path",
    "damaged_path",
    "digest",
    "open_project",
    "remove_leftovers",
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

CHECKSUM_KEY: Final = "checksum"
_INSERT_SCENARIO: Final = (
    "INSERT INTO scenarios (position, name, notes, parent, created, modified, approved, plan, result) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_SCENARIOS: Final = (
    "SELECT position, name, notes, parent, created, modified, approved, plan, result "
    "FROM scenarios ORDER BY position"
)


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept (beside the file a link points to)."""
    real = _real(path)
    return real.with_name(real.name + ".bak")


def damaged_path(path: Path) -> Path:
    """Where a damaged project is kept when a save replaces it."""
    real = _real(path)
    return real.with_name(real.name + ".damaged")


def _real(path: Path) -> Path:
    """The file a path names, through symbolic links."""
    return Path(os.path.realpath(path))


def digest(meta: dict[str, str], plan_document: str, rows: Iterable[Sequence[object]]) -> str:
    """The checksum of a project's stored contents: every meta entry but the checksum, the plan, each row."""
    import hashlib

    hasher = hashlib.sha256()

    def put(value: object) -> None:
        if value is None:
            hasher.update(b"n;")
            return
        if isinstance(value, str):
            tag, data = b"s", value.encode("utf-8", "surrogatepass")
        elif isinstance(value, bytes):
            tag, data = b"b", value
        elif isinstance(value, int):
            tag, data = b"i", str(value).encode()
        else:
            tag, data = b"f", repr(value).encode()
        hasher.update(b"%s%d:" % (tag, len(data)))
        hasher.update(data)

    for key in sorted(meta):
        if key != CHECKSUM_KEY:
            put(key)
            put(meta[key])
    put(plan_document)
    for row in rows:
        hasher.update(b"r")
        for value in row:
            put(value)
    return "sha256:" + hasher.hexdigest()


def _scenario_rows(project: Project) -> list[tuple[object, ...]]:
    return [
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
    ]


def _write_database(target: Path, project: Project) -> None:
    meta = {
        "application": APPLICATION,
        "schema_version": str(SCHEMA_VERSION),
        "created": project.created,
        "modified": now(),
    }
    if not project.mapping.empty:
        meta["import_mapping"] = project.mapping.to_toml()
    plan_document = json.dumps(to_data(project.plan))
    rows = _scenario_rows(project)
    meta[CHECKSUM_KEY] = digest(meta, plan_document, rows)
    connection = sqlite3.connect(target)
    try:
        # The file is new and private until it is moved into place: no journal is needed.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        connection.execute("INSERT INTO plan (id, document) VALUES (1, ?)", (plan_document,))
        connection.executemany(_INSERT_SCENARIO, rows)
        connection.commit()
    finally:
        connection.close()


def save_project(path: str | Path, project: Project) -> Path:
    """Write ``project`` to ``path`` atomically, keeping the previous version as a backup."""
    target = Path(path)
    if target.suffix != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    return _write(target, project, keep_backup=True)


def save_recovery(path: str | Path, project: Project) -> Path:
    """Unsaved work, written the same atomic way to exactly ``path``, with no backup."""
    return _write(Path(path), project, keep_backup=False)


def _write(target: Path, project: Project, *, keep_backup: bool) -> Path:
    real = _real(target)
    folder = real.parent
    if not folder.is_dir():
        raise ProjectError(f"{target}: the folder {folder} does not exist")
    if real.is_dir():
        raise ProjectError(f"{target} is a folder; the project is not saved")
    remove_leftovers(real)
    existing = _existing(real) if real.exists() else None
    if isinstance(existing, str):
        raise ProjectError(f"{target.name} {existing}; it is left as it is")
    temp = _temp_path(real)
    kept = _temp_path(real)
    try:
        mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else None
        _write_database(temp, project)
        if mode is not None:
            os.chmod(temp, mode)
        fsync(temp)
        if existing is not None and keep_backup:
            # The previous version is kept under its second name first: a kill leaves the old one or the new.
            try:
                os.link(real, kept)
            except OSError:
                shutil.copy2(real, kept)
                fsync(kept)
            os.replace(kept, damaged_path(real) if existing is _DAMAGED else backup_path(real))
        os.replace(temp, real)
        fsync_folder(folder)
    except (OSError, sqlite3.Error) as error:
        raise ProjectError(f"{target}: cannot be saved ({error})") from None
    finally:
        for path in (temp, kept, temp.with_name(temp.name + "-journal")):
            with contextlib.suppress(OSError):
                path.unlink()
    return target


_OURS: Final = object()
_DAMAGED: Final = object()


def _existing(real: Path) -> object:
    """What an existing file is: a project (``_OURS``), a damaged one (``_DAMAGED``), or why it must stay."""
    try:
        connection = _connect(real, real.name)
    except ProjectError as error:
        return str(error).removeprefix(f"{real.name} ")
    try:
        meta, _version = _meta(connection, real.name)
    except _NotOursError as error:
        connection.close()
        return str(error).removeprefix(f"{real.name} ")
    except ProjectError:
        connection.close()
        return _DAMAGED
    try:
        if CHECKSUM_KEY in meta:
            _verified(connection, meta, real.name)
    except (ProjectError, sqlite3.Error):
        return _DAMAGED
    finally:
        connection.close()
    return _OURS


# -- leftovers of killed saves ---------------------------------------------------------

_LEFTOVER: Final = re.compile(
    r"^\.(?P<base>.+)\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<started>\d+)-[0-9a-f]+\.tmp(-journal)?$"
)
#: Temporary files of an earlier Fulcrum: the writer is not named, so only their age tells.
_OLD_LEFTOVER: Final = re.compile(r"^\.(?P<base>.+?)(-[A-Za-z0-9_]{8}\.tmp|\.bak-tmp)(-journal)?$")


def _started_key(pid: int) -> int:
    started = process_started(pid)
    return 0 if started is None else int(started)


def _temp_path(real: Path) -> Path:
    """A new temporary name beside ``real`` naming this host and process (see :func:`remove_leftovers`)."""
    pid = os.getpid()
    return real.with_name(f".{real.name}.{host_key()}-{pid}-{_started_key(pid)}-{os.urandom(6).hex()}.tmp")


def remove_leftovers(path: Path) -> list[Path]:
    """Remove temporary files beside ``path`` left by saves that were killed; return them.

    A file of a process of this host is removed once that process has ended
    (or its id is another process's); a file from another host, or from an
    earlier Fulcrum, once it is older than ``OTHER_HOST_STALE_AFTER``.
    """
    real = _real(path)
    removed: list[Path] = []
    try:
        names = os.listdir(real.parent)
    except OSError:
        return removed
    stem = f".{real.name}"
    for name in names:
        if not name.startswith(stem):
            continue
        leftover = real.with_name(name)
        if _abandoned(name, leftover):
            with contextlib.suppress(OSError):
                leftover.unlink()
                removed.append(leftover)
    return removed


def _abandoned(name: str, leftover: Path) -> bool:
    match = _LEFTOVER.match(name)
    if match is not None and match["host"] == host_key():
        pid = int(match["pid"])
        if pid == os.getpid():
            return False  # a save of this process, perhaps under way in another thread
        return not process_alive(pid, float(match["started"]) if int(match["started"]) else None)
    if match is None and _OLD_LEFTOVER.match(name) is None:
        return False
    try:
        age = time.time() - leftover.stat().st_mtime
    except OSError:
        return False
    return age > OTHER_HOST_STALE_AFTER.total_seconds()


# -- opening ---------------------------------------------------------------------------


def _drop_results(connection: sqlite3.Connection) -> None:
    """Version 1 to 2: results named their rules in text, so they are not read; the plans stay."""
    connection.execute("UPDATE scenarios SET result = NULL")


_MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {1: _drop_results}
"""Schema version -> a function bringing a database of that version up one version."""


class _NotOursError(ProjectError):
    """A file not known to be a Fulcrum project this version writes: never written over."""


def open_project(path: str | Path) -> Project:
    """Read a project; raise :class:`ProjectError` (the file untouched) if it cannot be."""
    target = Path(path)
    try:
        return _read(target)
    except ProjectError as error:
        raise ProjectError(f"{error}{_backup_note(target)}") from None


def _backup_note(path: Path) -> str:
    """A sentence naming the backup of a project that cannot be opened, if the backup can be."""
    if not path.exists() or path.name.endswith((".bak", ".recovery")):
        return ""
    backup = backup_path(path)
    try:
        if backup.is_file():
            _read(backup)
        else:
            return ""
    except ProjectError:
        return f". A previous version is kept in {backup.name}, but it cannot be opened either"
    return f". The previous version saved is kept in {backup.name}: open it to go back to that version"


def _connect(path: Path, name: str) -> sqlite3.Connection:
    if not path.exists():
        raise ProjectError(f"{name} does not exist")
    if path.is_dir():
        raise ProjectError(f"{name} is a folder, not a project")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise ProjectError(f"{name} cannot be read ({error.strerror})") from None
    if head != _SQLITE_MAGIC:
        raise _NotOursError(f"{name} is not a SQLite database, so not a Fulcrum project")
    try:
        # Read only, as it is: the file on disk is never changed by reading it.
        return sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as error:
        raise _NotOursError(f"{name} is damaged and cannot be read ({error})") from None


def _read(path: Path) -> Project:
    name = path.name
    if path.exists() and not path.is_dir():
        remove_leftovers(path)
    connection = _connect(path, name)
    try:
        meta, version = _meta(connection, name)
        if CHECKSUM_KEY not in meta:
            check = connection.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":
                raise ProjectError(f"{name} is damaged: {check[0] if check else 'no integrity report'}")
        plan_document, rows = _verified(connection, meta, name)
        if version < SCHEMA_VERSION:
            memory = sqlite3.connect(":memory:")
            try:
                connection.backup(memory)
                while version < SCHEMA_VERSION:
                    _MIGRATIONS[version](memory)
                    version += 1
                plan_document, rows = _stored(memory, name)
            finally:
                memory.close()
        return _load(plan_document, rows, meta, name)
    except RecursionError:
        raise ProjectError(f"{name} is damaged: its contents are nested too deeply to read") from None
    except sqlite3.Error as error:
        raise ProjectError(f"{name} is damaged and cannot be read ({error})") from None
    finally:
        connection.close()


def _meta(connection: sqlite3.Connection, name: str) -> tuple[dict[str, str], int]:
    """The meta entries and the schema version of a Fulcrum project; refuses anything else."""
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        raise _NotOursError(f"{name} is damaged and cannot be read ({error})") from None
    other = f"{name} is a SQLite database of another program, not a Fulcrum project"
    if "meta" not in tables:
        raise _NotOursError(other)
    try:
        rows = connection.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.OperationalError:
        raise _NotOursError(other) from None  # a meta table of another shape
    except sqlite3.Error as error:
        raise _NotOursError(f"{name} is damaged and cannot be read ({error})") from None
    meta = {str(key): value for key, value in rows}
    if meta.get("application") != APPLICATION:
        raise _NotOursError(other)
    if not all(isinstance(value, str) for value in meta.values()):
        raise ProjectError(f"{name} is damaged: its meta table holds values that are not text")
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise ProjectError(f"{name} has no readable schema version") from None
    if version > SCHEMA_VERSION:
        raise _NotOursError(
            f"{name} was saved by a newer Fulcrum (project format {version}; this one reads up to "
            f"{SCHEMA_VERSION}); open it with that version"
        )
    if not {"plan", "scenarios"} <= tables:
        raise ProjectError(f"{name} is damaged: its plan or scenarios table is missing")
    if version < 1:
        raise ProjectError(
            f"{name} has an unknown project format {version} (formats run from 1 to {SCHEMA_VERSION}); "
            "it cannot be read"
        )
    return meta, version


def _stored(connection: sqlite3.Connection, name: str) -> tuple[str, list[tuple[Any, ...]]]:
    found = connection.execute("SELECT document FROM plan WHERE id = 1").fetchone()
    if found is None or not isinstance(found[0], str):
        raise ProjectError(f"{name} is damaged: its plan is missing")
    rows = connection.execute(_SELECT_SCENARIOS).fetchall()
    return found[0], rows


def _verified(
    connection: sqlite3.Connection, meta: dict[str, str], name: str
) -> tuple[str, list[tuple[Any, ...]]]:
    """The stored plan and scenario rows, checked against the checksum when there is one."""
    plan_document, rows = _stored(connection, name)
    expected = meta.get(CHECKSUM_KEY)
    if expected is not None and digest(meta, plan_document, rows) != expected:
        raise ProjectError(f"{name} is damaged: its contents do not match their checksum")
    return plan_document, rows


def _json(text: object) -> Any:
    if not isinstance(text, str):
        raise TypeError(f"{text!r} is not a stored document")
    return json.loads(text)


def _load(plan_document: str, rows: list[tuple[Any, ...]], meta: dict[str, str], name: str) -> Project:
    where = "its plan"
    try:
        plan = plan_from_data(_json(plan_document))
        scenarios = []
        for row in rows:
            where = f"its scenario {row[1]!r}"
            scenarios.append(
                Scenario(
                    name=row[1],
                    notes=row[2],
                    parent=row[3],
                    created=row[4],
                    modified=row[5],
                    approved=bool(row[6]),
                    plan=plan_from_data(_json(row[7])),
                    result=_result(row[8]),
                )
            )
    except NotFiniteError as error:
        raise ProjectError(
            f"{name} cannot be read: {where} stores {error} where a number is needed"
        ) from None
    except (TypeError, ValueError, SerialError) as error:
        raise ProjectError(f"{name} is damaged: its contents cannot be read ({error})") from None
    try:
        mapping = ImportMapping.from_toml(meta.get("import_mapping", ""), "its import mapping")
    except MappingError as error:
        raise ProjectError(f"{name} is damaged: {error}") from None
    return Project(plan, tuple(scenarios), created=meta.get("created", now()), mapping=mapping)


def _result(document: object) -> Result | None:
    """A stored result; one holding a number that is not finite is dropped (solved again when needed)."""
    if document is None:
        return None
    try:
        return result_from_data(_json(document))
    except NotFiniteError:
        return None
