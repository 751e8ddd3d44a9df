"""The DataFrame table model and the number formatting it shares with the totals panel."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from workbench.ui.formatting import format_quantity, format_significant
from workbench.ui.frame_model import RAW_VALUE_ROLE, Column, DataFrameModel

COLUMNS = (Column("run", "Run"), Column("gpus", "GPUs", kind="integer"),
           Column("energy_kwh", "Energy", "kWh", "number"))


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"run": ["b", "a", None], "gpus": [8, 16, 4], "energy_kwh": [1234.5678, 0.0011012, math.nan],
                         "ignored": [1, 2, 3]})


@pytest.mark.parametrize(("value", "text"), [
    (0.0011012152777, "0.001101"),
    (2.3042929e-06, "0.000002304"),
    (414.87, "414.9"),
    (1234567.8, "1,234,568"),
    (-12.5, "-12.50"),
    (0.0, "0"),
    (None, "—"),
    (math.nan, "—"),
    (3.2e-13, "3.200e-13"),
])
def test_format_significant(value, text):
    assert format_significant(value) == text


def test_format_quantity_adds_unit():
    assert format_quantity(0.48371, "MWh") == "0.4837 MWh"
    assert format_quantity(None, "MWh") == "—"


def test_model_passes_qt_model_checks(qtmodeltester, frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    qtmodeltester.check(model)


def test_model_reads_cells_from_frame(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    assert (model.rowCount(), model.columnCount()) == (3, 3)
    assert model.data(model.index(0, 2)) == "1,235"
    assert model.data(model.index(0, 2), RAW_VALUE_ROLE) == 1234.5678
    assert model.data(model.index(1, 1)) == "16"
    assert model.data(model.index(2, 0)) == "—"
    assert model.data(model.index(2, 2)) == "—"
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == "1234.5678 kWh"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Energy\n(kWh)"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Run"


def test_model_sorts_numbers_with_missing_last(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.sort(2, Qt.SortOrder.DescendingOrder)

    assert [model.data(model.index(row, 2)) for row in range(3)] == ["1,235", "0.001101", "—"]
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(row, 1)) for row in range(3)] == ["4", "8", "16"]


def test_model_without_frame_is_empty():
    model = DataFrameModel(COLUMNS)

    assert model.rowCount() == 0
    assert model.data(model.index(0, 0)) is None


def test_totals_panel_hides_empty_warnings(qtbot):
    from workbench.ui.panels import TotalsPanel

    panel = TotalsPanel()
    qtbot.addWidget(panel)
    panel.show()
    totals = {"facility_energy_kwh": 1500.0, "operational_co2e_kg": 60.0, "embodied_co2e_kg": 5.0,
              "total_co2e_kg": 65.0}

    panel.show_totals(totals)
    assert panel.warning_label.isVisible() is False
    assert panel.value_labels["facility_energy_kwh"].text() == "1.500 MWh"
    assert panel.value_labels["total_co2e_kg"].text() == "0.06500 tCO2e"

    panel.show_totals(totals, ("run a: first", "run b: second"))
    assert panel.warning_label.isVisible() is True
    assert panel.warning_label.text() == "⚠ run a: first (and 1 more warnings)"
    assert panel.warning_label.toolTip() == "run a: first\nrun b: second"


def test_model_keeps_sort_order_for_new_frames(frame):
    model = DataFrameModel(COLUMNS)
    model.sort(1, Qt.SortOrder.DescendingOrder)

    model.set_frame(frame)
    assert [model.data(model.index(row, 1)) for row in range(3)] == ["16", "8", "4"]
    model.set_frame(frame.iloc[:2])
    assert [model.data(model.index(row, 0)) for row in range(2)] == ["a", "b"]
