"""Packaging inputs: the .desktop entry, the icon sizes and the view renderer's list."""

from __future__ import annotations

import configparser
import importlib.util
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_script(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_desktop_entry_keys():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "carbon-workbench.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]

    assert section["Type"] == "Application"
    assert section["Exec"] == "carbon-workbench-gui %f"
    assert section["Icon"] == "carbon-workbench"
    assert section["MimeType"] == "application/x-carbon-workbench-project;"


def test_icon_pngs_match_sizes(qapp):
    render_icons = load_script(PACKAGING / "render_icons.py")

    for size in render_icons.SIZES_PX:
        image = QImage(str(PACKAGING / "icons" / f"carbon-workbench-{size}.png"))
        assert (image.width(), image.height()) == (size, size)


def test_rendered_icon_matches_committed(qapp, tmp_path):
    render_icons = load_script(PACKAGING / "render_icons.py")

    written = render_icons.render_icons(tmp_path, (48,))

    assert QImage(str(written[0])) == QImage(str(PACKAGING / "icons" / "carbon-workbench-48.png"))


def test_render_views_writes_pngs(qapp, tmp_path):
    render_views = load_script(ROOT / "scripts" / "render_views.py")
    names = ("export-dialog", "import-2-format", "explorer-runs")
    views = [spec for spec in render_views.VIEWS if spec.name in names]

    outcome = render_views.render_all(views, tmp_path)

    assert sorted(outcome) == sorted(names)
    for name in names:
        image = QImage(outcome[name])
        assert image.width() > 400
        assert image.height() > 200
