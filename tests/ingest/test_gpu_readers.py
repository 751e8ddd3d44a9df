"""GPU readers beyond the bug reports: appended dumps, dmon clocks, scrapes, runs tables, Parquet, host lists."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.detect import detect_kind
from workbench.ingest.dmon import read_dmon
from workbench.ingest.gpu_hours_parquet import read_gpu_hours, write_gpu_hours
from workbench.ingest.nvidia_smi import read_query_csv
from workbench.ingest.nvidia_smi_dump import read_text, read_xml
from workbench.ingest.prometheus import read_scrapes
from workbench.ingest.runs_table import read_runs_table
from workbench.ingest.slurm import expand_hostlist

UUID = "GPU-1b2c3d4e-0000-1111-2222-333344445555"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_appended_xml_dumps_integrated(samples, tmp_path):
    dump = (samples / "nvidia_smi" / "xml_telegraf" / "rtx-3080-v13.xml").read_text()
    later = dump.replace("Fri Apr 10 10:23:01 2026", "Fri Apr 10 10:23:31 2026").replace("139.62 W", "160.38 W")
    result = read_xml(write(tmp_path, "log.xml", dump + later), timezone="UTC")
    energy = result.tables["energy"]
    assert energy["energy_wh"].sum() == pytest.approx(30 * (139.62 + 160.38) / 2 / 3600)
    assert list(energy["sample_count"]) == [2]
    assert result.start_utc == utc("2026-04-10T10:23:01+00:00")


def test_xml_without_timestamp_uses_observed_time(samples):
    result = read_xml(samples / "nvidia_smi" / "xml_telegraf" / "gtx-1070-ti.xml", timezone="UTC",
                      observed_at="2019-03-29T19:19:44")
    assert result.start_utc == utc("2019-03-29T19:19:44+00:00")
    assert list(result.tables["energy"]["quality"]) == ["unmeasured"]


def test_appended_q_text_dumps_integrated(samples, tmp_path):
    dump = (samples / "nvidia_smi" / "extracted" / "linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load__q.txt")
    text = dump.read_text()
    later = text.replace("Tue Jul 14 08:12:53 2026", "Tue Jul 14 08:13:53 2026")
    assert later != text
    result = read_text(write(tmp_path, "q.log", text + later), timezone="UTC")
    watts = result.tables["energy"]["energy_wh"].sum() * 3600 / 60
    assert result.options["power_paths"] == ["GPU Power Readings / Average Power Draw"]
    assert watts == pytest.approx(float(text.split("Average Power Draw")[1].split(":")[1].split("W")[0]))


def test_dmon_date_time_columns(tmp_path):
    text = ("#Date       Time        gpu   pwr  gtemp     sm\n"
            "#YYYYMMDD   HH:MM:SS    Idx     W      C      %\n"
            " 20260714   09:00:00      0   300     50    100\n"
            " 20260714   09:00:00      1   100     40      0\n"
            " 20260714   09:00:10      0   300     50    100\n"
            " 20260714   09:00:10      1   100     40      0\n")
    result = read_dmon(write(tmp_path, "dmon.txt", text), timezone="Europe/Paris")
    energy = result.tables["energy"].set_index("gpu_index")
    assert energy.loc["0", "energy_wh"] == pytest.approx(10 * 300 / 3600)
    assert energy.loc["1", "idle_energy_wh"] == pytest.approx(10 * 100 / 3600)
    assert energy.loc["0", "idle_energy_wh"] == 0.0
    assert result.start_utc == utc("2026-07-14T07:00:00+00:00")


def test_dmon_time_only_rolls_over_midnight(tmp_path):
    text = ("#Time        gpu   pwr\n#HH:MM:SS    Idx     W\n"
            " 23:59:50      0   200\n 00:00:10      0   200\n")
    result = read_dmon(write(tmp_path, "dmon.txt", text), timezone="UTC", start="2026-07-14T23:59:50")
    assert result.end_utc - result.start_utc == 20.0
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(20 * 200 / 3600)


def test_dmon_without_time_needs_start(samples):
    path = samples / "nvidia_smi" / "extracted" / "linux-x86_64__nvidia-l40s__595.80__idle__dmon.txt"
    with pytest.raises(InputRejectedError, match="first sample's time must be given"):
        read_dmon(path, timezone="UTC")


def test_scrape_without_time_rejected(samples):
    path = samples / "dcgm" / "datadog-integrations-core__dcgm__metrics.txt"
    with pytest.raises(InputRejectedError, match="the scrape has no time") as caught:
        read_scrapes(path)
    assert "--scrape-time" in caught.value.hint


def test_multi_host_scrape_keeps_hosts_apart(samples):
    path = samples / "dcgm" / "datadog-integrations-core__dcgm__metrics.txt"
    energy = read_scrapes(path, scrape_time="2026-07-14T09:00:00Z").tables["energy"]
    assert sorted(energy["host"]) == ["424773df46e0", "551bdf382151", "ip-11111"]
    measured = energy[energy["quality"] == "measured"]
    assert list(measured["device_key"]) == ["GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e"]


def test_sample_timestamps_in_scrape(tmp_path):
    text = (f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUID}"}} 100 1717243200000\n'
            f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUID}"}} 200 1717243260000\n')
    result = read_scrapes(write(tmp_path, "ts.prom", text))
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(60 * 150 / 3600)
    assert result.start_utc == 1717243200.0


def test_auto_gap_limit_follows_sampling(tmp_path):
    rows = [f"2025-01-01T{hour:02d}:{minute:02d}:00Z, {UUID}, 100 W" for hour in (0, 1) for minute in (0, 5, 10)]
    path = write(tmp_path, "slow.csv", "timestamp, uuid, power.draw [W]\n" + "\n".join(rows) + "\n")
    fixed = read_query_csv(path, max_gap_s=120)
    auto = read_query_csv(path, max_gap_s=None)
    assert fixed.tables["energy"]["energy_wh"].sum() == 0.0
    assert auto.options["interval_s"] == 300.0
    assert auto.options["max_gap_s_used"] == 900.0
    assert auto.tables["energy"]["energy_wh"].sum() == pytest.approx(4 * 300 * 100 / 3600)
    assert auto.tables["energy"]["longest_gap_s"].max() == 3000.0


def test_runs_table_rows_and_rejections(tmp_path):
    path = write(tmp_path, "runs.csv",
                 "run,host,gpus,gpu_uuid,start,end,kind\n"
                 "a,node01,0-1;3,,2025-06-01T10:00:00,2025-06-01T12:00:00,final\n"
                 "b,,,1b2c3d4e-0000-1111-2222-333344445555,2025-06-01T10:00:00,2025-06-01T11:00:00,\n"
                 "c,,,,2025-06-01T10:00:00,2025-06-01T11:00:00,\n"
                 "d,node02,x,,2025-06-01T10:00:00,2025-06-01T11:00:00,\n"
                 "e,node02,,,2025-06-01T12:00:00,2025-06-01T11:00:00,\n"
                 "f,node02,all,,2025-06-01T10:00:00,2025-06-01T11:00:00,training\n")
    result = read_runs_table(path, timezone="Europe/Paris")
    allocations = result.tables["allocations"]
    assert list(allocations["gpu_index"][allocations["run"] == "a"]) == ["0", "1", "3"]
    assert list(allocations["gpu_uuid"][allocations["run"] == "b"]) == [UUID]
    assert allocations["start_utc"].iloc[0] == utc("2025-06-01T08:00:00+00:00")
    assert [(p.row, p.column) for p in result.rejected] == [(4, "host"), (5, "gpus"), (7, "kind"),
                                                            (6, "start/end")]


def test_parquet_bad_rows_rejected_with_row_numbers(tmp_path):
    frame = pd.DataFrame({"device_key": ["g1", "g1", "g2", ""], "hour_utc": [0, 3600, 1800, 0],
                          "energy_wh": [10.0, None, 5.0, 1.0], "sample_count": [60, 0, 60, 1],
                          "coverage": [1.0, 0.0, 1.0, 1.0], "gap_seconds": [0.0, 3600.0, 0.0, 0.0]})
    path = tmp_path / "hours.parquet"
    write_gpu_hours(frame, path)
    result = read_gpu_hours(path)
    energy = result.tables["energy"]
    assert [(p.row, p.column) for p in result.rejected] == [(3, "hour_utc"), (4, "device_key")]
    assert list(energy["quality"]) == ["measured", "unmeasured"]
    assert energy["energy_wh"].isna().tolist() == [False, True]
    assert list(energy["first_row"]) == [1, 2]


def test_hostlist_expansion():
    assert expand_hostlist("gpu[01-03,07],login1") == ["gpu01", "gpu02", "gpu03", "gpu07", "login1"]
    assert expand_hostlist("nid[001234-001235]") == ["nid001234", "nid001235"]
    assert expand_hostlist("None assigned") == []


@pytest.mark.parametrize("text, kind", [
    ("JobID|Start|End\n1|a|b\n", "slurm"),
    ("run,host,start,end\nr,n,a,b\n", "runs"),
    ("# SCRAPE_TIME 2025-01-01T00:00:00Z\nDCGM_FI_DEV_POWER_USAGE{UUID=\"x\"} 1\n", "dcgm"),
])
def test_detect_kind_from_content(tmp_path, text, kind):
    assert detect_kind(write(tmp_path, "input.txt", text))[0] == kind
