"""The list of recently opened projects, kept in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

RECENT_KEY = "recentProjects"
RECENT_LIMIT = 8


class RecentFiles:
    """Most recently opened project paths first, at most :data:`RECENT_LIMIT` of them."""

    def __init__(self, settings: QSettings, key: str = RECENT_KEY, limit: int = RECENT_LIMIT) -> None:
        self._settings = settings
        self._key = key
        self._limit = limit

    def paths(self) -> list[str]:
        value = self._settings.value(self._key, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list in INI files
            value = [value]
        return [str(item) for item in (value or []) if item]

    def add(self, path: str | Path) -> None:
        """Put ``path`` (made absolute) at the top, dropping its older place and the oldest extra entry."""
        text = str(Path(path).resolve())
        paths = [text] + [item for item in self.paths() if item != text]
        self._store(paths[: self._limit])

    def remove(self, path: str | Path) -> None:
        text = str(Path(path).resolve())
        self._store([item for item in self.paths() if item != text])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[str]) -> None:
        self._settings.setValue(self._key, paths)
        self._settings.sync()
