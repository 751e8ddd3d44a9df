"""Every action the window offers has text and a tooltip that menus really show."""

from __future__ import annotations

from PySide6.QtGui import QAction

from workbench.ui.actions import ACTIONS


def menu_actions(window) -> list[QAction]:
    found = []
    pending = list(window.menuBar().actions())
    while pending:
        action = pending.pop(0)
        if action.isSeparator():
            continue
        found.append(action)
        if action.menu() is not None:
            pending.extend(action.menu().actions())
    return found


def test_every_action_has_text_and_tooltip(window, gpu_project):
    window.open_project(gpu_project)  # adds an entry to Open Recent
    actions = menu_actions(window)

    assert len(actions) >= len(ACTIONS) + 2
    for action in actions:
        text = action.text().replace("&", "")
        assert text.strip(), action.objectName()
        assert action.toolTip().strip(), text
        assert action.toolTip() != text, f"'{text}' shows only Qt's default tooltip (its own text)"


def test_menus_show_tooltips(window):
    for action in menu_actions(window):
        if action.menu() is not None:
            assert action.menu().toolTipsVisible() is True, action.text()


def test_declared_actions_are_in_window(window):
    declared = {spec.key for spec in ACTIONS}

    assert set(window.action_map) == declared
    for spec in ACTIONS:
        action = window.action_map[spec.key]
        assert action.text() == spec.text
        assert action.toolTip() == spec.tooltip
