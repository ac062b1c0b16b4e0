"""How two contact records are recognised as the same person, without storing who they are.

The same keys serve duplicate detection (email, or name at the same brand) and the erasure
list: an erased person's keys are kept as HMACs, so discovery never suggests them again.
"""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

_SPACE = re.compile(r"\s+")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive: "  Zoë  O'Neil" and "zoe o'neil" match."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACE.sub(" ", plain).strip().casefold()


def identity_keys(*, email: str, full_name: str, brand_id: int | None) -> list[str]:
    """The keys a person is known by: ``email:<address>`` and ``name:<brand>:<name>``."""
    keys = []
    if email.strip():
        keys.append(f"email:{normalize_email(email)}")
    if full_name.strip() and brand_id is not None:
        keys.append(f"name:{brand_id}:{normalize_name(full_name)}")
    return keys


def hashed_key(key: str, secret: str | None = None) -> str:
    """An identity key as stored after an erasure: useless to anyone without SECRET_KEY."""
    secret = settings.SECRET_KEY if secret is None else secret
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def hashed_forms(key: str) -> list[str]:
    """Every stored form an erasure of ``key`` may have: under the current SECRET_KEY and under
    each key it had before a rotation (``ERASURE_PREVIOUS_SECRET_KEYS``), so rotating the key
    does not let an erased person back in."""
    secrets = [settings.SECRET_KEY, *settings.ERASURE_PREVIOUS_SECRET_KEYS]
    return [hashed_key(key, secret) for secret in dict.fromkeys(secrets)]
