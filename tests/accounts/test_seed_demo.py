import io
import re
import stat

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.management.commands.seed_demo import DEMO_FEEDS, DEMO_ORGANIZATION
from accounts.models import Membership, Organization, Role
from feeds.models import Feed


@pytest.fixture(autouse=True)
def _demo_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_USERNAME", raising=False)


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^{label}: (.+)$", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def test_running_it_twice_creates_everything_once(db):
    first = _seed()
    second = _seed()

    assert Organization.objects.filter(name=DEMO_ORGANIZATION).count() == 1
    assert Organization.objects.count() == 1
    assert User.objects.count() == 1
    assert Feed.objects.count() == len(DEMO_FEEDS) == 4
    assert '(4 new demo feeds, demo job "Hourly news sweep")' in first
    assert "(0 new demo feeds)" in second


def test_it_prints_a_login_and_password_that_open_the_account(db):
    output = _seed()

    user = User.objects.get(username=_printed(output, "Login"))
    assert user.check_password(_printed(output, "Password"))


def test_the_generated_password_is_printed_again_on_the_next_run(db, tmp_path):
    first = _printed(_seed(), "Password")

    second = _printed(_seed(), "Password")

    assert second == first
    password_file = tmp_path / "demo-admin-password"
    assert password_file.read_text().strip() == first
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600


def test_it_uses_demo_admin_password_when_set(db, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "chosen by the operator")

    output = _seed()

    assert _printed(output, "Password") == "chosen by the operator"
    assert User.objects.get(username="admin").check_password("chosen by the operator")


def test_a_new_demo_admin_password_resets_the_existing_account(db, monkeypatch):
    generated = _printed(_seed(), "Password")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "a later operator choice")

    output = _seed()

    admin = User.objects.get(username="admin")
    assert _printed(output, "Password") == "a later operator choice"
    assert admin.check_password("a later operator choice")
    assert not admin.check_password(generated)
    assert User.objects.count() == 1


def test_it_never_prints_a_password_that_no_longer_works(db):
    _seed()
    admin = User.objects.get(username="admin")
    admin.set_password("changed in the admin")
    admin.save()

    output = _seed()

    assert _printed(output, "Password").startswith("unchanged")
    assert User.objects.get(username="admin").check_password("changed in the admin")


def test_the_demo_admin_is_an_owner_and_a_superuser(db):
    _seed()

    admin = User.objects.get(username="admin")
    membership = Membership.objects.get(user=admin)
    assert membership.organization.name == DEMO_ORGANIZATION
    assert membership.role == Role.OWNER
    assert admin.is_superuser and admin.is_staff


def test_the_demo_feeds_belong_to_the_demo_organization(db, org_a):
    _seed()

    demo = Organization.objects.get(name=DEMO_ORGANIZATION)
    assert set(Feed.objects.values_list("organization", flat=True)) == {demo.pk}
    assert sorted(Feed.objects.values_list("name", flat=True)) == sorted(n for n, _ in DEMO_FEEDS)


def test_it_creates_one_hourly_demo_job_over_all_feeds(db, settings, tmp_path):
    from django_celery_beat.models import PeriodicTask

    from jobs.models import Job

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    job = Job.objects.get()
    assert job.name == "Hourly news sweep" and job.feeds.count() == 0  # All enabled feeds.
    assert PeriodicTask.objects.get(name=f"job:{job.pk}").enabled
