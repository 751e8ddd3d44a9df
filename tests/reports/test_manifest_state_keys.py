"""The manifest's own checks, the project state hash and the self-signed key helper."""

from __future__ import annotations

import copy

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from workbench.errors import UsageError
from workbench.reports.keys import create_self_signed_p12
from workbench.reports.manifest import check_manifest
from workbench.services import assumptions as assumption_service
from workbench.services.exports import build_content, export_report
from workbench.services.state import data_tables, project_state_sha256


@pytest.fixture(scope="module")
def manifest(shared_project):
    return build_content(shared_project, "pdf", "baseline", draft=False).manifest


def test_fresh_manifest_is_consistent(manifest, shared_project):
    assert check_manifest(manifest, "pdf") == []
    assert manifest["project_state_sha256"] == project_state_sha256(shared_project)
    assert manifest["assumption_set_sha256"] == assumption_service.set_hash(shared_project, "baseline")
    assert [item["file"] for item in manifest["inputs"]] == [
        "xypp3__gpu_glasses__nvidia_smi.csv", "two_gpus.csv", "factors.csv", "procurement.csv"]


def test_manifest_for_other_format_fails(manifest):
    assert check_manifest(manifest, "xlsx") == ["the manifest was written for a pdf export, not a xlsx file"]


def test_manifest_with_altered_total_fails(manifest):
    altered = copy.deepcopy(manifest)
    altered["figures"]["totals"]["total_co2e_kg"] *= 0.9
    problems = check_manifest(altered, "pdf")
    assert len(problems) == 1
    assert problems[0].startswith("the manifest's total total_co2e_kg is")


def test_manifest_with_altered_assumption_fails(manifest):
    altered = copy.deepcopy(manifest)
    altered["assumptions"]["pue"]["value"] = 1.1
    problems = check_manifest(altered, "pdf")
    assert len(problems) == 1
    assert problems[0].startswith("the assumption values in the manifest hash to")


def test_manifest_missing_entries_fails(manifest):
    altered = {key: value for key, value in manifest.items() if key not in ("inputs", "figures")}
    assert check_manifest(altered, "pdf") == ["the manifest lacks the entries inputs, figures"]


def test_state_hash_ignores_exports(audit_project, tmp_path):
    before = project_state_sha256(audit_project)
    export_report(audit_project, "xlsx", tmp_path / "a.xlsx", draft=True)
    assert project_state_sha256(audit_project) == before
    assert "reports" not in data_tables(audit_project.conn)
    assert "signoffs" not in data_tables(audit_project.conn)
    assert "report_info" in data_tables(audit_project.conn)
    assert "audit_log" not in data_tables(audit_project.conn)
    assert "energy_hourly" in data_tables(audit_project.conn)


def test_state_hash_follows_assumptions(audit_project):
    before = project_state_sha256(audit_project)
    assumption_service.change(audit_project, "baseline", {"node_uplift": 1.2}, rationale="node metering")
    assert project_state_sha256(audit_project) != before


def test_self_signed_key_loads_and_matches_pem(tmp_path):
    path = create_self_signed_p12(tmp_path / "k.p12", b"pw", common_name="Key Test", organization="Org", days=30)
    key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), b"pw")
    pem = x509.load_pem_x509_certificate(path.with_suffix(".pem").read_bytes())

    assert key is not None
    assert certificate == pem
    assert certificate.subject.rfc4514_string() == "O=Org,CN=Key Test"
    assert certificate.issuer == certificate.subject
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days == 30
    assert path.stat().st_mode & 0o077 == 0


def test_self_signed_key_never_overwrites(tmp_path):
    path = create_self_signed_p12(tmp_path / "k.p12", b"pw", common_name="First")
    original = path.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        create_self_signed_p12(path, b"pw", common_name="Second")
    assert path.read_bytes() == original
