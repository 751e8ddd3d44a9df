"""Light, dark or the system's palette for the whole application.

"system" keeps the palette Qt took from the desktop (Qt 6.5+ follows the desktop's color
scheme, and ``QStyleHints.colorScheme`` reports which). "light" and "dark" set a Fusion palette of
fixed colors, so the choice also works on desktops without a dark theme.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f1f", QPalette.ColorRole.AlternateBase: "#2a2a2a",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a", QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb4ff", QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.PlaceholderText: "#8c8c8c",
}

_system_palette: QPalette | None = None
_system_style: str | None = None


def system_is_dark() -> bool:
    """Return whether the desktop requests a dark color scheme (False where Qt cannot tell)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def apply_theme(theme: str) -> str:
    """Apply "system", "light" or "dark" to the running application; return the scheme now shown."""
    global _system_palette, _system_style
    app = QApplication.instance()
    if app is None:
        return theme
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
        _system_style = app.style().name()
    if theme == "system":
        if _system_style:
            app.setStyle(_system_style)
        app.setPalette(_system_palette)
        shown = "dark" if system_is_dark() else "light"
    elif theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
        shown = "dark"
    else:
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
        shown = "light"
    log.info("theme %s applied (%s)", theme, shown)
    return shown


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def is_dark(palette: QPalette) -> bool:
    """Return whether ``palette`` draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightness() < palette.color(
        QPalette.ColorRole.WindowText).lightness()
