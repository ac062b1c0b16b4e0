"""Secrets the app must keep and use again (an organization's own LLM API key), encrypted at
rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The keys come from ``FIELD_ENCRYPTION_KEY`` (or ``FIELD_ENCRYPTION_KEY_FILE``), never from the
database: a copy of the database alone reveals no secret. Several keys, comma-separated, make
rotation possible (``MultiFernet``): the first encrypts, every one decrypts, and
``manage.py rotate_field_encryption`` re-encrypts what is stored under the first
(docs/security.md, "Rotating FIELD_ENCRYPTION_KEY").

Without a key the app still runs: storing a secret is refused with a message that says what to
set, and a stored secret that no key opens is reported, never a crash elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import functools

from django.conf import settings

GENERATE_HINT = (
    "Generate one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)


class EncryptionUnavailable(Exception):
    """No FIELD_ENCRYPTION_KEY is set, or none of its keys opens a stored secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_keys(raw: str | None) -> list[str]:
    """The keys of a ``FIELD_ENCRYPTION_KEY`` value, checked: each must be a Fernet key (32
    bytes in URL-safe base64). ValueError says which one is not (settings turn it into a
    start-up error naming the variable)."""
    keys = [part.strip() for part in (raw or "").split(",") if part.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ValueError(
                f"key number {number} is not a Fernet key (32 bytes, URL-safe base64). "
                + GENERATE_HINT
            )
    return keys


def available() -> bool:
    return bool(settings.FIELD_ENCRYPTION_KEYS)


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]):  # type: ignore[no-untyped-def]
    # Imported on first use: start-up and pages that store no secret do not load OpenSSL.
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(key) for key in keys])


def _current():  # type: ignore[no-untyped-def]
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise EncryptionUnavailable(
            "FIELD_ENCRYPTION_KEY is not set, so secrets cannot be stored or read. "
            "An operator sets it in the environment (README, Configuration). " + GENERATE_HINT
        )
    return _fernet(keys)


def encrypt(plaintext: str) -> str:
    """The Fernet token (ASCII) of ``plaintext``, under the first key."""
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The secret in ``token``; EncryptionUnavailable when no configured key opens it."""
    from cryptography.fernet import InvalidToken

    fernet = _current()
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise EncryptionUnavailable(
            "The stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY: the key was "
            "changed without keeping the old one after it (docs/security.md, rotation). "
            "Enter the secret again."
        ) from None


def rotate(token: str) -> str:
    """``token`` re-encrypted under the first key (any configured key may open it)."""
    from cryptography.fernet import InvalidToken

    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise EncryptionUnavailable(
            "A stored secret cannot be decrypted with any FIELD_ENCRYPTION_KEY key."
        ) from None
