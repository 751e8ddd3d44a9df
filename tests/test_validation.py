"""The validation suite: every worked example and published case, through the engine the application uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import UsageError
from workbench.services import validation
from workbench.services.validation_cases import WORKED_EXAMPLES
from workbench.services.validation_published import published_case

PACKAGED = Path(__file__).resolve().parents[1] / "workbench" / "resources" / "validation"


@pytest.fixture(scope="module")
def shared_validation(samples) -> Path:
    return samples.parent / "validation"


def test_packaged_copies_match_shared(shared_validation):
    for name in ("worked_examples.json", "published_cases.json"):
        assert json.loads((PACKAGED / name).read_text()) == json.loads((shared_validation / name).read_text()), name


@pytest.mark.parametrize("name", list(WORKED_EXAMPLES))
def test_worked_example(name, shared_validation):
    expected = json.loads((shared_validation / "worked_examples.json").read_text())[name]
    checks = WORKED_EXAMPLES[name](expected)
    assert len(checks) >= 3
    for check in checks:
        assert check.passed, f"{check.case} {check.quantity}: expected {check.expected!r}, got {check.computed!r}"


PUBLISHED = json.loads((PACKAGED / "published_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", PUBLISHED, ids=[case["id"] for case in PUBLISHED])
def test_published_case(case):
    checks = published_case(case)
    assert len(checks) >= 2
    for check in checks:
        tolerance = case.get("tolerance_rel", check.tolerance_rel)
        assert check.tolerance_rel <= tolerance or check.tolerance_abs > 0
        assert check.passed, f"{check.case} {check.quantity}: expected {check.expected!r}, got {check.computed!r}"


def test_llama2_gap_is_reported_not_hidden():
    case = next(item for item in PUBLISHED if item["id"] == "llama2-model-card")
    checks = {check.quantity: check for check in published_case(case)}
    assert checks["emissions gap"].computed == pytest.approx(539.00 - 385.08)
    assert checks["GPU-hours gap"].computed == 3_311_616 - 2_273_280
    assert checks["gap to published total reported"].computed == 1.0


def test_suite_table_and_unknown_case():
    report = validation.run_validation(["WE1", "touvron2023-llama-65b"])
    table = validation.format_table(report)
    assert report.passed is True
    assert {check.case for check in report.checks} == {"WE1", "touvron2023-llama-65b"}
    assert table.splitlines()[0].split() == ["case", "quantity", "expected", "computed", "tolerance", "pass"]
    assert table.splitlines()[-1] == f"{len(report.checks)} of {len(report.checks)} checks pass"
    with pytest.raises(UsageError, match="unknown validation case WE11"):
        validation.run_validation(["WE11"])


def test_failed_check_fails_report():
    report = validation.ValidationReport((validation.Check("X", "q", 1.0, 1.1, 0.01),))
    assert report.passed is False
    assert "NO" in validation.format_table(report)
