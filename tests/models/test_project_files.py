"""The project file on disk: what is never written over, damage never read as other numbers, links,
permissions, leftovers of killed saves, and stored values that cannot be read."""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.project import (
    ProjectError,
    backup_path,
    damaged_path,
    digest,
    open_project,
    remove_leftovers,
    save_project,
    save_recovery,
)
from models.project_lock import OTHER_HOST_STALE_AFTER, host_key
from tests.conftest import ROOT
from tests.models.test_project import sample_project

SCENARIOS = (
    "SELECT position, name, notes, parent, created, modified, approved, plan, result "
    "FROM scenarios ORDER BY position"
)


def forge(path: Path, *statements: tuple[str, tuple[object, ...]], reseal: bool = True) -> None:
    """Change a saved project with SQL; ``reseal`` makes its checksum again, as a deliberate writer would."""
    connection = sqlite3.connect(path)
    for sql, parameters in statements:
        connection.execute(sql, parameters)
    if reseal:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        (plan,) = connection.execute("SELECT document FROM plan").fetchone()
        rows = connection.execute(SCENARIOS).fetchall()
        connection.execute("UPDATE meta SET value = ? WHERE key = 'checksum'", (digest(meta, plan, rows),))
    connection.commit()
    connection.close()


# -- what is never written over --------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, payload BLOB)",
        "CREATE TABLE meta (name TEXT, value TEXT)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    ],
    ids=["other-columns", "no-key-column", "same-columns-other-application"],
)
def test_another_programs_database_with_a_meta_table_is_never_written_over(
    tmp_path: Path, table: str
) -> None:
    path = tmp_path / "ledger.fulcrum"
    connection = sqlite3.connect(path)
    connection.execute(table)
    if "key TEXT" in table:
        connection.execute("INSERT INTO meta VALUES ('application', 'Ledger')")
    connection.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, amount REAL)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match=r"ledger\.fulcrum is a SQLite database of another program"):
        open_project(path)
    with pytest.raises(ProjectError, match="of another program, not a Fulcrum project; it is left as it is"):
        save_project(path, sample_project())
    assert path.read_bytes() == before
    assert not backup_path(path).exists()


def test_a_file_sqlite_cannot_read_is_never_written_over(tmp_path: Path) -> None:
    path = tmp_path / "plan.fulcrum"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(5000))
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="left as it is"):
        save_project(path, sample_project())
    assert path.read_bytes() == before


def test_a_damaged_project_saved_over_is_kept_aside_and_the_backup_stays_good(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    save_project(path, project)
    good_backup = backup_path(path).read_bytes()
    forge(path, ("UPDATE scenarios SET notes = 'tampered' WHERE position = 0", ()), reseal=False)
    damaged = path.read_bytes()
    save_project(path, project.without_scenario("Base"))
    assert backup_path(path).read_bytes() == good_backup
    assert damaged_path(path).read_bytes() == damaged
    assert [s.name for s in open_project(path).scenarios] == ["Lean year", "Impossible", "Unsolved"]


# -- damage is never read as other numbers -------------------------------------------------


def test_single_bit_flips_give_the_same_project_or_a_refusal_naming_the_backup(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    save_project(path, project)  # a backup to name
    good = path.read_bytes()
    # Every digit of every stored Current, and offsets all over the file.
    digits = [m.start() + len(b'"current": ') for m in re.finditer(rb'"current": ', good)]
    rng = random.Random(5)
    offsets = sorted({*digits[::3], *rng.sample(range(len(good)), 220)})
    outcomes = {"same": 0, "refused": 0}
    for offset in offsets:
        flipped = bytearray(good)
        flipped[offset] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(flipped))
        try:
            read = open_project(path)
        except ProjectError as error:
            refusal = str(error)
            outcomes["refused"] += 1
        else:
            refusal = ""
            assert read == project, f"a flip at byte {offset} read as a different project"
            outcomes["same"] += 1
        assert not refusal or "plan.fulcrum.bak" in refusal, (offset, refusal)
        assert path.read_bytes() == bytes(flipped)
    assert outcomes["refused"] > len(digits) // 3 - 1
    path.write_bytes(good)
    assert open_project(path) == project


def test_a_changed_number_is_refused_with_the_backup_named(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    save_project(path, project)
    data = path.read_bytes()
    match = re.search(rb'"current": (\d)', data)
    assert match is not None
    digit = match.start(1)
    path.write_bytes(data[:digit] + bytes([data[digit] ^ 0x02]) + data[digit + 1 :])
    with pytest.raises(ProjectError) as refused:
        open_project(path)
    assert str(refused.value) == (
        "plan.fulcrum is damaged: its contents do not match their checksum. The previous version saved "
        "is kept in plan.fulcrum.bak: open it to go back to that version"
    )


# -- links, permissions, leftovers -------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links and modes of POSIX")
def test_a_save_through_a_link_writes_the_linked_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    project = sample_project()
    shared = tmp_path / "shared"
    shared.mkdir()
    real = save_project(shared / "budget.fulcrum", project)
    real.chmod(0o664)
    link = tmp_path / "budget.fulcrum"
    link.symlink_to(real)
    smaller = project.without_scenario("Unsolved")
    assert save_project(link, smaller) == link
    assert link.is_symlink() and link.resolve() == real
    assert open_project(real) == smaller
    assert stat.S_IMODE(real.stat().st_mode) == 0o664
    assert open_project(backup_path(link)) == project
    assert backup_path(link) == shared / "budget.fulcrum.bak"
    assert sorted(p.name for p in shared.iterdir()) == ["budget.fulcrum", "budget.fulcrum.bak"]
    real.chmod(0o600)
    save_project(link, project)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def leftover(folder: Path, base: str, pid: int, started: int, host: str | None = None) -> Path:
    path = folder / f".{base}.{host or host_key()}-{pid}-{started}-0a1b2c.tmp"
    path.write_bytes(b"half a project")
    return path


def test_leftovers_of_killed_saves_are_removed_at_the_next_save_or_opening(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import psutil

        alive_started = int(psutil.Process(sleeper.pid).create_time())
        dead = [
            leftover(tmp_path, "plan.fulcrum", ended.pid, 0),
            leftover(tmp_path, "plan.fulcrum.bak", ended.pid, 0),
            leftover(tmp_path, "plan.fulcrum.recovery", ended.pid, 0),
            leftover(tmp_path, "plan.fulcrum", sleeper.pid, alive_started - 5000),  # its id, reused
        ]
        journal = tmp_path / (dead[0].name + "-journal")
        journal.write_bytes(b"journal")
        old_style = tmp_path / ".plan.fulcrum-abcd1234.tmp"
        old_style.write_bytes(b"old")
        far = leftover(tmp_path, "plan.fulcrum", 77, 0, host="ffffffff")
        kept = [
            leftover(tmp_path, "plan.fulcrum", sleeper.pid, alive_started),  # a save under way elsewhere
            far,
            old_style,
            tmp_path / ".other.fulcrum.tmp",
        ]
        kept[-1].write_bytes(b"not ours")
        for young in (far, old_style):
            os.utime(young, (time.time() - 60, time.time() - 60))
        assert open_project(path) == project
        assert not any(p.exists() for p in [*dead, journal])
        assert all(p.exists() for p in kept)
        old = time.time() - OTHER_HOST_STALE_AFTER.total_seconds() - 60
        for aged in (far, old_style):
            os.utime(aged, (old, old))
        save_project(path, project)
        assert not far.exists() and not old_style.exists()
        assert kept[0].exists() and kept[-1].exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_leftovers(path) == [kept[0]]


# -- stored values that cannot be read -------------------------------------------------------


def stored(path: Path) -> dict[str, object]:
    connection = sqlite3.connect(path)
    (document,) = connection.execute("SELECT document FROM plan").fetchone()
    connection.close()
    return dict(json.loads(document))


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("UPDATE meta SET value = '0' WHERE key = 'schema_version'", ()),
            "has an unknown project format 0 (formats run from 1 to 2)",
        ),
        (
            ("UPDATE meta SET value = '-3' WHERE key = 'schema_version'", ()),
            "has an unknown project format -3",
        ),
        (("UPDATE plan SET document = ?", (deep(100_000),)), "its contents are nested too deeply"),
        (
            ("UPDATE scenarios SET plan = ? WHERE position = 1", ('{"lines": ' + deep(100_000) + "}",)),
            "its contents are nested too deeply",
        ),
        ("nan", "plan.fulcrum cannot be read: its plan stores NaN (not a number) where a number is needed"),
        ("inf", "plan.fulcrum cannot be read: its plan stores infinity where a number is needed"),
    ],
    ids=["version-0", "version-negative", "deep-plan", "deep-scenario", "nan", "inf"],
)
def test_values_that_cannot_be_read_are_refused_with_a_message(
    tmp_path: Path, change: object, message: str
) -> None:
    path = save_project(tmp_path / "plan.fulcrum", sample_project())
    if isinstance(change, str):
        value = "NaN" if change == "nan" else "Infinity"
        document = re.sub(r'"current": [0-9.e+-]+', f'"current": {value}', json.dumps(stored(path)), count=1)
        assert f'"current": {value}' in document
        change = ("UPDATE plan SET document = ?", (document,))
    forge(path, change)  # type: ignore[arg-type]
    before = path.read_bytes()
    with pytest.raises(ProjectError, match=re.escape(message)):
        open_project(path)
    assert path.read_bytes() == before
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "project", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Cannot open the project: plan.fulcrum ")
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_stored_result_holding_nan_is_dropped_and_its_scenario_kept(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    connection = sqlite3.connect(path)
    (result,) = connection.execute("SELECT result FROM scenarios WHERE position = 0").fetchone()
    connection.close()
    forge(
        path,
        (
            "UPDATE scenarios SET result = ? WHERE position = 0",
            (result.replace('"solve_seconds": ', '"solve_seconds": NaN, "x": ', 1),),
        ),
    )
    opened = open_project(path)
    assert opened.scenarios[0].result is None
    assert opened.scenarios[0].plan == project.scenarios[0].plan
    assert opened.scenarios[1:] == project.scenarios[1:]


def test_recovery_files_are_written_the_same_way(tmp_path: Path) -> None:
    project = sample_project()
    target = tmp_path / "plan.fulcrum.recovery"
    save_recovery(target, project)
    save_recovery(target, project.without_scenario("Base"))
    assert [s.name for s in open_project(target).scenarios] == ["Lean year", "Impossible", "Unsolved"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.fulcrum.recovery"]
