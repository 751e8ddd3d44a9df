"""Signing keys: self-signed ones for trying the workflow, and an organization's keys imported into PKCS#12.

A self-signed certificate proves only that the files were not changed after signing; anyone
can make one with any name. For disclosures, sign with a key whose certificate an
organization's certificate authority issued, and give verifiers that authority's certificate.

The workbench stores no keys. A key lives in a password-protected PKCS#12 file that the user
keeps and passes to every signing command; :func:`import_key` only converts a key and its
certificate into such a file and never writes the key unencrypted.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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


# -- importing an organization's key -----------------------------------------------------------------

def import_key(key_path: str | Path, certificate_path: str | Path, p12_path: str | Path, password: bytes, *,
               chain_paths: tuple[str | Path, ...] = (), key_password: bytes | None = None) -> Path:
    """Bundle a private key and its certificate (PEM or DER) into a new, password-protected PKCS#12 file.

    ``chain_paths`` adds the issuing certificates, so verifiers can build the path to the
    organization's root. ``key_password`` opens an encrypted key file. The key is written only
    encrypted; the workbench keeps no copy. Raises UsageError when a file cannot be read, the key
    does not belong to the certificate, the output exists or the password is empty.
    """
    p12_path = Path(p12_path)
    if p12_path.exists():
        raise UsageError(f"{p12_path} already exists", hint="Choose another name; an existing key is never overwritten.")
    if not password:
        raise UsageError("a PKCS#12 key file needs a password", hint="Give a non-empty password.")
    key = _load_private_key(Path(key_path), key_password)
    certificate = _load_certificate(Path(certificate_path))
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo):
        raise UsageError(f"{key_path}: the private key does not belong to the certificate in {certificate_path}",
                         hint="Give the key and the certificate issued for it.")
    chain = [_load_certificate(Path(path)) for path in chain_paths]
    name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    label = (name[0].value if name else certificate.subject.rfc4514_string()).encode("utf-8")
    data = pkcs12.serialize_key_and_certificates(label, key, certificate, chain or None,
                                                 serialization.BestAvailableEncryption(password))
    _write_private(p12_path, data)
    log.info("imported the key of '%s' into %s (%d chain certificates)", label.decode(), p12_path, len(chain))
    return p12_path


def _load_private_key(path: Path, password: bytes | None) -> Any:
    data = _read(path, "key")
    for loader in (serialization.load_pem_private_key, serialization.load_der_private_key):
        try:
            return loader(data, password=password or None)
        except TypeError:
            raise UsageError(f"{path}: the key file is encrypted", hint="Give its password with --key-password-file.") \
                from None
        except ValueError:
            continue
    raise UsageError(f"{path}: not a PEM or DER private key, or the key password is wrong",
                     hint="Export the key as PEM or DER (PKCS#8) and check its password.")


def _load_certificate(path: Path) -> x509.Certificate:
    data = _read(path, "certificate")
    for loader in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            return loader(data)
        except ValueError:
            continue
    raise UsageError(f"{path}: not a PEM or DER certificate", hint="Give the certificate issued for the key.")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: the {what} file cannot be read ({exc.strerror})") from None


def describe_p12(p12_path: str | Path, password: bytes | None) -> dict[str, Any]:
    """Return the certificate facts of a PKCS#12 key file: subject, issuer, validity, fingerprint, chain length."""
    p12_path = Path(p12_path)
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(_read(p12_path, "key"), password)
    except ValueError:
        raise UsageError(f"{p12_path}: the key cannot be loaded; the password is wrong or the file is not PKCS#12",
                         hint="Check the password file and that the key file is a .p12.") from None
    if certificate is None or key is None:
        raise UsageError(f"{p12_path}: the file contains no key with its certificate")
    return {
        "file": str(p12_path), "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(), "self_signed": certificate.issuer == certificate.subject,
        "not_valid_before": certificate.not_valid_before_utc.isoformat(),
        "not_valid_after": certificate.not_valid_after_utc.isoformat(),
        "sha256_fingerprint": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
        "key_type": type(key).__name__, "chain_certificates": len(chain or []),
    }
