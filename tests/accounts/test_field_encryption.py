"""FIELD_ENCRYPTION_KEY: secrets encrypted at rest, keys from the environment, rotation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import OrganizationLLM
from marketing_hunting import field_encryption
from marketing_hunting.field_encryption import EncryptionUnavailable
from tests.accounts.llm_data import ORG_KEY, new_fernet_key, save_own_connection

ROOT = Path(__file__).resolve().parents[2]


def test_a_secret_comes_back_from_its_token_and_the_token_is_not_the_secret(settings):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]

    token = field_encryption.encrypt(ORG_KEY)

    assert ORG_KEY not in token and ORG_KEY[-8:] not in token
    assert field_encryption.decrypt(token) == ORG_KEY


def test_without_a_key_nothing_is_encrypted_and_the_error_says_what_to_set(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    with pytest.raises(EncryptionUnavailable, match="FIELD_ENCRYPTION_KEY is not set"):
        field_encryption.encrypt(ORG_KEY)


def test_a_token_from_another_key_is_reported_not_crashed_on(settings):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    token = field_encryption.encrypt(ORG_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]

    with pytest.raises(EncryptionUnavailable, match="cannot be decrypted"):
        field_encryption.decrypt(token)


@pytest.mark.parametrize(
    "raw", ["not-a-key", "c2hvcnQ=", new_fernet_key() + ",also-not-a-key", "é" * 44]
)
def test_a_malformed_key_is_refused_naming_which(raw):
    with pytest.raises(ValueError, match="not a Fernet key"):
        field_encryption.parse_keys(raw)


def test_several_keys_are_read_in_order():
    first, second = new_fernet_key(), new_fernet_key()

    assert field_encryption.parse_keys(f" {first} , {second} ,") == [first, second]


def test_a_malformed_key_in_the_environment_stops_start_up_with_a_clear_message(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
        "DEBUG": "true",
        "SECRET_KEY": "x",
        "VAR_DIR": str(tmp_path),
        "FIELD_ENCRYPTION_KEY": "hunter2",
    }
    env.pop("FIELD_ENCRYPTION_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY: key number 1 is not a Fernet key" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_rotation_re_encrypts_stored_keys_under_the_new_first_key(settings, org_a, alice, capsys):
    old, new = new_fernet_key(), new_fernet_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    save_own_connection(org_a, "")
    before = OrganizationLLM.objects.get(organization=org_a).api_key_encrypted

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_field_encryption")

    after = OrganizationLLM.objects.get(organization=org_a).api_key_encrypted
    assert after != before
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can go now
    assert field_encryption.decrypt(after) == ORG_KEY
    assert "1 stored secret re-encrypted" in capsys.readouterr().out


@pytest.mark.django_db
def test_rotation_reports_a_secret_no_key_opens_and_leaves_it(settings, org_a, alice):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    save_own_connection(org_a, "")
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]

    with pytest.raises(Exception, match="could not be decrypted"):
        call_command("rotate_field_encryption")
    assert OrganizationLLM.objects.get(organization=org_a).api_key_encrypted
