"""Filtering and sorting the DataFrame model: order, missing values, selections kept."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from workbench.ui.frame_model import RAW_VALUE_ROLE, Column, DataFrameModel
from workbench.ui.table_view import FrameTable

COLUMNS = (Column("run", "Run"), Column("hour", "Hour", kind="integer"),
           Column("energy_kwh", "Energy", "kWh", "number"))


@pytest.fixture
def frame():
    return pd.DataFrame({"run": ["beta", "Alpha", None, "gamma", "alpha"], "hour": [3, 1, 4, 1, 5],
                         "energy_kwh": [2.5, math.nan, 1.0, -3.0, 2.5]})


def column(model, number):
    return [model.data(model.index(row, number), RAW_VALUE_ROLE) for row in range(model.rowCount())]


def test_filter_matches_text_ignoring_case(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.set_filter("ALPHA")

    assert column(model, 0) == ["Alpha", "alpha"]
    assert [model.frame_row(row) for row in range(model.rowCount())] == [1, 4]


def test_digits_match_integer_columns(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.set_filter("1")

    assert column(model, 1) == [1, 1]


def test_number_columns_are_not_filtered(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.set_filter("2.5")

    assert model.rowCount() == 0


def test_sort_numbers_missing_last_both_ways(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.sort(2, Qt.SortOrder.AscendingOrder)
    ascending = column(model, 2)
    model.sort(2, Qt.SortOrder.DescendingOrder)
    descending = column(model, 2)

    assert ascending[:4] == [-3.0, 1.0, 2.5, 2.5]
    assert math.isnan(ascending[4])
    assert descending[:4] == [2.5, 2.5, 1.0, -3.0]
    assert math.isnan(descending[4])


def test_sort_is_stable(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.sort(2, Qt.SortOrder.DescendingOrder)

    assert [model.frame_row(row) for row in range(2)] == [0, 4]


def test_sort_text_with_missing_last(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.sort(0, Qt.SortOrder.DescendingOrder)

    names = column(model, 0)
    assert names[:4] == ["gamma", "beta", "alpha", "Alpha"]
    assert pd.isna(names[4])


def test_filter_then_sort_and_new_frame_keeps_both(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)
    model.set_filter("a")
    model.sort(1, Qt.SortOrder.DescendingOrder)

    model.set_frame(frame.assign(hour=frame["hour"] * 10))

    assert model.filter_text() == "a"
    assert column(model, 1) == [50, 30, 10, 10]


def test_selection_follows_row_after_sort(qtbot, frame):
    table = FrameTable(COLUMNS)
    qtbot.addWidget(table)
    table.set_frame(frame)
    model = table.model
    gamma = column(model, 0).index("gamma")
    table.view.selectionModel().setCurrentIndex(model.index(gamma, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)

    table.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)

    current = table.view.currentIndex()
    assert model.data(current, RAW_VALUE_ROLE) == "gamma"


def test_visible_frame_is_display_order(frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)
    model.set_filter("a")
    model.sort(1, Qt.SortOrder.AscendingOrder)

    visible = model.visible_frame()

    assert list(visible["hour"]) == [1, 1, 3, 5]
    assert list(visible.index) == [0, 1, 2, 3]


def test_filter_signal_counts(qtbot, frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    with qtbot.waitSignal(model.filtered) as signal:
        model.set_filter("beta")

    assert signal.args == [1, 5]


def test_model_checks_after_filter(qtmodeltester, frame):
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)
    model.set_filter("a")
    model.sort(2, Qt.SortOrder.DescendingOrder)

    qtmodeltester.check(model)


def test_large_frame_reads_only_looked_up_rows():
    rows = 200_000
    frame = pd.DataFrame({"run": np.where(np.arange(rows) % 7 == 0, "seven", "other"),
                          "hour": np.arange(rows, dtype=np.int64), "energy_kwh": np.linspace(0, 1, rows)})
    model = DataFrameModel(COLUMNS)
    model.set_frame(frame)

    model.set_filter("seven")
    model.sort(1, Qt.SortOrder.DescendingOrder)

    assert model.rowCount() == len(range(0, rows, 7))
    assert model.data(model.index(0, 1), RAW_VALUE_ROLE) == 199_997


def test_large_frame_orders_in_worker(qtbot, frame):
    model = DataFrameModel(COLUMNS)
    model.async_rows = 3
    model.set_frame(frame)
    states = []
    model.busy_changed.connect(states.append)

    with qtbot.waitSignal(model.filtered, timeout=10_000) as signal:
        model.set_filter("alpha")

    assert signal.args == [2, 5]
    assert column(model, 0) == ["Alpha", "alpha"]
    qtbot.waitUntil(lambda: not model.is_busy(), timeout=10_000)
    assert states == [True, False]


def test_stale_worker_order_is_dropped(qtbot, frame):
    model = DataFrameModel(COLUMNS)
    model.async_rows = 3
    model.set_frame(frame)

    model.set_filter("alpha")
    model.set_filter("gamma")
    qtbot.waitUntil(lambda: not model.is_busy(), timeout=10_000)

    assert column(model, 0) == ["gamma"]


def test_new_frame_drops_pending_order(qtbot, frame):
    model = DataFrameModel(COLUMNS)
    model.async_rows = 3
    model.set_frame(frame)

    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_frame(frame.iloc[:2])
    qtbot.waitUntil(lambda: not model.is_busy(), timeout=10_000)

    assert column(model, 1) == [3, 1]


def test_table_label_shows_worker_state(qtbot, frame):
    table = FrameTable(COLUMNS)
    qtbot.addWidget(table)
    table.model.async_rows = 3
    table.set_frame(frame)
    labels = []
    table.model.busy_changed.connect(lambda _busy: labels.append(table.count_label.text()))

    table.filter_edit.setText("beta")
    table.apply_filter()
    qtbot.waitUntil(lambda: not table.model.is_busy(), timeout=10_000)

    assert labels == ["Sorting and filtering 5 rows...", "1 of 5 rows"]
    assert table.count_label.text() == "1 of 5 rows"
