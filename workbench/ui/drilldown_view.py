"""The drill-down view: the runs, hours, source files and rows behind one figure.

Shows a :class:`workbench.services.drilldown.DrillDown` in tabs, one :class:`FrameTable`
each, under a header naming the figure, the assumption set and the factor datasets used.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from workbench.services.drilldown import DrillDown
from workbench.ui.frame_model import Column
from workbench.ui.table_view import FrameTable

_N, _I = "number", "integer"

TABS: tuple[tuple[str, str, str, tuple[Column, ...]], ...] = (
    ("runs", "Runs", "The runs behind the figure with their energy and emissions", (
        Column("run", "Run"), Column("kind", "Kind"), Column("site", "Site"), Column("zone", "Zone"),
        Column("gpu_count", "GPUs", kind=_I), Column("gpu_energy_kwh", "GPU energy", "kWh", _N),
        Column("facility_energy_kwh", "Facility energy", "kWh", _N),
        Column("operational_co2e_kg", "Operational", "kgCO2e", _N),
        Column("embodied_co2e_kg", "Embodied", "kgCO2e", _N),
        Column("total_co2e_kg", "Total", "kgCO2e", _N))),
    ("run_hours", "Run-hours", "Facility energy per run and UTC hour with the emission factor matched to it", (
        Column("run", "Run"), Column("hour", "Hour (UTC)"), Column("zone", "Zone"),
        Column("facility_energy_kwh", "Facility energy", "kWh", _N),
        Column("co2e_g_per_kwh", "Factor", "gCO2e/kWh", _N), Column("operational_co2e_kg", "Operational", "kgCO2e", _N),
        Column("resolution", "Resolution"), Column("dataset", "Factor dataset"), Column("vintage", "Version"),
        Column("factor_source", "Factor source"))),
    ("energy_rows", "GPU-hours", "Energy per GPU (or meter, or run) per UTC hour as imported", (
        Column("run", "Run"), Column("hour", "Hour (UTC)"), Column("device", "GPU"), Column("host", "Host"),
        Column("meter", "Meter"), Column("level", "Level"), Column("energy_kwh", "Energy", "kWh", _N),
        Column("quality", "Quality"), Column("coverage", "Coverage", kind=_N), Column("attribution", "Attribution"),
        Column("source_id", "Source", kind=_I), Column("file", "File"), Column("first_row", "First row", kind=_I),
        Column("last_row", "Last row", kind=_I))),
    ("sources", "Source files", "The imported files behind the figure with their SHA-256", (
        Column("source_id", "Source", kind=_I), Column("file", "File"), Column("kind", "Kind"),
        Column("sha256", "SHA-256"), Column("size_bytes", "Size", "bytes", _I), Column("importer", "Importer"),
        Column("imported_at", "Imported at (UTC)"), Column("actor", "Imported by"),
        Column("energy_rows", "Energy rows", kind=_I), Column("energy_kwh", "Energy", "kWh", _N))),
    ("source_lines", "Source rows", "The lines of the source files, read from the evidence stored in the project", (
        Column("source_id", "Source", kind=_I), Column("file", "File"), Column("line", "Line", kind=_I),
        Column("text", "Text"))),
    ("factors", "Factors", "Emission factor datasets and versions used, with the hours and energy they apply to", (
        Column("dataset", "Dataset"), Column("vintage", "Version"), Column("basis", "Basis"), Column("zone", "Zone"),
        Column("resolution", "Resolution"), Column("hours", "Run-hours", kind=_I),
        Column("facility_energy_kwh", "Facility energy", "kWh", _N),
        Column("operational_co2e_kg", "Operational", "kgCO2e", _N),
        Column("mean_co2e_g_per_kwh", "Mean factor", "gCO2e/kWh", _N))),
    ("assumptions", "Assumptions", "Every assumption of the set with its value, origin and rationale", (
        Column("label", "Assumption"), Column("value", "Value"), Column("unit", "Unit"), Column("origin", "Set in"),
        Column("rationale", "Rationale"), Column("set_by", "Set by"), Column("set_at", "Set at (UTC)"))),
)


class DrillDownView(QWidget):
    """One drill-down result; ``tables`` maps each tab's key to its :class:`FrameTable`."""

    def __init__(self, result: DrillDown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drilldown_view")
        self.result = result
        self.header = QLabel(self._header_text())
        self.header.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tables: dict[str, FrameTable] = {}
        for key, title, tooltip, columns in TABS:
            table = FrameTable(columns, name=f"drill_{key}")
            table.set_frame(getattr(result, key))
            self.tables[key] = table
            index = self.tabs.addTab(table, f"{title} ({len(getattr(result, key)):,})")
            self.tabs.setTabToolTip(index, tooltip)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

    def _header_text(self) -> str:
        result = self.result
        datasets = sorted({f"{row.dataset} ({row.vintage})" if row.vintage else str(row.dataset)
                           for row in result.factors.itertuples(index=False)})
        return (f"<b>{result.title}</b><br>Assumption set: {result.set_name}. "
                f"Factor datasets: {', '.join(datasets) or 'none'}.")
