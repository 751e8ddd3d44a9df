"""The demo project: deterministic inputs and the footprint they give."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.services import compute, demo

COMMITTED_INPUTS = Path(__file__).resolve().parents[1] / "sample_projects" / "inputs"


def test_committed_inputs_equal_the_generator(tmp_path):
    generated = demo.write_inputs(tmp_path)
    names = sorted(path.name for paths in generated.values() for path in paths)
    assert names == sorted(path.name for path in COMMITTED_INPUTS.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (COMMITTED_INPUTS / name).read_bytes(), name


def test_demo_project_footprint(tmp_path):
    with demo.build_demo_project(tmp_path / "demo.cwb") as project:
        outcome = compute.compute_footprint(project)
        sources = project.conn.execute("SELECT original_name, rows_rejected FROM sources ORDER BY id").fetchall()
    runs = {run.run: run for run in outcome.result.runs}

    assert set(runs) == {"llm-7b-pretrain", "llm-7b-ablation"}
    assert runs["llm-7b-pretrain"].gpu_count == 16
    assert runs["llm-7b-ablation"].kind == "experiment"
    assert all(rejected == 0 for _, rejected in sources)
    assert outcome.result.warnings == ()
    # 16 GPUs at about 600 W for 24 h is about 230 kWh of board energy.
    assert 200 < runs["llm-7b-pretrain"].gpu_energy_kwh < 260
    assert runs["llm-7b-pretrain"].factor_resolution_kwh.keys() == {"hourly"}
    assert runs["llm-7b-pretrain"].facility_energy_kwh == pytest.approx(
        runs["llm-7b-pretrain"].gpu_energy_kwh * 1.35 * 1.28)
    assert runs["llm-7b-pretrain"].resource_share == pytest.approx(16 / 24)
