"""nvidia-smi --query-gpu logs: real captures, missing tokens, gaps, hours, time zones, bad rows."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime

import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.nvidia_smi import read_query_csv

HEADER = "timestamp, index, uuid, power.draw [W]"
UUIDS = ["GPU-1b2c3d4e-0000-1111-2222-333344445555", "GPU-9f8e7d6c-0000-1111-2222-333344445555"]


def write_log(tmp_path, rows, header=HEADER, name="log.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    return path


def energy_by_device(result) -> dict[str, float]:
    frame = result.tables["energy"]
    return frame.groupby("device_key")["energy_wh"].sum().to_dict()


def test_xypp3_eight_gpu_log_matches_hand_integration(samples):
    path = samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv"
    series = defaultdict(list)
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["timestamp"]).timestamp()
            series[row["gpu"].strip()].append((moment, float(row["power.draw"])))
    expected_wh = 0.0
    for samples_of_gpu in series.values():
        for (t0, p0), (t1, p1) in zip(samples_of_gpu, samples_of_gpu[1:]):
            expected_wh += (p0 + p1) / 2 * (t1 - t0) / 3600

    result = read_query_csv(path)

    assert result.options["gpu_column"] == "gpu"
    assert any("column 'index' was not used" in note for note in result.notes)
    assert result.rows_read == 43
    assert result.rejected == []
    assert len(energy_by_device(result)) == 8
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(expected_wh, rel=1e-12)


@pytest.mark.parametrize("capture", [
    "linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load__query_gpu.csv",
    "linux-x86_64__nvidia-h100-mig__590.48.01__idle__query_gpu.csv",
    "linux-x86_64__nvidia-h200__590.48.01__load__query_gpu.csv",
    "linux-x86_64__nvidia-l40s__595.80__idle__query_gpu.csv",
    "windows-x86_64__nvidia-geforce-rtx-2080-super__610.62__load__query_gpu.csv",
])
def test_real_single_sample_captures(samples, capture):
    path = samples / "nvidia_smi" / "extracted" / capture
    result = read_query_csv(path, timezone="UTC")
    energy = result.tables["energy"]

    assert result.options["power_column"] == "power.draw"
    assert result.rows_read == 1
    assert result.rejected == []
    assert list(energy["sample_count"]) == [1]
    assert list(energy["energy_wh"]) == [0.0]
    assert energy["model"].iloc[0].startswith("NVIDIA")
    # The captures mask the UUID with zeros, so the device key is scoped to the file.
    assert energy["device_key"].iloc[0].endswith("uuid=GPU-00000000-0000-0000-0000-000000000000")


def test_missing_tokens_break_the_integral_not_zero(tmp_path):
    rows = [f"2025-01-01T00:00:{s:02d}Z, 0, {UUIDS[0]}, {p}" for s, p in
            [(0, "100.00 W"), (10, "100.00 W"), (20, "[N/A]"), (30, "[Not Supported]"), (40, "100.00 W"),
             (50, "100.00 W")]]
    result = read_query_csv(write_log(tmp_path, rows))
    energy = result.tables["energy"]

    # Only 0-10 s and 40-50 s have readings at both ends: 2 x 10 s x 100 W.
    assert energy["energy_wh"].sum() == pytest.approx(2 * 10 * 100 / 3600)
    assert energy["gap_seconds"].sum() == pytest.approx(30.0)
    assert result.rejected == []
    assert any("2 samples had no power reading" in note for note in result.notes)


def test_gap_longer_than_limit_is_not_bridged(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, {UUIDS[0]}, 200 W", f"2025-01-01T00:00:10Z, 0, {UUIDS[0]}, 200 W",
            f"2025-01-01T00:05:10Z, 0, {UUIDS[0]}, 200 W", f"2025-01-01T00:05:20Z, 0, {UUIDS[0]}, 200 W"]
    result = read_query_csv(write_log(tmp_path, rows), max_gap_s=60)
    energy = result.tables["energy"]
    assert energy["energy_wh"].sum() == pytest.approx(2 * 10 * 200 / 3600)
    assert energy["gap_seconds"].sum() == pytest.approx(300.0)
    assert energy["coverage"].sum() == pytest.approx(20 / 3600)


def test_interval_across_hour_is_split_exactly(tmp_path):
    rows = [f"2025-01-01T00:59:30Z, 0, {UUIDS[0]}, 100 W", f"2025-01-01T01:00:30Z, 0, {UUIDS[0]}, 300 W"]
    energy = read_query_csv(write_log(tmp_path, rows)).tables["energy"].sort_values("hour_utc")
    # Power at 01:00:00 interpolates to 200 W: 30 s at mean 150 W, then 30 s at mean 250 W.
    assert list(energy["energy_wh"]) == pytest.approx([30 * 150 / 3600, 30 * 250 / 3600])
    assert list(energy["hour_utc"] % 3600) == [0, 0]


def test_two_gpus_integrated_separately(tmp_path):
    rows = []
    for second in (0, 10, 20):
        rows.append(f"2025-01-01T00:00:{second:02d}Z, 0, {UUIDS[0]}, 100 W")
        rows.append(f"2025-01-01T00:00:{second:02d}Z, 1, {UUIDS[1]}, 300 W")
    result = read_query_csv(write_log(tmp_path, rows))
    assert energy_by_device(result) == pytest.approx({UUIDS[0]: 20 * 100 / 3600, UUIDS[1]: 20 * 300 / 3600})
    assert result.options["gpu_column"] == "uuid"


def test_column_that_does_not_separate_gpus_is_rejected(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, GPU-x, {watts} W" for watts in (100, 200)]
    with pytest.raises(InputRejectedError, match="no GPU column separates the series") as caught:
        read_query_csv(write_log(tmp_path, rows))
    assert caught.value.row == 2


def test_naive_time_stamps_need_a_zone(tmp_path):
    rows = [f"2025/03/01 10:00:0{s}.000, 0, {UUIDS[0]}, 100.00 W" for s in range(3)]
    path = write_log(tmp_path, rows)
    with pytest.raises(InputRejectedError, match="no time zone") as caught:
        read_query_csv(path)
    assert "--timezone" in caught.value.hint

    result = read_query_csv(path, timezone="Europe/Paris")
    assert result.start_utc == datetime.fromisoformat("2025-03-01T09:00:00+00:00").timestamp()


def test_autumn_fold_read_in_file_order(tmp_path):
    # Europe/Paris, 26 October 2025: 02:00-02:59 happens twice (CEST, then CET).
    stamps = ["02:30:00", "02:59:00", "02:00:00", "02:30:00"]
    rows = [f"2025/10/26 {stamp}.000, 0, {UUIDS[0]}, 100 W" for stamp in stamps]
    result = read_query_csv(write_log(tmp_path, rows), timezone="Europe/Paris")
    assert result.rejected == []
    assert result.start_utc == datetime.fromisoformat("2025-10-26T00:30:00+00:00").timestamp()
    assert result.end_utc == datetime.fromisoformat("2025-10-26T01:30:00+00:00").timestamp()
    # 00:30 -> 00:59 UTC is 29 min (bridged only under a long gap limit); the rest follows in order.
    assert result.tables["energy"]["sample_count"].sum() == 4


def test_spring_gap_time_rejected(tmp_path):
    rows = [f"2025/03/30 01:59:00.000, 0, {UUIDS[0]}, 100 W", f"2025/03/30 02:30:00.000, 0, {UUIDS[0]}, 100 W",
            f"2025/03/30 03:00:00.000, 0, {UUIDS[0]}, 100 W"]
    result = read_query_csv(write_log(tmp_path, rows), timezone="Europe/Paris")
    assert [(p.row, p.column) for p in result.rejected] == [(3, "timestamp")]
    assert "does not exist" in result.rejected[0].reason
    # 01:59 CET and 03:00 CEST are one minute apart.
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(60 * 100 / 3600)


def test_row_with_wrong_field_count_rejected_with_line(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, {UUIDS[0]}, 100 W", "2025-01-01T00:00:10Z, 0, 100 W",
            f"2025-01-01T00:00:20Z, 0, {UUIDS[0]}, 100 W"]
    result = read_query_csv(write_log(tmp_path, rows))
    assert [(p.row, p.column) for p in result.rejected] == [(3, "(whole row)")]
    assert "3 fields but the header has 4" in result.rejected[0].reason
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(20 * 100 / 3600)


def test_repeated_header_and_blank_lines_skipped(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, {UUIDS[0]}, 100 W", "", HEADER, f"2025-01-01T00:00:10Z, 0, {UUIDS[0]}, 100 W"]
    result = read_query_csv(write_log(tmp_path, rows))
    assert result.rejected == []
    assert result.rows_read == 2
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(10 * 100 / 3600)


def test_non_numeric_power_rejected_with_value(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, {UUIDS[0]}, 100 W", f"2025-01-01T00:00:10Z, 0, {UUIDS[0]}, lots W"]
    result = read_query_csv(write_log(tmp_path, rows))
    assert [(p.row, p.column, p.value) for p in result.rejected] == [(3, "power.draw", "lots W")]


def test_backwards_time_rejected_per_gpu(tmp_path):
    rows = [f"2025-01-01T00:00:{s:02d}Z, 0, {UUIDS[0]}, 100 W" for s in (0, 10, 5, 20)]
    result = read_query_csv(write_log(tmp_path, rows))
    assert [p.row for p in result.rejected] == [4]
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(20 * 100 / 3600)


def test_milliwatt_header_unit_scaled(tmp_path):
    rows = [f"2025-01-01T00:00:00Z, 0, {UUIDS[0]}, 100000", f"2025-01-01T00:00:36Z, 0, {UUIDS[0]}, 100000"]
    result = read_query_csv(write_log(tmp_path, rows, header="timestamp, index, uuid, power.draw [mW]"))
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(1.0)


def test_file_without_power_column_rejected(tmp_path):
    path = write_log(tmp_path, ["2025-01-01T00:00:00Z, 0, x"], header="timestamp, index, uuid")
    with pytest.raises(InputRejectedError, match="no power column"):
        read_query_csv(path)


def test_autumn_fold_with_several_gpus_per_stamp(tmp_path):
    # Two GPUs log the same local stamp: the second GPU's row is not the second occurrence.
    rows = []
    for stamp in ("02:30:00", "02:59:00", "02:00:00"):
        rows.append(f"2025/10/26 {stamp}.000, 0, {UUIDS[0]}, 100 W")
        rows.append(f"2025/10/26 {stamp}.000, 1, {UUIDS[1]}, 100 W")
    result = read_query_csv(write_log(tmp_path, rows), timezone="Europe/Paris", max_gap_s=7200)
    energy = result.tables["energy"]
    assert result.rejected == []
    assert result.start_utc == datetime.fromisoformat("2025-10-26T00:30:00+00:00").timestamp()
    # 00:30 -> 00:59 -> 01:00 UTC per GPU: 30 minutes at 100 W each.
    assert energy.groupby("device_key")["energy_wh"].sum().tolist() == pytest.approx([50.0, 50.0])
