"""The runtime dependencies are what the program imports: every import declared, every declaration used."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "planner", "ui")


def _imported_modules() -> set[str]:
    """Top-level modules imported by the program (tests and benchmarks aside)."""
    names: set[str] = set()
    files = [ROOT / "main.py", *(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in project["dependencies"]
    }


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    owners = packages_distributions()
    return {module: {d.lower().replace("_", "-") for d in owners.get(module, [])} for module in modules}


def test_every_runtime_import_is_declared() -> None:
    declared = _declared()
    undeclared = {
        module: owners
        for module, owners in _distributions(_imported_modules()).items()
        if not owners & declared
    }
    assert not undeclared, f"imported but not declared in [project] dependencies: {undeclared}"


def test_every_declared_dependency_is_imported() -> None:
    provided = set().union(*_distributions(_imported_modules()).values())
    # PySide6's modules come from its two wheels; the CBC binary comes with pulp's extra.
    unused = _declared() - provided - {"pyside6-essentials", "pyside6-addons"}
    assert not unused, f"declared in [project] dependencies but imported nowhere: {sorted(unused)}"
    assert {"pyside6-essentials", "pyside6-addons"} & provided
