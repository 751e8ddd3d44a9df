"""A small project whose figures fit on a napkin, written through the repository functions.

Run "alpha" at site "lab" (zone ZZ) has two GPUs for three hours: g0 draws 300 Wh and g1
200 Wh in each hour. Run "beta" has one GPU, g2, drawing 100 Wh in each of two hours. The
assumptions are PUE 1.5 and node uplift 1.0, so facility energy is GPU energy x 1.5. Zone ZZ
has an annual factor of 400 gCO2e/kWh (dataset "Grid annual", vintage 2025) and an hourly
factor of 500 gCO2e/kWh for the second hour only (dataset "Grid hourly", vintage v2), which the
engine prefers for that hour.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import pandas as pd

from workbench.project import repo
from workbench.services import assumptions as assumption_service
from workbench.services import projects

HOUR0 = 1_756_684_800  # 2025-09-01T00:00:00Z
HOURS = (HOUR0, HOUR0 + 3600, HOUR0 + 7200)
YEAR_START, YEAR_END = 1_735_689_600, 1_767_225_600  # 2025-01-01, 2026-01-01
RATIONALE = "Known answer test values"

# Two lines per device-hour after the header: g0 and g1 alternate hour by hour.
ALPHA_LINES = ["timestamp,device,power_w"] + [
    f"2025-09-01T0{hour}:{minute}:00Z,{device},{watts}"
    for hour in range(3) for device, watts in (("g0", 300), ("g1", 200)) for minute in ("00", "30")]


def _source(conn, name: str, text: str | None) -> int:
    data = (text or name).encode("utf-8")
    return repo.insert_source(conn, repo.SourceRecord(
        kind="gpu-log", original_name=name, original_path=f"/data/{name}", sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data), importer="test", importer_version="1", options={}, rows_read=12, rows_accepted=12,
        rows_rejected=0, start_utc=HOURS[0], end_utc=HOURS[-1] + 3600, notes=[], actor="tester",
        evidence_zlib=zlib.compress(data) if text is not None else None))


def _energy(source_id: int, run_id: int, device_id: int, hour: int, wh: float, first: int, last: int) -> dict:
    return {"source_id": source_id, "run_id": run_id, "device_id": device_id, "meter_id": None, "hour_utc": hour,
            "level": "gpu_board", "energy_wh": wh, "gpu_energy_wh": wh, "sample_count": 2, "coverage": 1.0,
            "gap_seconds": 0.0, "quality": "measured", "first_row": first, "last_row": last}


def _factors(conn, name: str, vintage: str, rows: list[tuple[int, int, str, float]]) -> None:
    source_id = _source(conn, f"{name}.csv", None)
    frame = pd.DataFrame([{"source_row": number + 2, "zone": "ZZ", "period_start": start, "period_end": end,
                           "resolution": resolution, "co2e_g_per_kwh": value, "source_text": f"{name} row"}
                          for number, (start, end, resolution, value) in enumerate(rows)])
    repo.insert_factor_dataset(conn, source_id, name, frame, vintage=vintage)


def build_known_project(path: Path) -> Path:
    """Write the known project to ``path`` and return the path."""
    project = projects.new_project(path, "known")
    try:
        with project.transaction():
            conn = project.conn
            site_id = repo.ensure_site(conn, "lab", grid_zone="ZZ")
            alpha = repo.ensure_run(conn, "alpha", site_id=site_id)
            beta = repo.ensure_run(conn, "beta", site_id=site_id)
            devices = repo.ensure_devices(conn, pd.DataFrame({
                "device_key": ["g0", "g1", "g2"], "host": ["h1", "h1", "h2"], "uuid": [None] * 3,
                "gpu_index": ["0", "1", "0"], "model": ["H100"] * 3}))
            alpha_source = _source(conn, "alpha_gpu.csv", "\n".join(ALPHA_LINES) + "\n")
            beta_source = _source(conn, "beta_gpu.xlsx", None)
            rows = []
            for number, hour in enumerate(HOURS):
                first = 2 + 4 * number
                rows.append(_energy(alpha_source, alpha, devices["g0"], hour, 300.0, first, first + 1))
                rows.append(_energy(alpha_source, alpha, devices["g1"], hour, 200.0, first + 2, first + 3))
            rows += [_energy(beta_source, beta, devices["g2"], hour, 100.0, 2 + n, 2 + n) for n, hour in
                     enumerate(HOURS[:2])]
            repo.insert_energy(conn, pd.DataFrame(rows))
            for run_id in (alpha, beta):
                repo.widen_run_window(conn, run_id, HOURS[0], HOURS[-1] + 3600)
            _factors(conn, "Grid annual", "2025", [(YEAR_START, YEAR_END, "annual", 400.0)])
            _factors(conn, "Grid hourly", "v2", [(HOURS[1], HOURS[1] + 3600, "hourly", 500.0)])
        assumption_service.change(project, assumption_service.DEFAULT_SET, {"pue": 1.5, "node_uplift": 1.0},
                                  rationale=RATIONALE)
    finally:
        project.close()
    return path
