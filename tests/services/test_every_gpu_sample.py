"""Every real file in the nvidia_smi, dcgm and codecarbon sample folders imports, or is rejected with its reason.

Each file goes through ``--kind auto`` into a fresh project, with the options an auditor would
give for its kind (the time zone, the time of a scrape that carries none, the first time of a
dmon log without time columns).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from shared_paths import samples_dir
from workbench.errors import InputRejectedError
from workbench.services import imports
from workbench.services.projects import new_project

FOLDERS = ("nvidia_smi", "dcgm", "codecarbon")


def sample_files() -> list[Path]:
    # Parametrization runs before fixtures exist, so the folder is looked up directly.
    root = samples_dir()
    return sorted(path for folder in FOLDERS for path in (root / folder).rglob("*") if path.is_file())


# (pattern on the path inside the samples folder, rejection reason pattern or None when it imports)
EXPECTED = [
    (r"captures_nvidia_gpu_exporter/", r"capture bundle of many nvidia-smi command outputs"),
    (r"__compute_apps\.csv$", r"--query-compute-apps output: the processes on each GPU and their memory, "
                              r"without power"),
    (r"__pmon\.txt$", r"pmon output: per-process utilization without any power reading"),
    (r"dcgm-exporter__.*\.csv$", r"dcgm-exporter counters configuration \(field, type, help\)"),
    (r"gtx-1070-ti\.xml$", r"the dump has no <timestamp> and no observation time was given"),
    (r".", None),
]


def expected_rejection(relative: str) -> str | None:
    return next(reason for pattern, reason in EXPECTED if re.search(pattern, relative))


def options_for(path: Path) -> imports.ImportOptions:
    return imports.ImportOptions(kind="auto", timezone="UTC", run="sample", scrape_time="2026-07-14T09:00:00Z",
                                 start="2026-07-14T09:00:00")


@pytest.mark.parametrize("path", sample_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_sample_imports_or_is_rejected_with_reason(path, samples, tmp_path):
    relative = path.relative_to(samples).as_posix()
    reason = expected_rejection(relative)
    with new_project(tmp_path / "one.cwb") as project:
        if reason is not None:
            with pytest.raises(InputRejectedError, match=reason):
                imports.import_file(project, path, options_for(path))
            assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
            return

        report = imports.import_file(project, path, options_for(path))
        sources = project.conn.execute("SELECT count(*), sum(rows_accepted) FROM sources").fetchone()
        assert sources[0] == 1
        assert sources[1] == report.rows_accepted
        assert report.rows_accepted >= 1
        stored = project.conn.execute("SELECT count(*) FROM gpu_hours").fetchone()[0] + \
            project.conn.execute("SELECT count(*) FROM energy_hourly").fetchone()[0]
        assert stored >= 1


def dmon_expected_wh(path: Path) -> float:
    watts = [float(line.split()[1]) for line in path.read_text().splitlines() if line.strip()
             and not line.startswith("#")]
    return sum((a + b) / 2 for a, b in zip(watts, watts[1:])) / 3600.0


@pytest.mark.parametrize("path", [p for p in sample_files() if p.name.endswith("__dmon.txt")],
                         ids=lambda path: path.name)
def test_dmon_sample_energy_is_trapezoid_at_one_second(path, project):
    report = imports.import_file(project, path, options_for(path))
    stored = project.conn.execute("SELECT sum(energy_wh), sum(sample_count) FROM gpu_hours").fetchone()
    assert stored[0] == pytest.approx(dmon_expected_wh(path), rel=1e-12)
    assert stored[1] == 5
    assert report.kind == "dmon"


@pytest.mark.parametrize("name, watts, path_used", [
    ("a100-sxm4-v12.xml", 67.03, "gpu_power_readings/power_draw"),
    ("a10g.xml", 25.58, "power_readings/power_draw"),
    ("rtx-3060-v12.xml", 11.60, "gpu_power_readings/average_power_draw"),
    ("rtx-3080-v13.xml", 139.62, "gpu_power_readings/average_power_draw"),
    ("rtx-4000-sff-ada-v13.xml", 8.81, "gpu_power_readings/average_power_draw"),
    ("tesla-t4.xml", 26.78, "power_readings/power_draw"),
])
def test_xml_schema_versions_find_power(samples, name, watts, path_used):
    from workbench.ingest.nvidia_smi_dump import read_xml

    result = read_xml(samples / "nvidia_smi" / "xml_telegraf" / name, timezone="UTC")
    assert result.options["power_paths"] == [path_used]
    assert list(result.tables["energy"]["quality"]) == ["measured"]
    assert result.rows_read == 1


def test_codecarbon_samples_keep_energy_by_name(samples, tmp_path):
    path = samples / "codecarbon" / "codecarbon_repo" / "tests__test_data__emissions_valid_headers.csv"
    with open(path, newline="") as handle:
        expected_kwh = sum(float(row["energy_consumed"]) for row in csv.DictReader(handle))
    with new_project(tmp_path / "cc.cwb") as project:
        imports.import_file(project, path, options_for(path))
        stored = project.conn.execute("SELECT sum(energy_wh) FROM energy_hourly").fetchone()[0]
    assert stored / 1000 == pytest.approx(expected_kwh, rel=1e-12)
