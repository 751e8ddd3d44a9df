"""The package's layer rules, checked on the source with ast so no module needs importing.

Layers from top to bottom: ui, cli, services, reports, engine, ingest, project. A module may
import its own layer and the layers below it, never one above. Only ui imports Qt (PySide6,
shiboken6) or pyqtgraph. The ui and cli layers reach reports, engine, ingest and project only
through services, and engine imports neither ingest nor project. errors, progress, clock and
logsetup are leaves that every layer may import. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
LAYERS = ("ui", "cli", "services", "reports", "engine", "ingest", "project")
SHARED_LEAVES = {"errors", "progress", "clock", "logsetup", "resources"}
QT_MODULES = {"PySide6", "shiboken6", "pyqtgraph"}
SERVICES_ONLY = {"ui", "cli"}
# The CLI's "open" command starts the GUI through its entry point, whose module imports no Qt
# until it runs; that is the one upward import.
ALLOWED = {("workbench.cli", "workbench.ui.app")}


def layer_of(module: str) -> str | None:
    """Return the layer of ``workbench.X...`` (X itself, or None for the package root and shared leaves)."""
    parts = module.split(".")
    if parts[0] != "workbench" or len(parts) < 2 or parts[1] in SHARED_LEAVES:
        return None
    if parts[1].startswith("cli_"):
        return "cli"  # cli_reports.py and other modules the command line is split into
    return parts[1]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    relative = path.relative_to(package.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, name: str) -> list[tuple[int, str]]:
    """Return ``(line, absolute module name)`` for every import statement in module ``name`` at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # "from workbench import engine" imports the subpackage, not a name
            if target == "workbench":
                found.extend((node.lineno, f"workbench.{alias.name}") for alias in node.names)
    return found


def violations(path: Path, package: Path = PACKAGE) -> list[str]:
    name = module_name(path, package)
    own = layer_of(name)
    problems = []
    for line, target in imported_modules(path, name):
        where = f"{path.relative_to(package.parent)}:{line} imports {target}"
        if target.split(".")[0] in QT_MODULES and own != "ui":
            problems.append(f"{where}: only workbench/ui may import Qt or pyqtgraph")
        other = layer_of(target)
        if (name, target) in ALLOWED:
            continue
        if own is None or other is None or other == own or other not in LAYERS:
            continue
        if LAYERS.index(other) < LAYERS.index(own):
            problems.append(f"{where}: {own} must not import the layer above it ({other})")
        elif own in SERVICES_ONLY and other != "services":
            problems.append(f"{where}: {own} reaches {other} only through workbench.services")
        elif own == "engine" and other in ("ingest", "project"):
            problems.append(f"{where}: the engine takes plain arrays and records, not {other}")
    return problems


def source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_package_sources_found():
    names = {module_name(path) for path in source_files()}

    assert "workbench.engine.footprint" in names
    assert "workbench.services.compute" in names
    assert "workbench.ui.main_window" in names


@pytest.mark.parametrize("path", source_files(), ids=lambda path: str(path.relative_to(PACKAGE.parent)))
def test_module_respects_layers(path):
    assert violations(path) == []


def check_source(tmp_path: Path, relative: str, source: str) -> list[str]:
    package = tmp_path / "workbench"
    path = package / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return violations(path, package)


@pytest.mark.parametrize(("relative", "source", "expected"), [
    ("services/plot.py", "import pyqtgraph as pg\n", "only workbench/ui may import Qt"),
    ("reports/pdf.py", "def f():\n    from PySide6.QtGui import QImage\n", "only workbench/ui may import Qt"),
    ("engine/run.py", "from workbench.project import repo\n", "not project"),
    ("engine/run.py", "from ..ingest import units\n", "not ingest"),
    ("ui/view.py", "from workbench.engine.assumptions import SPECS\n", "only through workbench.services"),
    ("cli.py", "import workbench.project.store\n", "only through workbench.services"),
    ("project/store.py", "from workbench.services import compute\n", "above it (services)"),
    ("services/x.py", "from workbench import ui\n", "above it (ui)"),
    ("cli.py", "from workbench.ui.main_window import MainWindow\n", "above it (ui)"),
])
def test_checker_finds_violation(tmp_path, relative, source, expected):
    problems = check_source(tmp_path, relative, source)

    assert len(problems) == 1
    assert expected in problems[0]


def test_checker_allows_downward_imports(tmp_path):
    source = ("from workbench.services import session\nfrom workbench.errors import UsageError\n"
              "from PySide6.QtWidgets import QWidget\n")

    assert check_source(tmp_path, "ui/view.py", source) == []
    assert check_source(tmp_path, "services/y.py", "from workbench.reports import pdf\nimport pandas\n") == []
