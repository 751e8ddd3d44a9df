"""Chart options without Qt (a chart's data is written as CSV by ``workbench.services.chart_csv``).

:class:`ChartOptions` is read by the chart widgets, the exporters and the tests alike: which
dimension the energy chart stacks by, the units shown, how many series before the rest merge,
whether the carbon-intensity overlay shows, and which series are hidden.
"""

from __future__ import annotations

import logging
from typing import Any

from workbench.errors import UsageError
from workbench.services.chart_data import EMISSION_UNITS, ENERGY_UNITS
from workbench.services.observable import Observable

log = logging.getLogger(__name__)

CHOICES = {"stack_by": ("run", "site"), "quality_by": ("run", "site"),
           "energy_unit": tuple(ENERGY_UNITS), "emissions_unit": tuple(EMISSION_UNITS)}


class ChartOptions(Observable):
    """Options of the charts; every field notifies its listeners when it changes.

    Fields: ``stack_by`` ("run" or "site"), ``energy_unit`` (kWh, MWh, GWh), ``emissions_unit``
    (kgCO2e, tCO2e), ``max_series`` (series shown before the rest merge into "other"),
    ``show_intensity`` (the hourly carbon-intensity overlay), ``hidden_series`` (frozenset of
    series names), ``quality_by`` ("run" or "site"), ``run_limit`` (bars in the per-run chart).
    """

    FIELDS = ("stack_by", "energy_unit", "emissions_unit", "max_series", "show_intensity", "hidden_series",
              "quality_by", "run_limit")
    DEFAULTS = {"stack_by": "site", "energy_unit": "MWh", "emissions_unit": "tCO2e", "max_series": 12,
                "show_intensity": True, "hidden_series": frozenset(), "quality_by": "run", "run_limit": 30}

    def _checked(self, field: str, value: Any) -> Any:
        if field in CHOICES and value not in CHOICES[field]:
            raise UsageError(f"'{value}' is not a choice for chart option {field}",
                             hint=f"Use one of: {', '.join(CHOICES[field])}.")
        if field in ("max_series", "run_limit"):
            if int(value) < 1:
                raise UsageError(f"chart option {field} must be at least 1, not {value}")
            return int(value)
        if field == "hidden_series":
            return frozenset(value)
        if field == "show_intensity":
            return bool(value)
        return value

    def toggle_series(self, name: str, visible: bool) -> None:
        """Show or hide one series of the energy chart."""
        hidden = set(self.get("hidden_series"))
        (hidden.discard if visible else hidden.add)(name)
        self.set("hidden_series", frozenset(hidden))
