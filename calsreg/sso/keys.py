"""The OpenID Connect signing keys, read from the environment when the settings load.

No Django imports here: ``config/settings.py`` calls these before apps are ready.

- ``CALSREG_OIDC_PRIVATE_KEY``: the RSA private key (PEM text, or the path of a PEM file) that signs
  ID tokens (RS256). Its public half is published in the JWKS with its thumbprint as ``kid``.
- ``CALSREG_OIDC_PREVIOUS_PUBLIC_KEYS``: PEM blocks (text or a file path) of keys retired from
  signing but still published, so tokens signed before a rotation keep verifying while they drain
  (docs/sso.md, "Key rotation").

Without a key, debug mode makes one for this checkout in ``var/oidc-dev-key.pem`` (never for
production); with debug off the provider's endpoints answer 503 and ``check --deploy`` fails.
"""

from __future__ import annotations

import re
from pathlib import Path

PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


def pem_text(value: str) -> str:
    """PEM text from an environment value: the PEM itself (``\\n`` escapes allowed) or a file path."""
    value = value.strip().replace("\\n", "\n")
    if not value or value.startswith("-----BEGIN"):
        return value
    return Path(value).read_text(encoding="ascii").strip()


def pem_blocks(value: str) -> list[str]:
    """Each PEM block in ``value`` (text or a file path), in order."""
    return [match.group(0) for match in PEM_BLOCK.finditer(pem_text(value))]


def development_key(path: Path) -> str:
    """A private key kept in ``path`` for a debug checkout: made once, so every process signs alike."""
    if path.exists():
        return path.read_text(encoding="ascii")
    pem = rsa_private_key_pem()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(pem, encoding="ascii")
    return pem


def rsa_private_key_pem() -> str:
    """A new 2048-bit RSA private key as PKCS#8 PEM (development keys and tests)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(private_pem: str) -> str:
    """The public half of ``private_pem`` (what ``CALSREG_OIDC_PREVIOUS_PUBLIC_KEYS`` takes)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
