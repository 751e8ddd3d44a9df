"""Build the reference large project used by the recompute benchmark.

Usage: python bench/build_reference.py [PROJECT.cwb]   (default: bench/out/reference.cwb)

2,048 GPUs in 256 eight-GPU nodes at 5 sites train 1,000 runs over 2025, about 10 million
GPU-hours in all, stored as node-hour energy rows (about 1.25 million). Each site has a facility
meter and a grid zone with an hourly factor series, an annual factor and a residual mix. The
project also has 5,000 asset lines, contractual instruments, Scope 1 records and 10 assumption
sets. Every value is synthetic and deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
import calendar
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workbench.clock import epoch_to_text  # noqa: E402
from workbench.project import energy_totals  # noqa: E402
from workbench.services import assumptions, entities, inventory_inputs, projects  # noqa: E402

SEED = 20250101
YEAR_START = 1_735_689_600  # 2025-01-01T00:00:00Z
HOURS = 8760
SITES = [("site-fr", "FR", "PUE2"), ("site-de", "DE", "PUE1"), ("site-se", "SE", "PUE3"),
         ("site-us", "US-CAL", "PUE2"), ("site-pl", "PL", "PUE1")]
NODES_PER_SITE = [52, 51, 51, 51, 51]  # 256 eight-GPU nodes: 2,048 GPUs
RUNS = 1000
TARGET_GPU_HOURS = 10_000_000
ASSETS_PER_SITE = 1000
MEAN_INTENSITY = {"FR": 50.0, "DE": 380.0, "SE": 30.0, "US-CAL": 240.0, "PL": 700.0}


def _source(conn, kind: str, name: str) -> int:
    return int(conn.execute(
        "INSERT INTO sources (kind, original_name, original_path, sha256, size_bytes, importer, importer_version,"
        " options_json, rows_read, rows_accepted, rows_rejected, notes_json, imported_at, actor)"
        " VALUES (?, ?, ?, ?, 0, 'bench', '1', '{}', 0, 0, 0, '[]', ?, 'bench')",
        (kind, name, name, f"bench-{name}", epoch_to_text(YEAR_START))).lastrowid)


def _runs(rng: np.random.Generator) -> list[dict]:
    """Draw 1,000 runs whose node-hours add up to about 10 million GPU-hours."""
    nodes = rng.choice([1, 2, 4, 8, 16, 32], size=RUNS, p=[0.25, 0.25, 0.2, 0.15, 0.1, 0.05])
    weights = rng.uniform(0.3, 1.7, RUNS)
    hours = np.maximum(1, np.round(weights * TARGET_GPU_HOURS / (nodes * 8 * weights).sum())).astype(int)
    starts = rng.integers(0, HOURS - hours.max() - 1, RUNS)
    kinds = rng.choice(["final", "experiment", "failed", "evaluation"], size=RUNS, p=[0.1, 0.6, 0.1, 0.2])
    return [{"name": f"run-{i:04d}", "site": i % len(SITES), "nodes": int(nodes[i]), "hours": int(hours[i]),
             "start": int(starts[i]), "kind": str(kinds[i])} for i in range(RUNS)]


def _insert_energy(conn, rng: np.random.Generator, runs: list[dict]) -> int:
    source = _source(conn, "gpu-log", "reference-node-hours.parquet")
    rows = 0
    node_ids: dict[tuple[int, int], int] = {}
    for site_index in range(len(SITES)):
        for node in range(NODES_PER_SITE[site_index]):
            key = f"site{site_index}-node{node:03d}"
            node_ids[(site_index, node)] = int(conn.execute(
                "INSERT INTO devices (device_key, host, model) VALUES (?, ?, 'H100 x8')", (key, key)).lastrowid)
    for number, run in enumerate(runs):
        run_id = int(conn.execute(
            "INSERT INTO runs (name, kind, site_id, start_utc, end_utc) VALUES (?, ?, ?, ?, ?)",
            (run["name"], run["kind"], run["site"] + 1, epoch_to_text(YEAR_START + run["start"] * 3600),
             epoch_to_text(YEAR_START + (run["start"] + run["hours"]) * 3600))).lastrowid)
        first_node = int(rng.integers(0, NODES_PER_SITE[run["site"]] - run["nodes"] + 1))
        hours = YEAR_START + 3600 * (run["start"] + np.arange(run["hours"]))
        batch = []
        for node in range(first_node, first_node + run["nodes"]):
            energy_wh = rng.normal(4400.0, 250.0, run["hours"]).clip(500.0, 5600.0)
            device = node_ids[(run["site"], node)]
            batch.extend((source, run_id, device, int(hour), float(wh), float(wh)) for hour, wh in zip(hours, energy_wh))
        conn.executemany(
            "INSERT INTO energy_hourly (source_id, run_id, device_id, hour_utc, level, energy_wh, gpu_energy_wh,"
            " sample_count, coverage, gap_seconds, quality) VALUES (?, ?, ?, ?, 'gpu_board', ?, ?, 360, 1.0, 0.0,"
            " 'measured')", batch)
        rows += len(batch)
        conn.execute("INSERT INTO run_models (run_id, model) VALUES (?, ?)", (run_id, f"model-{number % 10}"))
        if number % 100 == 0:
            print(f"  runs {number}/{len(runs)}, {rows:,} node-hour rows", flush=True)
    return rows


def _insert_factors_and_meters(conn, rng: np.random.Generator) -> None:
    hours = YEAR_START + 3600 * np.arange(HOURS)
    for basis, scale in (("location", 1.0), ("residual_mix", 1.4)):
        source = _source(conn, "factors", f"reference-{basis}.csv")
        dataset = int(conn.execute("INSERT INTO factor_datasets (source_id, name, basis) VALUES (?, ?, ?)",
                                   (source, f"reference {basis}", basis)).lastrowid)
        rows = []
        for _, zone, _ in SITES:
            mean = MEAN_INTENSITY[zone] * scale
            rows.append((dataset, zone, YEAR_START, YEAR_START + HOURS * 3600, "annual", mean))
            if basis == "location":
                daily = 1.0 + 0.25 * np.sin((np.arange(HOURS) % 24 - 6) / 24 * 2 * np.pi)
                series = (mean * daily * rng.normal(1.0, 0.05, HOURS)).clip(1.0, None)
                rows.extend((dataset, zone, int(h), int(h) + 3600, "hourly", float(g)) for h, g in zip(hours, series))
        conn.executemany("INSERT INTO factors (dataset_id, zone, period_start, period_end, resolution, co2e_g_per_kwh,"
                         " source_text) VALUES (?, ?, ?, ?, ?, ?, 'synthetic benchmark data')", rows)
    source = _source(conn, "meter", "reference-meters.csv")
    for site_index, (site, _, _) in enumerate(SITES):
        meter = int(conn.execute("INSERT INTO meters (name, site_id, measurement_point) VALUES (?, ?, 'facility')",
                                 (f"{site}-main", site_index + 1)).lastrowid)
        load = rng.normal(900_000.0, 40_000.0, HOURS).clip(100_000.0, None)
        conn.executemany(
            "INSERT INTO energy_hourly (source_id, meter_id, hour_utc, level, energy_wh, sample_count, coverage,"
            " gap_seconds, quality) VALUES (?, ?, ?, 'facility', ?, 4, 1.0, 0.0, 'measured')",
            [(source, meter, int(h), float(wh)) for h, wh in zip(hours, load)])


def _insert_assets_and_inventory(conn, rng: np.random.Generator) -> None:
    source = _source(conn, "procurement", "reference-assets.csv")
    rows = []
    for site_index in range(len(SITES)):
        for line in range(ASSETS_PER_SITE):
            category = ("gpu", "server", "network", "storage")[line % 4]
            acquired = f"{2021 + line % 5}-{1 + line % 12:02d}-15"
            quantity = {"gpu": 2, "server": 1, "network": 1, "storage": 1}[category]
            embodied = {"gpu": 150.0, "server": 2500.0, "network": 400.0, "storage": 1200.0}[category]
            rows.append((source, line + 2, f"{category} line {line}", category, quantity, acquired, acquired,
                         embodied * float(rng.uniform(0.8, 1.2)), "synthetic benchmark data", 5.0, None,
                         site_index + 1))
    conn.executemany(
        "INSERT INTO assets (source_id, source_row, item, category, quantity, acquired, in_service,"
        " embodied_co2e_kg_per_unit, embodied_source, lifetime_years, usage_rate, site_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    instruments = _source(conn, "instruments", "reference-instruments.csv")
    activities = _source(conn, "scope1", "reference-scope1.csv")
    for site_index, (site, zone, _) in enumerate(SITES):
        conn.execute("INSERT INTO site_inventory (site_id, market, boundary) VALUES (?, ?, 'operational_control')",
                     (site_index + 1, zone))
        for month in range(1, 13):
            last_day = calendar.monthrange(2025, month)[1]
            conn.execute(
                "INSERT INTO instruments (source_id, source_row, instrument_id, type, market, mwh, ef_kg_per_mwh,"
                " vintage_start, vintage_end, retired) VALUES (?, ?, ?, 'go', ?, 150, 0, ?, ?, 1)",
                (instruments, month + 1, f"{site}-go-{month:02d}", zone, f"2025-{month:02d}-01",
                 f"2025-{month:02d}-{last_day:02d}"))
        conn.execute("INSERT INTO scope1_activities (source_id, source_row, record_id, activity, fuel, quantity, unit,"
                     " period_start, period_end, site_id) VALUES (?, ?, ?, 'fuel', 'diesel', 2000, 'l', '2025-04-01',"
                     " '2025-04-01', ?)", (activities, 2 * site_index + 2, f"{site}-generator", site_index + 1))
        conn.execute("INSERT INTO scope1_activities (source_id, source_row, record_id, activity, gas, quantity, unit,"
                     " period_start, period_end, site_id) VALUES (?, ?, ?, 'refrigerant', 'R-410A', 12, 'kg',"
                     " '2025-07-01', '2025-07-01', ?)", (activities, 2 * site_index + 3, f"{site}-chiller",
                                                          site_index + 1))


def _assumption_sets(project) -> None:
    variants = [("baseline", {"pue": 1.3, "node_uplift": 1.35}),
                ("pue-low", {"pue": 1.15}), ("pue-high", {"pue": 1.6}), ("uplift-high", {"node_uplift": 1.6}),
                ("bloom", {"embodied_method": "bloom"}), ("chips", {"embodied_method": "llmcarbon"}),
                ("life-4y", {"lifetime_years": 4.0}), ("ar5", {"gwp_set": "AR5"}),
                ("metered-pue", {"pue_source": "metered"}),
                ("scope3", {"electricity_wtt_g_per_kwh": 20.0, "td_loss_rate": 0.05})]
    for name, values in variants:
        base = None if name == "baseline" else "baseline"
        assumptions.change(project, name, values, base=base, rationale="benchmark variant")


def build(path: Path) -> dict:
    rng = np.random.default_rng(SEED)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    project = projects.new_project(path, "Reference large project (benchmark)")
    for site, zone, category in SITES:
        entities.configure_site(project, site, grid_zone=zone, timezone="UTC", pue_category=category)
    runs = _runs(rng)
    with project.transaction():
        rows = _insert_energy(project.conn, rng, runs)
        _insert_factors_and_meters(project.conn, rng)
        _insert_assets_and_inventory(project.conn, rng)
        energy_totals.refresh(project.conn)  # the rows above bypass repo.insert_energy
    _assumption_sets(project)
    inventory_inputs.set_published_total(project, "model-0", co2e_kg=1.0, source="benchmark placeholder")
    gpu_hours = sum(run["nodes"] * 8 * run["hours"] for run in runs)
    project.close()
    summary = {"path": str(path), "runs": len(runs), "node_hour_rows": rows, "gpu_hours": gpu_hours,
               "sites": len(SITES), "assets": ASSETS_PER_SITE * len(SITES), "assumption_sets": 10,
               "size_mb": round(path.stat().st_size / 1e6, 1), "build_s": round(time.perf_counter() - started, 1)}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(HERE / "out" / "reference.cwb"))
    args = parser.parse_args(argv)
    summary = build(Path(args.project))
    (Path(args.project).parent / "reference.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
