"""Every action of the window has text, a tooltip that really shows, and the main ones a shortcut."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from workbench.ui.actions import ACTIONS

NO_SHORTCUT = {"clear_recent"}


def qt_internal(menu: QMenu, window) -> bool:
    """Return whether ``menu`` is the menu bar's overflow menu, which Qt builds from our menus."""
    bar = window.menuBar()
    return menu.parent() is bar and all(action.menu() is not menu for action in bar.actions())


def window_menus(window) -> list[QMenu]:
    return [menu for menu in window.findChildren(QMenu) if not qt_internal(menu, window)]


def unshown_menu_actions(window) -> list[QAction]:
    """Return menu actions that no menu, menu bar or toolbar contains: popup and button menus,
    whose own action the user never sees, and Qt's overflow menu."""
    containers = [window.menuBar(), *window.findChildren(QMenu), *window.findChildren(QToolBar)]
    shown = {id(action) for container in containers for action in container.actions()}
    menus = window.findChildren(QMenu)
    return [menu.menuAction() for menu in menus
            if qt_internal(menu, window) or id(menu.menuAction()) not in shown]


def every_action(window) -> list[QAction]:
    internal = unshown_menu_actions(window)
    found = {id(action): action for action in window.findChildren(QAction) if action not in internal}
    for menu in window_menus(window):
        for action in menu.actions():
            found.setdefault(id(action), action)
    for action in window.toolbar.actions():
        found.setdefault(id(action), action)
    return [action for action in found.values() if not action.isSeparator()]


def test_every_qaction_has_text_and_own_tooltip(window, gpu_project):
    window.open_project(gpu_project)
    actions = every_action(window)

    assert len(actions) >= len(ACTIONS) + 4
    for action in actions:
        text = action.text().replace("&", "").strip()
        assert text, action.objectName()
        assert action.toolTip().strip(), text
        assert action.toolTip().replace("&", "") != text, f"'{text}' shows only Qt's default tooltip"


def test_every_menu_shows_tooltips(window):
    menus = window_menus(window)

    assert len(menus) >= 4
    for menu in menus:
        assert menu.toolTipsVisible() is True, menu.title()


def test_toolbar_buttons_show_action_tooltips(window):
    buttons = [button for button in window.toolbar.findChildren(QToolButton) if button.defaultAction()]

    assert len(buttons) >= 6
    for button in buttons:
        assert button.toolTip() == button.defaultAction().toolTip()
        assert button.toolTip() != button.defaultAction().text()


def test_declared_actions_have_shortcuts(window):
    for spec in ACTIONS:
        if spec.key in NO_SHORTCUT:
            continue
        assert not window.action_map[spec.key].shortcut().isEmpty(), spec.key
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.redo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Redo)


def test_shortcuts_are_unique(window):
    shortcuts = [action.shortcut().toString() for action in every_action(window) if not action.shortcut().isEmpty()]

    assert len(shortcuts) == len(set(shortcuts)), shortcuts


def test_undo_tooltip_names_the_edit(window, gpu_project):
    window.open_project(gpu_project)
    assert window.undo_action.toolTip() == "Nothing to undo"
    assert window.undo_action.isEnabled() is False

    window.assumption_panel.pue_spin.setValue(1.8)
    window.assumption_panel.pue_spin.editingFinished.emit()

    assert window.undo_action.text().replace("&", "") == "Undo Power usage effectiveness = 1.8"
    assert "'Power usage effectiveness = 1.8'" in window.undo_action.toolTip()
    assert window.undo_action.isEnabled() is True
