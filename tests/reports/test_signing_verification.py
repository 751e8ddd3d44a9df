"""Signed exports, verified as a third party would: signature, manifest and figures."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from workbench.errors import UsageError
from workbench.project import audit
from workbench.reports.manifest import assumption_values_sha256
from workbench.services import assumptions as assumption_service
from workbench.services.exports import export_report
from workbench.services.imports import ImportOptions, import_file
from workbench.services.projects import new_project
from workbench.services.verification import verify_file

FORMATS = ("xlsx", "pdf")


def certificate_fingerprint(pem_path) -> str:
    certificate = x509.load_pem_x509_certificate(pem_path.read_bytes())
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def signed_export(project, fmt, folder, key, password):
    return export_report(project, fmt, folder / f"signed.{fmt}", sign_key=key, password=password)


def tampered_copy(result, offset: int, folder):
    data = bytearray(result.path.read_bytes())
    data[offset] ^= 0x01
    copy = folder / f"tampered-{offset}{result.path.suffix}"
    copy.write_bytes(bytes(data))
    if result.signature_path is not None:
        shutil.copy(result.signature_path, str(copy) + ".p7s")
    return copy


@pytest.fixture(scope="module", params=FORMATS)
def signed(request, shared_project, signing_key, tmp_path_factory, facts):
    folder = tmp_path_factory.mktemp(f"signed-{request.param}")
    return signed_export(shared_project, request.param, folder, signing_key, facts.password)


def test_signed_export_verifies_against_project(signed, shared_project, signing_key):
    report = verify_file(signed.path, project_path=shared_project.path)

    assert report.problems == []
    assert report.ok is True
    assert report.signed is True
    assert report.integrity_ok is True
    assert report.manifest_ok is True
    assert report.numbers_ok is True
    assert report.signer == "Test Auditor"
    assert report.signer_sha256_fingerprint == certificate_fingerprint(signing_key.with_suffix(".pem"))
    assert report.signing_time is not None
    assert report.details["trust"] == "not trusted (self-signed)"
    assert report.details["manifest"]["assumption_set"] == "baseline"


def test_signed_export_trusted_with_its_certificate(signed, signing_key):
    report = verify_file(signed.path, trust=signing_key.with_suffix(".pem"))
    assert report.ok is True
    assert report.details["trust"] == "trusted (chains to the given certificate)"
    assert report.numbers_ok is None


def test_other_trusted_certificate_fails(signed, other_key):
    report = verify_file(signed.path, trust=other_key.with_suffix(".pem"))
    assert report.ok is False
    assert report.integrity_ok is True
    assert any("does not chain to the trusted certificate" in problem for problem in report.problems)


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_flipped_byte_fails(signed, tmp_path, where):
    size = signed.path.stat().st_size
    offset = {"start": 200, "middle": size // 2, "end": size - 3}[where]
    report = verify_file(tampered_copy(signed, offset, tmp_path))
    assert report.ok is False
    assert report.integrity_ok is False
    assert report.problems != []


def test_export_recorded_in_project(signed, shared_project, signing_key):
    row = shared_project.conn.execute(
        "SELECT format, file_name, sha256, signed_by, draft FROM reports WHERE id = ?", (signed.report_id,)).fetchone()
    entry = [e for e in audit.read_entries(shared_project.conn) if e["entity"] == f"report:{signed.report_id}"]

    assert row[:3] == (signed.format, signed.path.name, hashlib.sha256(signed.path.read_bytes()).hexdigest())
    assert row[3].startswith("Test Auditor (SHA-256 ")
    assert row[4] == 0
    assert len(entry) == 1
    assert entry[0]["action"] == "export"
    assert entry[0]["details"]["signer"] == "Test Auditor"
    assert entry[0]["details"]["sha256"] == signed.sha256


def test_removed_signature_file_fails(shared_project, signing_key, tmp_path, facts):
    result = signed_export(shared_project, "xlsx", tmp_path, signing_key, facts.password)
    result.signature_path.unlink()
    report = verify_file(result.path)

    assert report.ok is False
    assert report.signed is False
    assert report.manifest_ok is True
    assert report.problems == ["not signed: no signature file signed.xlsx.p7s beside the workbook"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unsigned_export_fails_as_not_signed(shared_project, tmp_path, fmt):
    result = export_report(shared_project, fmt, tmp_path / f"plain.{fmt}", draft=True)
    report = verify_file(result.path, project_path=shared_project.path)

    assert result.signature_path is None
    assert report.ok is False
    assert report.signed is False
    assert report.numbers_ok is True
    assert len(report.problems) == 1
    assert report.problems[0].startswith("not signed")


@pytest.mark.parametrize("fmt", FORMATS)
def test_assumption_change_after_export_fails(audit_project, signing_key, tmp_path, facts, fmt):
    result = signed_export(audit_project, fmt, tmp_path, signing_key, facts.password)
    assumption_service.change(audit_project, "baseline", {"pue": 1.2}, rationale="PUE measured by the operator")
    report = verify_file(result.path, project_path=audit_project.path)

    assert report.ok is False
    assert report.integrity_ok is True
    assert report.numbers_ok is False
    assert "assumption set 'baseline' changed since export (pue 1.55 -> 1.2)" in report.problems
    assert any("facility_energy_kwh" in problem for problem in report.problems)


def test_new_import_keeps_figures_but_changes_state(audit_project, signing_key, tmp_path, facts):
    result = signed_export(audit_project, "pdf", tmp_path, signing_key, facts.password)
    other_zone = tmp_path / "other_zone.csv"
    other_zone.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\nFR,2025-01-01,2026-01-01,56,RTE\n")
    import_file(audit_project, other_zone, ImportOptions(kind="factors"))
    report = verify_file(result.path, project_path=audit_project.path)

    assert report.ok is True
    assert report.details["project"]["state_unchanged"] is False


def test_other_project_fails_naming_inputs(shared_project, signing_key, tmp_path, facts):
    result = signed_export(shared_project, "pdf", tmp_path, signing_key, facts.password)
    stranger = new_project(tmp_path / "stranger.cwb", "Another project")
    stranger.close()
    report = verify_file(result.path, project_path=tmp_path / "stranger.cwb")

    assert report.ok is False
    assert report.integrity_ok is True
    missing = [p for p in report.problems if p.startswith("input file") and "no longer a source" in p]
    assert len(missing) == len(result.manifest["inputs"])
    assert any(problem.startswith("the project's audit log entry") for problem in report.problems)


def test_tampered_audit_log_fails(audit_project, signing_key, tmp_path, facts):
    result = signed_export(audit_project, "xlsx", tmp_path, signing_key, facts.password)
    audit_project.close()
    conn = sqlite3.connect(tmp_path / "audit.cwb")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    conn.commit()
    conn.close()
    report = verify_file(result.path, project_path=tmp_path / "audit.cwb")

    assert report.ok is False
    assert report.problems == ["the project's audit log does not verify: entry 2 was changed after it was written"]


def test_wrong_password_is_a_usage_error(shared_project, signing_key, tmp_path):
    with pytest.raises(UsageError, match="password is wrong"):
        export_report(shared_project, "pdf", tmp_path / "x.pdf", sign_key=signing_key, password=b"wrong")
    assert not (tmp_path / "x.pdf").exists()


def test_manifest_set_hash_matches_service(shared_project):
    values = {key: item.value for key, item in assumption_service.resolve(shared_project, "baseline").items()}
    assert assumption_values_sha256("baseline", values) == assumption_service.set_hash(shared_project, "baseline")


def test_flipped_signature_byte_fails(shared_project, signing_key, tmp_path, facts):
    result = signed_export(shared_project, "pdf", tmp_path, signing_key, facts.password)
    contents = result.path.read_bytes().index(b"/Contents <")
    report = verify_file(tampered_copy(result, contents + 40, tmp_path))

    assert report.ok is False
    assert report.integrity_ok is False
    assert report.problems != []


def test_appended_bytes_fail(shared_project, signing_key, tmp_path, facts):
    result = signed_export(shared_project, "pdf", tmp_path, signing_key, facts.password)
    extended = tmp_path / "extended.pdf"
    extended.write_bytes(result.path.read_bytes() + b"\n% appended after signing\n")
    report = verify_file(extended)

    assert report.ok is False
    assert "the last signature does not cover the whole file: bytes were added after signing" in report.problems


def version1_workbook(manifest: dict, path) -> None:
    """Write a workbook laid out as manifest version 1 wrote it: Summary, Runs and a hidden Manifest sheet."""
    from openpyxl import Workbook

    from workbench.reports.manifest import manifest_json
    from workbench.reports.xlsx_summary import VERSION1_RUN_KEYS

    workbook = Workbook()
    workbook.active.title = "Summary"
    runs = workbook.create_sheet("Runs")
    runs.append(["Footprint per run"])
    runs.append(list(VERSION1_RUN_KEYS))
    for run in manifest["figures"]["runs"]:
        runs.append([run.get(key) for key in VERSION1_RUN_KEYS])
    sheet = workbook.create_sheet("Manifest")
    sheet.append(["Export manifest"])
    sheet.append(["Canonical JSON in parts; join column A from row 3 down, in order"])
    sheet.append([manifest_json(manifest)])
    sheet.sheet_state = "hidden"
    workbook.save(path)


def test_version1_workbook_still_verifies(shared_project, signing_key, tmp_path, facts):
    from workbench.reports.manifest import REQUIRED_KEYS_V2
    from workbench.reports.signing import load_signing_key, sign_detached
    from workbench.services.exports import build_content

    manifest = build_content(shared_project, "xlsx", "baseline", draft=False).manifest
    version1 = {key: value for key, value in manifest.items() if key not in REQUIRED_KEYS_V2}
    version1["manifest_version"] = 1
    path = tmp_path / "old.xlsx"
    version1_workbook(version1, path)
    key = load_signing_key(signing_key, facts.password)
    (tmp_path / "old.xlsx.p7s").write_bytes(sign_detached(path.read_bytes(), key))
    report = verify_file(path, project_path=shared_project.path)

    assert report.problems == []
    assert report.ok is True
    assert report.details["manifest"]["manifest_version"] == 1
