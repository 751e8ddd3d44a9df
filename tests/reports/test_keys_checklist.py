"""Importing an organization's key, the checklist's rules and the uncertainty seam of a final export."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workbench.errors import DisclosureIncompleteError, UsageError
from workbench.reports.disclosure import MISSING, NOT_APPLICABLE, PRESENT, ComparisonSummary, SetDelta, SetResult
from workbench.services import report_info
from workbench.services.disclosure import build_disclosure
from workbench.services.disclosure_uncertainty import no_uncertainty
from workbench.services.exports import export_report
from workbench.services.signing_keys import describe, import_organization_key
from workbench.services.verification import verify_file

PASSWORD = b"organization key password"


def certificate(subject: str, key, issuer_name: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                         crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def organization(tmp_path_factory):
    """An organization's CA and a signer key it issued, as PEM files (the key encrypted)."""
    folder = tmp_path_factory.mktemp("organization")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Example Labs Root CA", ca_key, "Example Labs Root CA", ca_key, ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = certificate("Robin Auditor", signer_key, "Example Labs Root CA", ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "signer.pem").write_bytes(signer.public_bytes(serialization.Encoding.PEM))
    (folder / "signer-key.pem").write_bytes(signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key file password")))
    (folder / "other-key.pem").write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder


def test_imported_key_signs_trusted_export(organization, shared_project, tmp_path):
    p12 = tmp_path / "robin.p12"
    facts = import_organization_key(organization / "signer-key.pem", organization / "signer.pem", p12, PASSWORD,
                                    chain=(organization / "ca.pem",), key_password=b"key file password")
    result = export_report(shared_project, "xlsx", tmp_path / "signed.xlsx", sign_key=p12, password=PASSWORD)
    report = verify_file(result.path, trust=organization / "ca.pem")

    assert facts["subject"] == "CN=Robin Auditor"
    assert facts["issuer"] == "CN=Example Labs Root CA"
    assert facts["self_signed"] is False
    assert facts["chain_certificates"] == 1
    assert b"PRIVATE KEY" not in p12.read_bytes()
    assert (p12.stat().st_mode & 0o077) == 0
    assert report.ok is True
    assert report.details["trust"] == "trusted (chains to the given certificate)"


def test_import_rejects_foreign_key(organization, tmp_path):
    with pytest.raises(UsageError, match="does not belong to the certificate"):
        import_organization_key(organization / "other-key.pem", organization / "signer.pem", tmp_path / "x.p12",
                                PASSWORD)
    assert not (tmp_path / "x.p12").exists()


def test_import_needs_key_password(organization, tmp_path):
    with pytest.raises(UsageError, match="encrypted"):
        import_organization_key(organization / "signer-key.pem", organization / "signer.pem", tmp_path / "x.p12",
                                PASSWORD)


def test_describe_rejects_wrong_password(organization, tmp_path):
    p12 = tmp_path / "robin.p12"
    import_organization_key(organization / "signer-key.pem", organization / "signer.pem", p12, PASSWORD,
                            key_password=b"key file password")
    with pytest.raises(UsageError, match="password is wrong"):
        describe(p12, b"not the password")


def test_complete_project_passes_checklist(shared_project):
    disclosure = build_disclosure(shared_project, draft=False, signed=True)
    statuses = {item.id: item.status for item in disclosure.checklist}

    assert len(disclosure.checklist) == 24
    assert [item.id for item in disclosure.checklist] == list(range(1, 25))
    assert statuses[6] == NOT_APPLICABLE
    assert statuses[21] == NOT_APPLICABLE
    assert {number for number, status in statuses.items() if status == PRESENT} == set(range(1, 25)) - {6, 21}
    assert disclosure.checklist[19].shown_in == ("Uncertainty",)


def test_unsigned_export_misses_signature_item(shared_project):
    disclosure = build_disclosure(shared_project, draft=False, signed=False)
    item = disclosure.checklist[23]

    assert item.status == MISSING
    assert item.detail == "the export is not signed (give a signing key)"
    assert item.shown_in == ()


def test_uncertainty_not_computed_blocks_final(shared_project, signing_key, facts, tmp_path):
    with pytest.raises(DisclosureIncompleteError) as caught:
        export_report(shared_project, "pdf", tmp_path / "final.pdf", sign_key=signing_key, password=facts.password,
                      uncertainty=no_uncertainty)
    draft = export_report(shared_project, "pdf", tmp_path / "draft.pdf", draft=True, uncertainty=no_uncertainty)

    assert [number for number, _, _ in caught.value.items] == [20, 22]
    assert caught.value.items[0][2] == "uncertainty not computed: uncertainty was not computed for this export"
    assert not (tmp_path / "final.pdf").exists()
    assert [item["id"] for item in draft.open_items] == [20, 22, 24]
    assert draft.manifest["uncertainty"]["computed"] is False


def test_comparison_without_intervals_blocks_final(shared_project, signing_key, facts, tmp_path):
    def point_values_only(context):
        sets = (SetResult("baseline", "0" * 64, {"total_co2e_kg": 1.0}, {}),
                SetResult("other", "1" * 64, {"total_co2e_kg": 2.0}, {}))
        return ComparisonSummary("baseline", "point values only", sets=sets,
                                 deltas=(SetDelta("baseline", "other", "footprint", "total_co2e_kg", 1.0, 2.0),))

    with pytest.raises(DisclosureIncompleteError) as caught:
        export_report(shared_project, "json", tmp_path / "final.json", sign_key=signing_key, password=facts.password,
                      comparison=point_values_only)
    one_set = build_disclosure(shared_project, draft=True)

    assert caught.value.items == [(21, "Comparison of assumption sets (scenario uncertainty)",
                                   "the differences between assumption sets lack their 95 % intervals or P(B < A)")]
    assert {item.id: item.status for item in one_set.checklist}[21] == NOT_APPLICABLE
    assert one_set.comparison.method == "one assumption set: nothing to compare"
    assert [item.name for item in one_set.comparison.sets] == ["baseline"]


def test_not_applicable_only_where_allowed(audit_project):
    with pytest.raises(UsageError, match="names no checklist item that can be stated not applicable"):
        report_info.set_fields(audit_project, {"not_applicable.20": "no time for uncertainty"})
    report_info.set_fields(audit_project, {"not_applicable.6": ""})
    statuses = {item.id: item.status for item in build_disclosure(audit_project, draft=True).checklist}

    assert statuses[6] == MISSING
    assert statuses[20] == PRESENT
