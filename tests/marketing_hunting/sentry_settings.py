"""Test settings for the error-tracking web test: the project's URLs plus a failing view."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.marketing_hunting.sentry_urls"
