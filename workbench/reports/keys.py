"""Self-signed signing keys for trying the signing workflow and for tests.

A self-signed certificate proves only that the files were not changed after signing; anyone
can make one with any name. For disclosures, sign with a key whose certificate an
organization's certificate authority issued, and give verifiers that authority's certificate.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from workbench.errors import UsageError

log = logging.getLogger(__name__)

RSA_KEY_BITS = 3072


def create_self_signed_p12(p12_path: str | Path, password: bytes, *, common_name: str,
                           organization: str | None = None, days: int = 365) -> Path:
    """Create an RSA key with a self-signed certificate and store both in a PKCS#12 file.

    The certificate is also written as PEM beside it (same stem, ``.pem``), so verifiers can
    pass it as the trusted certificate. Raises UsageError if either file already exists,
    because overwriting a key file loses the key.
    """
    p12_path = Path(p12_path)
    pem_path = p12_path.with_suffix(".pem")
    for path in (p12_path, pem_path):
        if path.exists():
            raise UsageError(f"{path} already exists", hint="Choose another name; an existing key is never overwritten.")
    if not password:
        raise UsageError("a PKCS#12 key file needs a password", hint="Give a non-empty password.")

    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    certificate = _self_signed_certificate(key, common_name, organization, days)
    p12_bytes = pkcs12.serialize_key_and_certificates(
        common_name.encode("utf-8"), key, certificate, None, serialization.BestAvailableEncryption(password))

    _write_private(p12_path, p12_bytes)
    pem_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    log.info("created self-signed key %s for '%s' (certificate %s)", p12_path, common_name, pem_path)
    return p12_path


def _self_signed_certificate(key: rsa.RSAPrivateKey, common_name: str, organization: str | None,
                             days: int) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    name = x509.Name(attributes)
    now = datetime.now(timezone.utc)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                              ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable only by its owner (on POSIX systems)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
