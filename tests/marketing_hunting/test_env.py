import pytest
from django.core.exceptions import ImproperlyConfigured

from marketing_hunting.env import Env


@pytest.mark.parametrize(
    "raw, expected", [("true", True), ("1", True), ("Off", False), ("no", False)]
)
def test_it_reads_booleans_in_the_usual_spellings(raw, expected):
    assert Env({"DEBUG": raw}).boolean("DEBUG", not expected) is expected


def test_a_misspelt_boolean_is_an_error_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='ture' is not a boolean"):
        Env({"DEBUG": "ture"}).boolean("DEBUG", False)


def test_an_unset_or_blank_value_falls_back_to_the_default():
    assert Env({}).boolean("DEBUG", True) is True
    assert Env({"EMAIL_PORT": "  "}).integer("EMAIL_PORT", 587) == 587


def test_integers_are_checked_for_form_and_range():
    env = Env({"EMAIL_PORT": "smtp", "BIG": "70000"})
    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_PORT=.smtp. is not a whole number"):
        env.integer("EMAIL_PORT", 587)
    with pytest.raises(ImproperlyConfigured, match=r"BIG=70000 is above the maximum of 65535"):
        env.integer("BIG", 1, maximum=65535)


@pytest.mark.parametrize("raw", ["5%", "1.5", "-0.1", "nan", "fast"])
def test_a_fraction_outside_0_to_1_is_an_error_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"RATE=.* is not a number from 0 to 1"):
        Env({"RATE": raw}).fraction("RATE", 0.0)


def test_fractions_read_as_numbers():
    assert Env({"RATE": "0.05"}).fraction("RATE", 0.0) == 0.05
    assert Env({"RATE": "1"}).fraction("RATE", 0.0) == 1.0
    assert Env({}).fraction("RATE", 0.25) == 0.25


def test_a_url_with_the_wrong_scheme_is_refused_without_showing_its_password():
    env = Env({"DATABASE_URL": "mysql://user:hunter2@db/app"})
    with pytest.raises(ImproperlyConfigured) as error:
        env.url("DATABASE_URL", schemes=("postgres", "sqlite"))
    assert "DATABASE_URL" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_csrf_origins_must_have_a_scheme():
    with pytest.raises(ImproperlyConfigured, match=r"CSRF_TRUSTED_ORIGINS entry 'example\.com'"):
        Env({"CSRF_TRUSTED_ORIGINS": "https://ok.example, example.com"}).origins(
            "CSRF_TRUSTED_ORIGINS"
        )


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE='Mars/Base' is not a known time"):
        Env({"TIME_ZONE": "Mars/Base"}).timezone("TIME_ZONE", "UTC")


def test_a_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text("s3cret\n")
    assert Env({"SECRET_KEY_FILE": str(secret_file)}).secret("SECRET_KEY") == "s3cret"


def test_a_missing_secret_file_is_an_error_naming_the_variable(tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY_FILE=.* cannot be read"):
        Env({"SECRET_KEY_FILE": str(tmp_path / "absent")}).secret("SECRET_KEY")


def test_a_secret_given_twice_is_ambiguous(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="either SECRET_KEY or SECRET_KEY_FILE"):
        Env({"SECRET_KEY": "a", "SECRET_KEY_FILE": str(tmp_path)}).secret("SECRET_KEY")
