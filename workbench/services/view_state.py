"""Option objects of the analysis views, without Qt: each field notifies its listeners when it changes.

A Qt view binds its controls to one of these objects in both directions, and tests and the
bench read and set the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable

from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED

Listener = Callable[[Any], None]

COMPARISON_TRIALS = 100_000
MIN_TRIALS = 2


class _Notifying:
    """Mixin of the option dataclasses: ``subscribe(field, listener)`` and ``set(field, value)``."""

    def _listener_lists(self) -> dict[str, list[Listener]]:
        if "_listeners" not in self.__dict__:
            self.__dict__["_listeners"] = {}
        return self.__dict__["_listeners"]

    def subscribe(self, name: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(new_value)`` whenever field ``name`` changes; return a function that unsubscribes."""
        if name not in self._field_names():
            raise KeyError(f"unknown field '{name}'; fields are {', '.join(self._field_names())}")
        listeners = self._listener_lists().setdefault(name, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    def set(self, name: str, value: Any) -> None:
        """Change field ``name`` after checking the value, then notify its listeners if it changed."""
        if name not in self._field_names():
            raise KeyError(f"unknown field '{name}'; fields are {', '.join(self._field_names())}")
        value = self._checked(name, value)
        if getattr(self, name) == value:
            return
        object.__setattr__(self, name, value)
        for listener in list(self._listener_lists().get(name, [])):
            listener(value)

    def _field_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in fields(self))

    def _checked(self, name: str, value: Any) -> Any:
        return value


@dataclass
class UncertaintyOptions:
    """Options of the uncertainty view: the Monte Carlo plan (adaptive or a trial count), seed and histogram bins."""

    adaptive: bool = True
    trials: int = COMPARISON_TRIALS
    seed: int = DEFAULT_SEED
    bins: int = 60


@dataclass
class ComparisonOptions:
    """Options of the comparison view: the chosen sets, the baseline, the output shown, trials and seed."""

    sets: tuple[str, ...] = ()
    baseline: str = ""
    output: str = "total_co2e_kg"
    trials: int = COMPARISON_TRIALS
    seed: int = DEFAULT_SEED


@dataclass
class UncertaintyState(_Notifying, UncertaintyOptions):
    """Notifying :class:`UncertaintyOptions`; ``trials`` and ``bins`` are checked on :meth:`set`."""

    def _checked(self, name: str, value: Any) -> Any:
        if name in ("trials", "bins", "seed"):
            value = int(value)
        if name == "trials" and value < MIN_TRIALS:
            raise ValueError(f"a Monte Carlo run needs at least {MIN_TRIALS} trials, not {value}")
        if name == "bins" and value < 1:
            raise ValueError(f"a histogram needs at least one bin, not {value}")
        if name == "seed" and value < 0:
            raise ValueError(f"the seed must be zero or positive, not {value}")
        return value


@dataclass
class ComparisonState(_Notifying, ComparisonOptions):
    """Notifying :class:`ComparisonOptions`; the baseline stays one of the chosen sets."""

    def _checked(self, name: str, value: Any) -> Any:
        if name == "sets":
            value = tuple(dict.fromkeys(value))
        if name in ("trials", "seed"):
            value = int(value)
        if name == "trials" and value < MIN_TRIALS:
            raise ValueError(f"a comparison needs at least {MIN_TRIALS} trials, not {value}")
        return value

    def run_order(self) -> list[str]:
        """Return the chosen sets with the baseline first, as :func:`compare_sets` expects the reference."""
        names = list(self.sets)
        if self.baseline in names:
            names.remove(self.baseline)
            names.insert(0, self.baseline)
        return names
