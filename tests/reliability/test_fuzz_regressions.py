"""Crashes and hangs the reader fuzzing found, each pinned by the smallest input that showed it.

Found by the hypothesis properties in test_fuzz_readers.py and by the atheris harness in fuzz/.
Before the fixes these inputs raised exceptions outside workbench.errors (OSError, ValueError,
IndexError) or never returned; now each gives rows with rejected-row entries or an
InputRejectedError naming the file.
"""

from __future__ import annotations

import multiprocessing

import numpy as np
import pyarrow.parquet as pq
import pytest

from reliability.reader_targets import CARBONTRACKER_STD, parquet_seed
from workbench.errors import InputRejectedError
from workbench.ingest import (carbontracker, codecarbon, factor_datasets, gpu_hours_parquet, green_button, nvidia_smi,
                              runs_file, runs_table)
from workbench.ingest.integrate import FAR_SAMPLE_REASON, HourlyIntegrator

FAULT_CLASS = "reader crash found by fuzzing (regression)"

HANG_TIMEOUT_S = 20


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text)
    return path


def run_with_timeout(function, *args):
    """Run ``function(*args)`` in a child process; fail the test if it has not returned in HANG_TIMEOUT_S."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        pending = pool.apply_async(function, args)
        try:
            return pending.get(HANG_TIMEOUT_S)
        except multiprocessing.TimeoutError:
            pytest.fail(f"{function.__name__} did not return within {HANG_TIMEOUT_S} s")


def damaged_parquet(folder):
    """Return a GPU-hours file whose footer reads but whose first data page does not."""
    seed = parquet_seed()[0]
    for offset in range(4, 400):
        data = bytearray(seed)
        data[offset] ^= 0xFF
        path = folder / "gpu-hours.parquet"
        path.write_bytes(bytes(data))
        try:
            pq.ParquetFile(path).read_row_group(0)
        except OSError:
            return path
        except Exception:  # noqa: BLE001 (other pyarrow errors are not the case this test pins)
            continue
    pytest.skip("no single flipped byte gave a damaged data page with this pyarrow")


def test_parquet_damaged_page_rejected_not_oserror(tmp_path):
    path = damaged_parquet(tmp_path)
    with pytest.raises(InputRejectedError, match="row group 1 cannot be read") as caught:
        gpu_hours_parquet.read_gpu_hours(path)
    assert caught.value.row == 1


def carbontracker_log(folder, power: str):
    path = write(folder, "1_2020-08-24T192604Z_carbontracker.log",
                 CARBONTRACKER_STD.replace("[120.5]", power))
    write(folder, "1_2020-08-24T192604Z_carbontracker_output.log", "")
    return path


@pytest.mark.parametrize("power", ["[;136.86084615]", "[120/5]", "[1e999]", "[-5.0]", "[nan]"],
                         ids=["semicolon", "slash", "infinite", "negative", "nan"])
def test_carbontracker_bad_power_list_rejects_row(power, tmp_path):
    result = carbontracker.read_carbontracker(carbontracker_log(tmp_path, power), timezone="UTC")
    assert [(problem.row, problem.column) for problem in result.rejected if problem.column == "gpu"][:1] == [(8, "gpu")]
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(136.86084615 * 5 / 3600)


def test_carbontracker_output_log_energy_of_signs_ignored(tmp_path):
    path = carbontracker_log(tmp_path, "[120.5]")
    write(tmp_path, "1_2020-08-24T192604Z_carbontracker_output.log",
          "Actual consumption for 2 epoch(s):\n\tTime:\t0:00:10\n\tEnergy:\t-.- kWh\n")
    result = carbontracker.read_carbontracker(path, timezone="UTC")
    assert "output_log_energy_kwh" not in result.options


def read_codecarbon_rows(path):
    result = codecarbon.read_emissions_csv(path, timezone="UTC")
    return [(problem.row, problem.column) for problem in result.rejected]


def test_codecarbon_duration_of_millennia_does_not_hang(tmp_path):
    path = write(tmp_path, "emissions.csv", "timestamp,project_name,run_id,duration,emissions,energy_consumed\n"
                                            "2024-01-01T00:00:00,p,r,1e13,0.1,0.5\n"
                                            "2024-01-01T01:00:00,p,r,60,0.1,0.5\n")
    assert run_with_timeout(read_codecarbon_rows, path) == [(2, "duration")]


def read_carbontracker_rows(path):
    result = carbontracker.read_carbontracker(path, timezone="UTC")
    return [(problem.row, problem.column) for problem in result.rejected]


def test_carbontracker_epoch_of_millennia_does_not_hang(tmp_path):
    path = carbontracker_log(tmp_path, "[120.5]")
    path.write_text(path.read_text().replace("Duration: 0:00:05.00\n2020-08-24 19:26:14",
                                             "Duration: 99999999999:00:00\n2020-08-24 19:26:14"))
    assert run_with_timeout(read_carbontracker_rows, path) == [(7, "Duration")]


def test_hour_shares_refuses_unbounded_interval():
    with pytest.raises(ValueError, match="longer than"):
        codecarbon.hour_shares(0.0, 1e13)
    with pytest.raises(ValueError, match="not finite"):
        codecarbon.hour_shares(float("-inf"), 0.0)


@pytest.mark.parametrize("reader", [lambda p: runs_file.read_runs(p, timezone="UTC"),
                                    lambda p: runs_table.read_runs_table(p, timezone="UTC")],
                         ids=["runs file", "runs table"])
def test_csv_of_blank_data_rows_no_index_error(reader, tmp_path):
    """The decimal-comma check indexed the first wider row when every data row was blank."""
    path = write(tmp_path, "runs.csv", "run,start,end\n,,\n")
    try:
        result = reader(path)
    except InputRejectedError as exc:
        assert "runs.csv" in str(exc)
    else:
        assert result.rows_accepted == 0


GPU_LOG = ("timestamp,gpu,index,memory.used,memory.total,power.draw,temperature.gpu\n"
           + "".join(f"2025-09-08T17:26:{second:02d}+08:00,0, 0, 4, 81559, 74.0{second % 10}, 33\n"
                     for second in range(50, 60)))


def read_gpu_log_rows(path):
    result = nvidia_smi.read_query_csv(path, timezone="UTC")
    return len(result.tables["energy"]), [(problem.row, problem.reason) for problem in result.rejected]


def test_gpu_log_sample_in_year_6004_does_not_hang(tmp_path):
    """atheris: one mutated year split a 4,000-year interval into 35 million hours."""
    lines = GPU_LOG.splitlines(keepends=True)
    lines[5] = lines[5].replace("2025-", "6004-")
    path = write(tmp_path, "gpu.csv", "".join(lines))
    hours, rejected = run_with_timeout(read_gpu_log_rows, path)
    assert hours == 1
    assert rejected == [(6, FAR_SAMPLE_REASON)]


def test_integrator_does_not_split_interval_across_millennia():
    integrator = HourlyIntegrator(max_gap_s=120.0)
    one = np.zeros(1, dtype=np.int64)
    integrator.add(one, np.array([1.7e9]), np.array([100.0]), np.array([2]))
    integrator.add(one, np.array([1.3e11]), np.array([100.0]), np.array([3]))
    assert len(integrator.finish()) == 2


AVERAGE_INTENSITIES = ('{"GRL": {"country_code": "GRL", "country_or_region": "Greenland", "year": YEAR, '
                       '"emissions_intensity_gco2_per_kwh": 111.11}, "ALB": {"country_code": "ALB", '
                       '"country_or_region": "Albania", "year": 2023, "emissions_intensity_gco2_per_kwh": 319.76}}')


@pytest.mark.parametrize("year", ["20202", "0", "9999"])
def test_factor_json_year_out_of_range_rejects_row(year, tmp_path):
    """atheris: 'year': 20202 raised ValueError from datetime in year_bounds."""
    path = write(tmp_path, "average-intensities.json", AVERAGE_INTENSITIES.replace("YEAR", year))
    result = factor_datasets.read_factor_file(path)
    assert [(problem.column, problem.value) for problem in result.rejected] == [("year", year)]
    assert len(result.tables["factors"]) == 1


def test_factor_table_year_out_of_range_named(tmp_path):
    path = write(tmp_path, "mlco2.csv", "zone_key,year,carbon_intensity_avg\nFR,0000,52\n")
    try:
        result = factor_datasets.read_factor_file(path)
    except InputRejectedError as exc:
        assert "mlco2.csv" in str(exc)
    else:
        assert result.rows_accepted == 0


def test_green_button_unknown_encoding_not_lookup_error(tmp_path):
    """atheris: encoding="UTF-6" in the XML declaration raised LookupError from expat."""
    path = write(tmp_path, "usage.xml", '<?xml version="1.0" encoding="UTF-6"?>\n<feed></feed>\n')
    with pytest.raises(InputRejectedError, match="encoding"):
        green_button.read_green_button(path, meter="main")
