"""Signing exports and checking their signatures, offline (pyHanko).

The PDF gets a PAdES B-B signature (CMS with subfilter ETSI.CAdES.detached, SHA-256). Any
other file gets a detached CAdES signature over its exact bytes, stored beside it as
``FILE.p7s``. Validation never touches the network: certificate paths are built only from the
certificates given, and revocation data is not fetched. Without a trusted certificate the
signer's own certificate serves as the anchor. The result then proves integrity but not
identity, and :class:`SignatureCheck` states this in ``trust_note``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Coroutine, Iterator

from asn1crypto import cms, x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms, extract_certs_for_validation
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from workbench.errors import UsageError

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "CarbonWorkbenchSignature"
DIGEST_ALGORITHM = "sha256"
SIGNATURE_SUFFIX = ".p7s"


@dataclass(frozen=True)
class SigningKey:
    """A loaded PKCS#12 key with the signer's name and certificate fingerprint."""

    signer: signers.SimpleSigner
    common_name: str
    fingerprint_sha256: str


@dataclass
class SignatureCheck:
    """Result of a signature check. ``problems`` lists every reason the check fails."""

    signed: bool
    intact: bool = False
    valid: bool = False
    covers_file: bool = False
    trusted: bool = False
    trust_note: str = ""
    signer: str | None = None
    fingerprint_sha256: str | None = None
    signing_time: str | None = None
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def integrity_ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.covers_file


def signature_path_for(path: Path) -> Path:
    """Return where the detached signature of ``path`` lives: ``FILE.p7s`` beside it."""
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def load_signing_key(p12_path: str | Path, password: bytes | None) -> SigningKey:
    """Load a PKCS#12 key file; raise UsageError if it is missing, unreadable or the password is wrong."""
    p12_path = Path(p12_path)
    try:
        data = p12_path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{p12_path}: the key file cannot be read ({exc.strerror})",
                         hint="Give the path of a PKCS#12 (.p12) key file.") from None
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=password)
    except ValueError:
        raise UsageError(f"{p12_path}: the key cannot be loaded; the password is wrong or the file is not PKCS#12",
                         hint="Check the password file and that the key file is a .p12 with a private key.") from None
    certificate = signer.signing_cert
    return SigningKey(signer, common_name(certificate), fingerprint(certificate))


def load_trusted_certificates(path: str | Path) -> list[x509.Certificate]:
    """Load the trusted certificates (PEM or DER, one or several) from ``path``."""
    try:
        certificates = list(load_certs_from_pemder([str(path)]))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: the trusted certificate cannot be read ({exc})",
                         hint="Give a PEM or DER certificate file.") from None
    if not certificates:
        raise UsageError(f"{path}: no certificate found", hint="Give a PEM or DER certificate file.")
    return certificates


def common_name(certificate: x509.Certificate) -> str:
    """Return the certificate subject's common name, or the whole subject if it has none."""
    return certificate.subject.native.get("common_name") or certificate.subject.human_friendly


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint of the DER certificate, as colon-separated hex (the form openssl prints)."""
    digest = hashlib.sha256(certificate.dump()).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


# -- signing -------------------------------------------------------------------------------------

def sign_pdf(writer: IncrementalPdfFileWriter, key: SigningKey, *, reason: str) -> bytes:
    """Sign the PDF in ``writer`` (PAdES B-B, invisible field) and return the signed file's bytes."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, reason=reason, md_algorithm=DIGEST_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES)
    output = io.BytesIO()
    signers.PdfSigner(metadata, signer=key.signer).sign_pdf(writer, output=output)
    log.info("signed PDF as '%s' (%s)", key.common_name, key.fingerprint_sha256)
    return output.getvalue()


def sign_detached(data: bytes, key: SigningKey) -> bytes:
    """Return a DER detached CAdES signature over ``data`` with a signing-time attribute."""
    attributes = PdfCMSSignedAttributes(signing_time=datetime.now(timezone.utc))
    content_info = _run(key.signer.async_sign_general_data(
        data, DIGEST_ALGORITHM, detached=True, use_cades=True, signed_attr_settings=attributes))
    log.info("signed %d bytes as '%s' (%s)", len(data), key.common_name, key.fingerprint_sha256)
    return content_info.dump()


# -- checking ------------------------------------------------------------------------------------

def check_pdf_signatures(reader: PdfFileReader, trusted: list[x509.Certificate] | None) -> SignatureCheck:
    """Validate every signature of an opened PDF; the last one must cover the whole file."""
    signatures = reader.embedded_signatures
    if not signatures:
        return SignatureCheck(signed=False, problems=["not signed: the PDF has no signature"])

    check = SignatureCheck(signed=True, intact=True, valid=True)
    for number, embedded in enumerate(signatures, 1):
        certificate = embedded.signer_cert
        context = _validation_context(certificate, trusted)
        with _quiet_pyhanko():
            status = validate_pdf_signature(embedded, signer_validation_context=context)
        check.intact &= bool(status.intact)
        check.valid &= bool(status.valid)
        if not status.intact:
            check.problems.append(f"signature {number}: the signed bytes were changed after signing")
        elif not status.valid:
            check.problems.append(f"signature {number}: the signature value does not match the signer's key")
        check.covers_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        _describe_signer(check, certificate, status.signer_reported_dt, bool(status.trusted), trusted)
        check.details[f"signature_{number}"] = _status_details(status)

    if not check.covers_file:
        check.problems.append("the last signature does not cover the whole file: bytes were added after signing")
    return check


def check_detached_signature(data: bytes, signature: bytes,
                             trusted: list[x509.Certificate] | None) -> SignatureCheck:
    """Validate a detached CMS signature (the bytes of a ``.p7s`` file) over ``data``."""
    content_info = cms.ContentInfo.load(signature)
    if content_info["content_type"].native != "signed_data":
        raise ValueError(f"the signature file contains CMS {content_info['content_type'].native}, not signed data")
    signed_data = content_info["content"]
    certificate = extract_certs_for_validation(signed_data).signer_cert
    context = _validation_context(certificate, trusted)
    with _quiet_pyhanko():
        status = _run(async_validate_detached_cms(data, signed_data, signer_validation_context=context))

    check = SignatureCheck(signed=True, intact=bool(status.intact), valid=bool(status.valid), covers_file=True)
    if not status.intact:
        check.problems.append("the file's SHA-256 digest differs from the signed digest: the file was changed")
    elif not status.valid:
        check.problems.append("the signature value does not match the signer's key")
    _describe_signer(check, certificate, status.signer_reported_dt, bool(status.trusted), trusted)
    check.details["signature_1"] = _status_details(status)
    return check


def _describe_signer(check: SignatureCheck, certificate: x509.Certificate, signing_time: datetime | None,
                     chains: bool, trusted: list[x509.Certificate] | None) -> None:
    check.signer = common_name(certificate)
    check.fingerprint_sha256 = fingerprint(certificate)
    if signing_time is not None:
        check.signing_time = signing_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if trusted is None:
        check.trusted = False
        if certificate.self_signed == "maybe" or certificate.self_signed == "yes":
            check.trust_note = "not trusted (self-signed)"
        else:
            check.trust_note = (f"not trusted (issued by {certificate.issuer.human_friendly}; "
                                "no trusted certificate was given)")
        return
    check.trusted = chains
    if chains:
        check.trust_note = "trusted (chains to the given certificate)"
    else:
        check.trust_note = "not trusted (does not chain to the given certificate)"
        check.problems.append(f"the signer '{check.signer}' (certificate SHA-256 {check.fingerprint_sha256}) "
                              "does not chain to the trusted certificate given")


def _validation_context(certificate: x509.Certificate, trusted: list[x509.Certificate] | None) -> ValidationContext:
    # Without a trust anchor, the signer's own certificate is the anchor: that checks the signature
    # and the certificate's validity period, but proves nothing about who the signer is.
    roots = list(trusted) if trusted is not None else [certificate]
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def _status_details(status: Any) -> dict[str, Any]:
    details = {"intact": bool(status.intact), "valid": bool(status.valid), "md_algorithm": status.md_algorithm}
    coverage = getattr(status, "coverage", None)
    if coverage is not None:
        details["coverage"] = coverage.name
        details["modification_level"] = getattr(status.modification_level, "name", None)
    return details


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """Hide pyHanko's warnings with tracebacks during validation; the check's problems report each failure."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _run(coroutine: Coroutine) -> Any:
    """Run one pyHanko coroutine to completion; callers run outside any event loop (CLI, worker threads)."""
    return asyncio.run(coroutine)
