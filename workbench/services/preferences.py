"""The user's preferences as a plain, validated record; the GUI stores them in QSettings.

Each field has a default and a check, so a settings file edited by hand or written by an older
version never yields a value the workbench cannot use: :meth:`Preferences.from_mapping` keeps
the default for a missing or invalid entry and logs it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")
TRIALS_RANGE = (1_000, 1_000_000)
DIGITS_RANGE = (2, 10)


@dataclass(frozen=True)
class Preferences:
    """Settings of one user.

    ``signing_key_folder``: where file dialogs for PKCS#12 signing keys start ("" for the home
    folder). ``monte_carlo_trials``: trials of an interactive Monte Carlo run.
    ``theme``: "system" follows the desktop's light or dark palette. ``significant_digits``
    and ``thousands_separator``: how tables and totals show numbers.
    """

    signing_key_folder: str = ""
    monte_carlo_trials: int = 20_000
    theme: str = "system"
    significant_digits: int = 4
    thousands_separator: bool = True

    def __post_init__(self) -> None:
        problems = problems_of(self)
        if problems:
            raise ValueError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Preferences":
        """Build preferences from stored values (text or typed); invalid entries keep their default."""
        chosen: dict[str, Any] = {}
        defaults = cls()
        for field in fields(cls):
            if field.name not in values or values[field.name] is None:
                continue
            try:
                candidate = _convert(values[field.name], type(getattr(defaults, field.name)))
                cls(**{field.name: candidate})
            except (TypeError, ValueError) as error:
                log.warning("preference %s=%r is invalid and was reset to its default: %s", field.name,
                            values[field.name], error)
                continue
            chosen[field.name] = candidate
        return cls(**chosen)


def problems_of(preferences: Preferences) -> list[str]:
    """Return what is invalid in ``preferences``, one sentence per field."""
    problems = []
    if preferences.theme not in THEMES:
        problems.append(f"theme must be one of {', '.join(THEMES)}, not '{preferences.theme}'")
    low, high = TRIALS_RANGE
    if not low <= preferences.monte_carlo_trials <= high:
        trials = preferences.monte_carlo_trials
        problems.append(f"Monte Carlo trials must be between {low:,} and {high:,}, not {trials:,}")
    low, high = DIGITS_RANGE
    if not low <= preferences.significant_digits <= high:
        problems.append(f"significant digits must be between {low} and {high}, not {preferences.significant_digits}")
    return problems


def _convert(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, str):
            if value.lower() in ("true", "1", "yes"):
                return True
            if value.lower() in ("false", "0", "no"):
                return False
            raise ValueError(f"'{value}' is not true or false")
        return bool(value)
    if kind is int:
        return int(value)
    return kind(value)
