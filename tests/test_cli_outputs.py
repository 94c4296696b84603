"""The command line's outputs: never over an input, failures said with their exit status, never a
traceback, and nothing printed that a terminal would act on."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import planner.cli
from planner.cli import main
from tests.conftest import ROOT, SAMPLE


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.xlsx"
    shutil.copyfile(SAMPLE, path)
    return path


# -- an output that is an input ---------------------------------------------------------------------


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_solve_refuses_to_write_over_its_own_workbook(tmp_path: Path, plan_file: Path, link: str) -> None:
    before = plan_file.read_bytes()
    out = {"same": plan_file, "symlink": tmp_path / "out.xlsx", "hardlink": tmp_path / "out.xlsx"}[link]
    if link == "symlink":
        out.symlink_to(plan_file)
    elif link == "hardlink":
        os.link(plan_file, out)
    done = run("solve", str(plan_file), "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert "is the file the plan was read from" in done.stderr
    assert "Traceback" not in done.stderr
    assert plan_file.read_bytes() == before


def test_every_writing_command_refuses_its_inputs(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = plan_file.read_bytes()
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copyfile(SAMPLE, folder / "dept.xlsx")
    mapping = tmp_path / "m.toml"
    mapping.write_text("", encoding="utf-8")
    project_link = tmp_path / "project.xlsx"
    project_link.symlink_to(tmp_path / "p.fulcrum")
    (tmp_path / "p.fulcrum").write_bytes(b"project")
    commands = [
        ["solve", str(folder), "--out", str(folder / "dept.xlsx")],
        ["compare", str(plan_file), str(SAMPLE), "--out", str(plan_file)],
        ["frontier", str(plan_file), "--out", str(plan_file), "--points", "3"],
        ["inspect", str(plan_file), "--save-mapping", str(plan_file)],
        ["inspect", str(plan_file), "--mapping", str(mapping), "--save-mapping", str(mapping)],
        ["project", str(tmp_path / "p.fulcrum"), "--export", "A", "--out", str(project_link)],
    ]
    for command in commands:
        assert main(command) == 2, command
        assert "is the file the plan was read from" in capsys.readouterr().err
    assert plan_file.read_bytes() == before
    assert (folder / "dept.xlsx").read_bytes() == SAMPLE.read_bytes()
    assert mapping.read_text(encoding="utf-8") == ""
    assert (tmp_path / "p.fulcrum").read_bytes() == b"project"


def test_the_refusal_is_json_with_json(plan_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(plan_file), "--json", "--out", str(plan_file)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "invalid-input"
    assert "read from" in data["issues"][0]["message"]


# -- a full disk, a closed pipe, anything else ---------------------------------------------------------


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter.workbook

    class FullDisk(zipfile.ZipFile):
        def writestr(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FullDisk)


@pytest.mark.parametrize("as_json", [False, True])
def test_an_export_to_a_full_disk_is_exit_3_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    _full_disk(monkeypatch)
    out = tmp_path / "r.xlsx"
    assert main(["solve", str(SAMPLE), "--out", str(out), *(["--json"] if as_json else [])]) == 3
    captured = capsys.readouterr()
    assert "Export failed" in captured.err
    assert "No space left on device" in captured.err
    assert not out.exists()
    if as_json:
        assert json.loads(captured.out)["status"] == "optimal"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_mapping_saved_to_a_full_disk_is_exit_3() -> None:
    done = run("inspect", str(SAMPLE), "--save-mapping", "/dev/full")
    assert done.returncode == 3
    assert "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pipe_closed_early_is_exit_3_with_a_message() -> None:
    with subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "solve", str(SAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader goes away before anything is written, as `| head -1` does
        err = process.stderr.read()
        assert process.wait(timeout=120) == 3
    assert "cut short" in err
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("as_json", [False, True])
def test_an_unexpected_error_is_exit_3_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the solver library is broken")

    monkeypatch.setattr(planner.cli, "solve", broken)
    assert main(["solve", str(SAMPLE), *(["--json"] if as_json else [])]) == 3
    captured = capsys.readouterr()
    assert "the solver library is broken" in captured.err
    if as_json:
        data = json.loads(captured.out)
        assert data["status"] == "error"
        assert "the solver library is broken" in data["message"]


# -- what a terminal would act on ---------------------------------------------------------------------


def test_control_characters_are_printed_escaped(tmp_path: Path) -> None:
    path = tmp_path / "plan\x1b[31m\u202e.xlsx"
    shutil.copyfile(SAMPLE, path)
    done = run("solve", str(path))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert "plan\\x1b[31m\\u202e: optimal" in done.stdout
