"""The two views a figure can belong to, and the guard that keeps them apart.

An inventory (GHG Protocol: scopes, capital goods in full in the year acquired, location- and
market-based Scope 2) and a footprint (SCI: amortized embodied emissions, location-based only)
answer different questions. Every result names its view, and :func:`add_totals` and
:class:`ViewAmount` raise :class:`~workbench.errors.CrossViewError` instead of adding across them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol

from workbench.errors import CrossViewError

FOOTPRINT = "footprint"
INVENTORY = "inventory"
VIEWS = (FOOTPRINT, INVENTORY)


class HasView(Protocol):
    view: str


def common_view(items: Iterable[HasView | str]) -> str:
    """Return the one view shared by ``items``; raise CrossViewError if they differ."""
    views = []
    for item in items:
        view = item if isinstance(item, str) else item.view
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")
        if view not in views:
            views.append(view)
    if len(views) > 1:
        raise CrossViewError(tuple(views))
    if not views:
        raise ValueError("no figures to combine")
    return views[0]


@dataclass(frozen=True)
class ViewAmount:
    """An emission figure in kgCO2e tagged with its view; adding across views raises CrossViewError."""

    view: str
    co2e_kg: float
    label: str = ""

    def __add__(self, other: object) -> "ViewAmount":
        if not isinstance(other, ViewAmount):
            return NotImplemented
        view = common_view((self, other))
        return ViewAmount(view, self.co2e_kg + other.co2e_kg, "sum")

    def __radd__(self, other: object) -> "ViewAmount":
        # sum() starts from 0; anything else is a plain number without a view.
        if other == 0:
            return self
        return NotImplemented


def add_totals(results: Iterable[HasView]) -> dict[str, float]:
    """Add the numeric ``totals`` of results of one view, key by key.

    Raises CrossViewError when the results belong to different views.
    """
    results = list(results)
    common_view(results)
    summed: dict[str, float] = {}
    for result in results:
        totals: Mapping[str, float] = getattr(result, "totals")
        for key, value in totals.items():
            if isinstance(value, (int, float)):
                summed[key] = summed.get(key, 0.0) + float(value)
    return summed
