"""Signing keys for the CLI and the GUI: create a self-signed key, import an organization's key, describe one.

The workbench never stores a private key. Each key is a password-protected PKCS#12 file the user
keeps; exports and sign-offs load it for one signature and forget it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.reports import keys


def new_self_signed(out: str | Path, password: bytes, *, common_name: str, organization: str | None = None,
                    days: int = 365) -> dict[str, Any]:
    """Create a self-signed PKCS#12 key (and its certificate as PEM beside it) and describe it."""
    path = keys.create_self_signed_p12(out, password, common_name=common_name, organization=organization, days=days)
    return dict(keys.describe_p12(path, password), certificate=str(Path(path).with_suffix(".pem")))


def import_organization_key(key: str | Path, certificate: str | Path, out: str | Path, password: bytes, *,
                            chain: tuple[str | Path, ...] = (), key_password: bytes | None = None) -> dict[str, Any]:
    """Bundle an organization's key, certificate and chain into a new encrypted PKCS#12 file and describe it."""
    path = keys.import_key(key, certificate, out, password, chain_paths=chain, key_password=key_password)
    return keys.describe_p12(path, password)


def describe(p12: str | Path, password: bytes | None) -> dict[str, Any]:
    """Return the certificate facts of a PKCS#12 key file."""
    return keys.describe_p12(p12, password)
