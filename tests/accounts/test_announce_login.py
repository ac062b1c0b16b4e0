"""announce_login: once the web server answers, the URL and login are printed again."""

import io
import socket
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _demo_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_USERNAME", raising=False)


def announce(*args: str) -> str:
    out = io.StringIO()
    call_command("announce_login", *args, stdout=out)
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_prints_the_url_login_and_where_the_password_is_kept(live_server, tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    password = (tmp_path / "demo-admin-password").read_text().strip()
    address = urlsplit(live_server.url)

    output = announce("--host", address.hostname, "--port", str(address.port), "--wait", "10")

    assert f"Marketing Hunting is running on http://{address.hostname}:{address.port}/" in output
    assert "Login: admin" in output
    assert f"Password: {password}  (also kept in {tmp_path / 'demo-admin-password'})" in output
    assert "Ctrl-C stops web, worker, beat and collector." in output


def test_a_changed_password_is_not_printed(live_server, tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    (tmp_path / "demo-admin-password").write_text("not-the-password\n")
    address = urlsplit(live_server.url)

    output = announce("--host", address.hostname, "--port", str(address.port), "--wait", "10")

    assert "not-the-password" not in output
    assert "no longer opens it" in output


def test_a_web_server_that_never_answers_is_one_line_not_a_traceback():
    port = free_port()

    with pytest.raises(CommandError) as error:
        announce("--port", str(port), "--wait", "1")

    assert str(error.value) == (
        f"The web server did not answer on http://127.0.0.1:{port}/ within 1 s; "
        "see the web process's lines above."
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "http"], "'http' is not a whole number."),
        (["--port", "70000"], "70000 is not between 1 and 65535."),
        (["--wait", "-5"], "-5 is not between 0 and 3600."),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_line(args, message):
    with pytest.raises(CommandError, match=message):
        announce(*args)
