"""Inputs that broke other tools' GPU, tracker, counter and Slurm parsers, with the right values.

Each test name says what broke; the docstring names the public report it comes from.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.carbontracker import read_carbontracker
from workbench.ingest.codecarbon import read_emissions_csv
from workbench.ingest.counters import counter_deltas
from workbench.ingest.nvidia_smi import read_query_csv
from workbench.ingest.nvidia_smi_dump import read_xml
from workbench.ingest.prometheus import read_scrapes
from workbench.ingest.slurm import read_sacct

UUID0 = "GPU-1b2c3d4e-0000-1111-2222-333344445555"
UUID1 = "GPU-9f8e7d6c-0000-1111-2222-333344445555"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


# -- nvidia-smi query-gpu ---------------------------------------------------------------------------

def test_na_in_other_field_keeps_row(tmp_path):
    """telegraf#7659: [N/A] in fan.speed of a nounits row failed the whole plugin."""
    rows = [f"2025-01-01T00:00:{s:02d}Z, 0, {UUID0}, [N/A], 250.00" for s in (0, 10, 20)]
    result = read_query_csv(write(tmp_path, "log.csv", "\n".join(
        ["timestamp, index, uuid, fan.speed [%], power.draw [W]"] + rows) + "\n"))
    assert result.rejected == []
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(20 * 250 / 3600)


def test_lowercase_na_token_is_missing(tmp_path):
    """nvidia_gpu_exporter#68: '[n/a]' could not be parsed as a number."""
    rows = [f"2025-01-01T00:00:{s:02d}Z, {UUID0}, {p}" for s, p in ((0, "100 W"), (10, "[n/a]"), (20, "100 W"))]
    result = read_query_csv(write(tmp_path, "log.csv", "\n".join(["timestamp, uuid, power.draw [W]"] + rows) + "\n"))
    assert result.rejected == []
    energy = result.tables["energy"]
    assert energy["energy_wh"].sum() == 0.0
    assert energy["gap_seconds"].sum() == pytest.approx(20.0)
    assert energy["measured_samples"].sum() == 2


def test_text_columns_not_parsed_as_numbers(tmp_path):
    """nvidia_gpu_exporter#67 and nvidia-smi-exporter#5: time stamp, driver version, name and uuid went to a
    numeric parser."""
    header = "timestamp, driver_version, name, uuid, power.draw [W]"
    rows = [f"2022/03/22 20:23:{s:02d}.283, 510.47.03, NVIDIA A100-SXM4-40GB, {UUID0}, 300.00 W" for s in (40, 46)]
    result = read_query_csv(write(tmp_path, "log.csv", "\n".join([header] + rows) + "\n"), timezone="UTC")
    energy = result.tables["energy"]
    assert result.rejected == []
    assert list(energy["model"]) == ["NVIDIA A100-SXM4-40GB"]
    assert energy["energy_wh"].sum() == pytest.approx(6 * 300 / 3600)
    assert result.start_utc == utc("2022-03-22T20:23:40.283+00:00")


def test_gpu_without_power_support_beside_measured_one(tmp_path):
    """codecarbon#429 (#393): one GPU without power support made no GPU measured at all."""
    rows = []
    for second in (0, 10):
        rows.append(f"2025-01-01T00:00:{second:02d}Z, 0, {UUID0}, 200 W")
        rows.append(f"2025-01-01T00:00:{second:02d}Z, 1, {UUID1}, [Not Supported]")
    result = read_query_csv(write(tmp_path, "log.csv", "\n".join(["timestamp, index, uuid, power.draw [W]"] + rows)
                                  + "\n"))
    energy = result.tables["energy"].set_index("device_key")
    assert energy.loc[UUID0, "energy_wh"] == pytest.approx(10 * 200 / 3600)
    assert energy.loc[UUID0, "quality"] == "measured"
    assert np.isnan(energy.loc[UUID1, "energy_wh"])
    assert energy.loc[UUID1, "quality"] == "unmeasured"


def test_known_offset_converts_with_right_sign(samples):
    """pudl#495: local to UTC was applied with the wrong sign; the xypp3 log is written in +08:00."""
    result = read_query_csv(samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv")
    assert result.start_utc == utc("2025-09-08T09:26:50+00:00")


def test_spring_forward_hour_is_a_gap_not_shifted(tmp_path):
    """opennem#622: the missing 02:00-02:59 hour was shifted instead of being marked as a gap."""
    stamps = ["2025/03/30 01:30:00.000", "2025/03/30 03:30:00.000"]
    rows = [f"{stamp}, {UUID0}, 100 W" for stamp in stamps]
    result = read_query_csv(write(tmp_path, "log.csv", "\n".join(["timestamp, uuid, power.draw [W]"] + rows) + "\n"),
                            timezone="Europe/Paris", max_gap_s=7200)
    # 01:30 CET is 00:30 UTC and 03:30 CEST is 01:30 UTC: one hour apart, not two.
    assert result.end_utc - result.start_utc == 3600.0
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(100.0)


# -- nvidia-smi -q -x ---------------------------------------------------------------------------------

XML = """<?xml version="1.0" ?>
<nvidia_smi_log>
  <timestamp>{stamp}</timestamp>
  <gpu id="00000000:01:00.0">
    <product_name>GeForce GTX 1050 Ti</product_name>
    <uuid>{uuid}</uuid>
    <fan_speed>N/A</fan_speed>
    {power}
  </gpu>
</nvidia_smi_log>
"""


def xml_log(tmp_path, power_elements, uuid=UUID0):
    stamps = ["Thu Aug  6 01:03:40 2026", "Thu Aug  6 01:03:50 2026"]
    text = "".join(XML.format(stamp=stamp, uuid=uuid, power=power) for stamp, power in zip(stamps, power_elements))
    return write(tmp_path, "dump.xml", text)


def test_xml_na_power_is_unmeasured_not_zero(samples):
    """microsoft/pai#949 and telegraf#6258: N/A power became a value, or a GPU without power looked like 0 W."""
    result = read_xml(samples / "nvidia_smi" / "xml_telegraf" / "quadro-p400.xml", timezone="UTC")
    energy = result.tables["energy"]
    assert list(energy["quality"]) == ["unmeasured"]
    assert energy["energy_wh"].isna().all()


def test_xml_without_power_element_is_unmeasured(tmp_path):
    """telegraf#6258: GTX 1050 Ti reports no power_draw field at all."""
    power = "<power_readings><power_state>P0</power_state></power_readings>"
    result = read_xml(xml_log(tmp_path, [power, power]), timezone="UTC")
    assert list(result.tables["energy"]["quality"]) == ["unmeasured"]
    assert result.tables["energy"]["energy_wh"].isna().all()


def test_xml_missing_optional_paths_and_na_fan(tmp_path):
    """microsoft/pai#2999 and netdata#4892: a missing XML path or an N/A field broke the whole read."""
    power = "<power_readings><power_draw>50.00 W</power_draw></power_readings>"
    result = read_xml(xml_log(tmp_path, [power, power]), timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(10 * 50 / 3600)


def test_xml_v12_gpu_power_readings_found(samples):
    """telegraf#13954: v12 moved power into gpu_power_readings and it went silently missing."""
    result = read_xml(samples / "nvidia_smi" / "xml_telegraf" / "a100-sxm4-v12.xml", timezone="UTC")
    assert result.options["power_paths"] == ["gpu_power_readings/power_draw"]
    assert list(result.tables["energy"]["quality"]) == ["measured"]


def test_xml_v13_average_then_instant_power(tmp_path):
    """telegraf#16569: v13 has average_power_draw and instant_power_draw but no power_draw."""
    first = ("<gpu_power_readings><average_power_draw>N/A</average_power_draw>"
             "<instant_power_draw>100.00 W</instant_power_draw></gpu_power_readings>")
    second = ("<gpu_power_readings><average_power_draw>120.00 W</average_power_draw>"
              "<instant_power_draw>150.00 W</instant_power_draw></gpu_power_readings>")
    result = read_xml(xml_log(tmp_path, [first, second]), timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(10 * (100 + 120) / 2 / 3600)
    assert result.options["power_paths"] == ["gpu_power_readings/average_power_draw",
                                             "gpu_power_readings/instant_power_draw"]


def test_xml_entities_are_refused(tmp_path):
    """An XML file from another machine must not expand entities or fetch external ones."""
    text = ('<?xml version="1.0"?><!DOCTYPE nvidia_smi_log [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<nvidia_smi_log><timestamp>&x;</timestamp></nvidia_smi_log>")
    with pytest.raises(InputRejectedError, match="declares entities or external references"):
        read_xml(write(tmp_path, "evil.xml", text), timezone="UTC")


# -- CodeCarbon ---------------------------------------------------------------------------------------

HEADER_38 = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
             "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,"
             "country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,"
             "cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,"
             "cpu_utilization_percent,gpu_utilization_percent,ram_utilization_percent,ram_used_gb,on_cloud,pue,wue")


def row_38(energy="0.5", gpu_energy="0.3", gpu_count="1"):
    values = dict.fromkeys(HEADER_38.split(","), "")
    values.update(timestamp="2024-11-25T14:45:39", project_name="p", run_id="r1", duration="3600",
                  energy_consumed=energy, gpu_energy=gpu_energy, gpu_count=gpu_count, pue="1.0")
    return ",".join(values.values())


def test_codecarbon_short_row_not_aligned_by_position(tmp_path):
    """codecarbon#1304: all-None columns were dropped, leaving 33 fields under a 38-column header."""
    short = ",".join(row_38().split(",")[:33])
    path = write(tmp_path, "emissions.csv", "\n".join([HEADER_38, row_38(), short]) + "\n")
    result = read_emissions_csv(path, timezone="UTC")
    assert [(p.row, p.column) for p in result.rejected] == [(3, "(whole row)")]
    assert "33 fields but the header has 38" in result.rejected[0].reason
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(500.0)


def test_codecarbon_column_order_and_alphabetical_header(tmp_path):
    """codecarbon#987 and #363: the header order changed between runs, or came sorted alphabetically."""
    names = HEADER_38.split(",")
    values = dict(zip(names, row_38().split(",")))
    ordered = sorted(names)
    path = write(tmp_path, "emissions.csv", ",".join(ordered) + "\n" + ",".join(values[n] for n in ordered) + "\n")
    result = read_emissions_csv(path, timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(500.0)
    assert any("alphabetical order" in note for note in result.notes)
    assert result.options["layout"] == "3.2.1-3.3.0"


def test_codecarbon_absent_optional_columns(tmp_path):
    """codecarbon#1092: gpu_count and gpu_model appear and disappear on CPU-only machines."""
    path = write(tmp_path, "emissions.csv", "timestamp,duration,energy_consumed,project_name\n"
                                            "2024-01-01T10:00:00,3600,2.0,cpu-only\n")
    result = read_emissions_csv(path, timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(2000.0)
    assert result.tables["energy"]["gpu_energy_wh"].sum() == 0.0


def test_codecarbon_glued_row_and_leading_index(tmp_path):
    """codecarbon#43: a missing final newline glued two rows together; older rows carry a pandas index."""
    header = "timestamp,project_name,duration,emissions,energy_consumed,country_name"
    good = "2021-06-29T11:00:38,codecarbon,3600,0.001,1.0,Morocco"
    indexed = "7,2021-06-29T13:00:38,codecarbon,3600,0.001,2.0,Morocco"
    glued = good.replace("11:00", "12:00") + good.replace("11:00", "12:30")
    path = write(tmp_path, "emissions.csv", "\n".join([header, good, indexed, glued]) + "\n")
    result = read_emissions_csv(path, timezone="UTC")
    assert [p.row for p in result.rejected] == [4]
    assert "more than the header's 6" in result.rejected[0].reason
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(3000.0)
    assert any("pandas index" in note for note in result.notes)


def test_codecarbon_zero_gpu_energy_with_gpu_is_unmeasured(tmp_path):
    """codecarbon#295: NVML could not read a GeForce 940MX, and GPU energy was logged as 0."""
    path = write(tmp_path, "emissions.csv", HEADER_38 + "\n" + row_38(gpu_energy="0.0", gpu_count="1") + "\n")
    result = read_emissions_csv(path, timezone="UTC")
    energy = result.tables["energy"]
    assert energy["energy_wh"].sum() == pytest.approx(500.0)
    assert energy["gpu_energy_wh"].isna().all()
    assert any("not measured" in note for note in result.notes)


def test_codecarbon_naive_time_stored_utc_with_row(tmp_path):
    """codecarbon#1312 (PR #1325): timestamp is naive local time."""
    path = write(tmp_path, "emissions.csv", "timestamp,duration,energy_consumed\n2024-11-25T14:45:39,60,0.01\n")
    with pytest.raises(InputRejectedError, match="no time zone"):
        read_emissions_csv(path)
    result = read_emissions_csv(path, timezone="Europe/Paris")
    assert result.end_utc == utc("2024-11-25T13:45:39+00:00")
    assert list(result.tables["energy"]["first_row"]) == [2]


# -- carbontracker ------------------------------------------------------------------------------------

STD_LOG = """2020-08-24 19:26:04 - carbontracker version 1.1.3
2020-08-24 19:26:04 - Only predicted and actual consumptions are multiplied by a PUE coefficient of 1.58 (Rhonda Ascierto, 2019, Uptime Institute Global Data Center Survey).
2020-08-24 19:26:04 - The following components were found: GPU with device(s) GeForce GTX 1050 Ti.
2020-08-24 19:26:09 - Epoch 1:
2020-08-24 19:26:09 - Duration: 0:00:05.00
2020-08-24 19:26:09 - Average power usage (W) for gpu: {first}
2020-08-24 19:26:14 - Epoch 2:
2020-08-24 19:26:14 - Duration: 0:00:05.00
2020-08-24 19:26:14 - Average power usage (W) for gpu: {second}
"""
OUTPUT_LOG = """Actual consumption for 2 epoch(s):
\tTime:\t0:00:10
\tEnergy:\t0.000000 kWh
\tCO2eq:\t0.000000 g
\tThis is equivalent to:
\t0.000000 km travelled by car
"""


def test_carbontracker_none_power_is_not_zero_energy(tmp_path):
    """carbontracker#33: 'for gpu: None' in the standard log, yet 'Energy: 0.000000 kWh' in the output log."""
    std = write(tmp_path, "1234_2020-08-24T192604Z_carbontracker.log", STD_LOG.format(first="None", second="None"))
    write(tmp_path, "1234_2020-08-24T192604Z_carbontracker_output.log", OUTPUT_LOG)
    with pytest.raises(InputRejectedError, match="0.000000 kWh' is not a measurement"):
        read_carbontracker(std, timezone="UTC")


def test_carbontracker_partial_none_epoch_skipped(tmp_path):
    """carbontracker#33: an epoch with None is missing energy, the others still count."""
    std = write(tmp_path, "1234_2020-08-24T192604Z_carbontracker.log",
                STD_LOG.format(first="[136.86084615]", second="None"))
    result = read_carbontracker(std, timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(136.86084615 * 5 / 3600)
    assert [(p.row, p.column, p.value) for p in result.rejected] == [(7, "gpu", "None")]
    assert result.start_utc == utc("2020-08-24T19:26:04+00:00")


# -- counters (DCGM energy, RAPL, meters) ---------------------------------------------------------

def test_rapl_wrap_gives_positive_delta():
    """likwid#646: a RAPL counter wrapped (248,923 J then 30,811 J); max_energy_range_uj 262,143,328,850."""
    deltas = counter_deltas(np.array([0.0, 1500.0]), np.array([248_923e6, 30_811e6]),
                            max_range=262_143_328_850.0, unit_per_joule=1e6)
    assert deltas.valid.tolist() == [True]
    assert deltas.energy_j[0] == pytest.approx(262_143.32885 - 248_923 + 30_811)
    assert deltas.wraps == 1


def test_counter_overflow_never_negative_and_double_wrap_flagged():
    """pyJoules#21: counter overflow gave negative energy; a double wrap must be flagged."""
    once = counter_deltas(np.array([0.0, 10.0]), np.array([900.0, 100.0]), max_range=1000.0, max_power_w=50.0)
    assert once.energy_j.tolist() == [200.0]
    twice = counter_deltas(np.array([0.0, 100.0]), np.array([900.0, 100.0]), max_range=1000.0, max_power_w=50.0)
    assert twice.valid.tolist() == [False]
    assert "more than once" in twice.problems[0][1]


def test_23_bit_register_wrap_in_wh():
    """ioBroker.sourceanalytix#594: a 23-bit register wraps at 838,860.7 Wh."""
    deltas = counter_deltas(np.array([0.0, 900.0]), np.array([838_800.0, 50.0]), max_range=838_860.7,
                            unit_per_joule=1 / 3600)
    assert deltas.energy_j[0] / 3600 == pytest.approx(110.7)


def test_momentary_zero_reading_is_ignored():
    """evcc#30592: a meter briefly reported 0, then the lifetime total, booking a 53.7 MWh spike."""
    lifetime_j = 53.7e6 * 3600
    values = np.array([lifetime_j, 0.0, lifetime_j + 3600.0])
    deltas = counter_deltas(np.array([0.0, 60.0, 120.0]), values, max_power_w=1000.0)
    assert np.nansum(deltas.energy_j) == pytest.approx(3600.0)


def test_reset_counts_only_energy_since_reset():
    """sem-community#782: a reset to 0 booked the whole lifetime (15,508 kWh) as today's energy."""
    lifetime_j = 15_508 * 3.6e6
    deltas = counter_deltas(np.array([0.0, 60.0, 120.0]), np.array([lifetime_j, 500.0, 1500.0]), max_power_w=100.0)
    assert deltas.energy_j.tolist() == [500.0, 1000.0]
    assert deltas.resets == 1


def test_dcgm_mig_duplicates_counted_once(tmp_path):
    """dcgm-exporter#317: the energy counter repeats once per GPU_I_ID with the same value."""
    lines = []
    for stamp, value in (("2025-06-01T12:00:00Z", 126272101025), ("2025-06-01T12:01:00Z", 126278101025)):
        lines.append(f"# SCRAPE_TIME {stamp}")
        for instance in (3, 4, 5, 6):
            lines.append(f'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{GPU_I_ID="{instance}",UUID="{UUID0}",'
                         f'gpu="0",Hostname="a800"}} {value}')
    result = read_scrapes(write(tmp_path, "mig.prom", "\n".join(lines) + "\n"))
    energy = result.tables["energy"]
    assert energy["energy_wh"].sum() == pytest.approx(6_000_000 / 1000 / 3600)
    assert list(energy["basis"]) == ["energy_counter"]
    assert any("counted once per GPU UUID" in note for note in result.notes)


def test_dcgm_without_counter_integrates_power(tmp_path):
    """codecarbon#608: the energy counter was not supported, so power must be integrated per device."""
    lines = []
    for stamp, counter in (("2025-06-01T12:00:00Z", 1_000_000), ("2025-06-01T12:00:30Z", 4_000_000)):
        lines.append(f"# SCRAPE_TIME {stamp}")
        lines.append(f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUID0}",Hostname="h"}} 90.0')
        lines.append(f'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{UUID="{UUID0}",Hostname="h"}} {counter}')
        lines.append(f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUID1}",Hostname="h"}} 200.0')
    energy = read_scrapes(write(tmp_path, "mixed.prom", "\n".join(lines) + "\n")).tables["energy"]
    by_device = energy.set_index("device_key")
    # The counter (3,000 J) wins over the 90 W gauge (2,700 J) for the first GPU.
    assert by_device.loc[UUID0, "energy_wh"] == pytest.approx(3000 / 3600)
    assert by_device.loc[UUID0, "basis"] == "energy_counter"
    assert by_device.loc[UUID1, "energy_wh"] == pytest.approx(30 * 200 / 3600)
    assert by_device.loc[UUID1, "basis"] == "power_integral"


# -- Slurm ----------------------------------------------------------------------------------------------

SACCT = """JobID|Cluster|JobName|ConsumedEnergyRaw|ConsumedEnergy|AllocTRES|TRESUsageOutAve|ElapsedRaw|NNodes|NodeList|Start|End|State|
{rows}
"""


def sacct(tmp_path, rows):
    return write(tmp_path, "sacct.txt", SACCT.format(rows="\n".join(rows)))


def test_sacct_steps_never_added_to_job(tmp_path):
    """CSCS santis docs: the job, .batch, .extern and srun step rows counted three times or more."""
    path = sacct(tmp_path, [
        "38113|santis|train|20543125|20.54M|cpu=1152,energy=20543125,node=4|energy=794|3600|4|nid[001234-001237]|"
        "2024-03-15-20:24:16|2024-03-15-21:24:16|COMPLETED|",
        "38113.batch|santis|batch|5094129|5.09M|cpu=288,node=1||3600|1|nid001234|2024-03-15-20:24:16|"
        "2024-03-15-21:24:16|COMPLETED|",
        "38113.extern|santis|extern|20543125|20.54M|cpu=1152,node=4||3600|4|nid[001234-001237]|2024-03-15-20:24:16|"
        "2024-03-15-21:24:16|COMPLETED|",
        "38113|santis|python|20536917|20.54M|cpu=1152,node=4||3590|4|nid[001234-001237]|2024-03-15-20:24:20|"
        "2024-03-15-21:24:10|COMPLETED|"])
    result = read_sacct(path, timezone="Europe/Zurich")
    jobs = result.tables["jobs"]
    assert list(jobs["energy_j"]) == [20543125.0]
    assert list(jobs["energy_field"]) == ["ConsumedEnergyRaw"]
    assert list(jobs["step_rows"]) == [3]
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(20543125 / 3600)
    assert sorted(result.tables["allocations"]["host"]) == ["nid001234", "nid001235", "nid001236", "nid001237"]
    assert jobs["start_utc"].iloc[0] == utc("2024-03-15T19:24:16+00:00")


def test_tres_usage_out_is_not_job_energy(tmp_path):
    """reportseff#66: TRESUsageOutAve energy=794 was read as job energy; ConsumedEnergyRaw is 101630 J."""
    path = sacct(tmp_path, ["7|c|job|101630|101.63K|cpu=4,node=1|energy=794|600|1|n1|2024-01-01T00:00:00|"
                            "2024-01-01T00:10:00|COMPLETED|"])
    assert list(read_sacct(path, timezone="UTC").tables["jobs"]["energy_j"]) == [101630.0]


def test_si_suffix_energy_when_raw_missing(tmp_path):
    """ConsumedEnergy carries SI suffixes (4.58M, 101.63K) when ConsumedEnergyRaw is empty."""
    path = sacct(tmp_path, ["8|c|job||4.58M|cpu=4,node=1||3600|1|n1|2024-01-01T00:00:00|2024-01-01T01:00:00|"
                            "COMPLETED|"])
    jobs = read_sacct(path, timezone="UTC").tables["jobs"]
    assert list(jobs["energy_j"]) == [4_580_000.0]
    assert list(jobs["energy_field"]) == ["ConsumedEnergy"]


def test_absurd_job_energy_bounded(tmp_path):
    """lumi-userguide#181: occasional absurd per-job energies inflated project sums."""
    path = sacct(tmp_path, ["9|c|job|990000000000||cpu=4,node=2||3600|2|n[1-2]|2024-01-01T00:00:00|2024-01-01T01:00:00|"
                            "COMPLETED|"])
    result = read_sacct(path, timezone="UTC", max_node_power_w=10_000)
    jobs = result.tables["jobs"]
    assert list(jobs["energy_flag"]) == ["above_bound"]
    assert jobs["energy_j"].isna().all()
    assert result.tables["energy"].empty


def test_shared_node_job_gets_its_share(tmp_path):
    """autosubmit#1455: jobs on shared nodes were charged whole-node energy."""
    path = sacct(tmp_path, ["10|c|small|8000000||cpu=16,gres/gpu=2,node=1||3600|1|gpu01|2024-01-01T00:00:00|"
                            "2024-01-01T01:00:00|COMPLETED|"])
    jobs = read_sacct(path, timezone="UTC", gpus_per_node=8).tables["jobs"]
    assert list(jobs["energy_j"]) == [2_000_000.0]
    assert list(jobs["node_share"]) == [0.25]
    assert list(jobs["energy_flag"]) == ["partial_node"]
