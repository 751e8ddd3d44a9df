"""A small base for state objects without Qt that notify listeners per field.

A view binds to a state by subscribing to the fields it shows (state -> widget) and by setting
fields when the user acts (widget -> state). Setting a field to the value it already holds
notifies nobody, so a binding in both directions does not loop.
"""

from __future__ import annotations

from typing import Any, Callable

Listener = Callable[[Any], None]


class Observable:
    """Fields named in ``FIELDS`` with per-field listeners; subclasses declare defaults in ``DEFAULTS``."""

    FIELDS: tuple[str, ...] = ()
    DEFAULTS: dict[str, Any] = {}

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.FIELDS)
        if unknown:
            raise KeyError(f"unknown fields {sorted(unknown)}; fields are {', '.join(self.FIELDS)}")
        self._values: dict[str, Any] = {name: self.DEFAULTS.get(name) for name in self.FIELDS}
        self._values.update(values)
        self._listeners: dict[str, list[Listener]] = {name: [] for name in self.FIELDS}

    def get(self, field: str) -> Any:
        return self._values[field]

    def set(self, field: str, value: Any) -> bool:
        """Store ``value`` in ``field`` and notify its listeners; return whether it changed."""
        if field not in self._values:
            raise KeyError(f"unknown field '{field}'; fields are {', '.join(self.FIELDS)}")
        value = self._checked(field, value)
        if _equal(self._values[field], value):
            return False
        self._values[field] = value
        for listener in list(self._listeners[field]):
            listener(value)
        return True

    def subscribe(self, field: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(new_value)`` when ``field`` changes; return a function that unsubscribes."""
        if field not in self._listeners:
            raise KeyError(f"unknown field '{field}'; fields are {', '.join(self.FIELDS)}")
        self._listeners[field].append(listener)
        return lambda: self._listeners[field].remove(listener)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def _checked(self, field: str, value: Any) -> Any:
        """Validate or normalize ``value`` before it is stored; subclasses raise UsageError."""
        return value


def _equal(old: Any, new: Any) -> bool:
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False
