"""The second solver runs as installed: CBC from inside the PuLP package, or a clear refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner import cli, solvers
from tests.conftest import ROOT, SAMPLE


def _path_without_cbc() -> str:
    """The PATH with every directory that holds a program named ``cbc`` left out."""
    kept = [
        part
        for part in os.environ.get("PATH", "").split(os.pathsep)
        if part and not (Path(part) / "cbc").exists() and not (Path(part) / "cbc.exe").exists()
    ]
    return os.pathsep.join(kept)


def _solve(solver: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": _path_without_cbc()}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "solve", str(SAMPLE), "--json", "--solver", solver],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_cbc_solves_the_sample_with_no_cbc_on_the_path_as_highs_does() -> None:
    cbc, highs = _solve("cbc"), _solve("highs")
    assert cbc.returncode == 0, cbc.stdout + cbc.stderr
    assert highs.returncode == 0, highs.stdout + highs.stderr
    by_cbc, by_highs = json.loads(cbc.stdout), json.loads(highs.stdout)
    assert by_cbc["status"] == "optimal"
    assert "CBC" in by_cbc["solver"]
    assert by_cbc["impact"]["total"] == pytest.approx(by_highs["impact"]["total"], rel=1e-3)


def test_without_any_cbc_program_the_option_says_so_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A platform for which PuLP ships no CBC, on a machine with none installed.
    monkeypatch.setattr(solvers, "cbc_programs", lambda: ["/nowhere/cbc"])
    assert cli.main(["solve", str(SAMPLE), "--solver", "cbc"]) == 3
    out, err = capsys.readouterr()
    assert "The CBC solver is not available on this machine" in out
    assert "/nowhere/cbc" in out
    assert "--solver highs" in out
    assert "Traceback" not in out + err

    assert cli.main(["solve", str(SAMPLE), "--solver", "cbc", "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "error"
    assert "The CBC solver is not available on this machine" in data["message"]
