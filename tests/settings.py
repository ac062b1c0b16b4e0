"""Settings for the test suite: the production settings with test-only relaxations.

Everything else (DATABASE_URL, REDIS_URL) still comes from the environment, so the same suite runs
embedded (SQLite + filesystem broker) and in CI (PostgreSQL + Redis).
"""

import os
from pathlib import Path

# Tests run with DEBUG off, like production, but over plain HTTP on 127.0.0.1.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Keep the test database, broker folders and cache apart from a running `make run` instance.
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from marketing_hunting.settings import *  # noqa: F403
from marketing_hunting.settings import STORAGES

# No collectstatic in tests: serve static files from the app folders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Hashing passwords slowly is a production virtue and a test-suite cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True  # Test servers listen on 127.0.0.1.
