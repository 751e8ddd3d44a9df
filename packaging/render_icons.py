"""Render the application icon (workbench/resources/icons/carbon-workbench.svg) to PNG sizes.

Usage: python packaging/render_icons.py [--out packaging/icons]

Writes ``carbon-workbench-SIZE.png`` for the sizes of the freedesktop hicolor theme with
QtSvg's QSvgRenderer on the offscreen platform, so it runs without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE.parent / "workbench" / "resources" / "icons" / "carbon-workbench.svg"
SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512)


def render_icons(out: Path, sizes_px: tuple[int, ...] = SIZES_PX) -> list[Path]:
    """Render the SVG at each size into ``out``; return the PNG paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes_px:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / f"carbon-workbench-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"{path}: could not be written")
        written.append(path)
    del app
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "icons", help="folder for the PNG files")
    args = parser.parse_args(argv)
    for path in render_icons(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
