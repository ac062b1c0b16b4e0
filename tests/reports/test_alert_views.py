"""The alert pages: the rule drawer (owners and admins), bad input kept in place, the
notifications page and the bell, mark read, mutes, and other organizations' rows as 404."""

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import html

from reports.alerts.models import Alert, AlertKind, AlertMute, AlertNotification, AlertRule
from reports.alerts.services import alerts_evaluate
from reports.models import BrandGroup
from tests.reports.alert_builders import make_rule, mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db

RULES = "/alerts/rules/"
NEW = "/alerts/rules/new/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def _form(**values):
    data = {
        "name": "Spikes",
        "kind": "spike",
        "group": "",
        "spike_factor": "3",
        "min_mentions": "5",
        "baseline_days": "28",
        "cluster_size": "3",
        "negative_threshold": "-0.3",
        "window_hours": "24",
        "min_confidence": "0.5",
        "cooldown_hours": "24",
        "webhook_url": "",
        "enabled": "on",
    }
    data.update(values)
    return data


def _alert(org, rule=None, name="Acme Corp"):
    brand = make_brand(org, name)
    now = timezone.now()
    for h in range(1, 6):
        mention_at(brand, now - timedelta(hours=h))
    rule = rule or make_rule(org, kind=AlertKind.SPIKE, min_mentions=5)
    [alert] = alerts_evaluate(organization_id=org.pk)
    return alert


def test_an_owner_creates_a_rule_in_the_drawer(client_for, alice, bob, org_a):
    client = client_for(alice)
    drawer = client.get(NEW, **HTMX)
    assert drawer.status_code == 200
    assert b"<html" not in drawer.content  # the partial alone
    assert doc(drawer).xpath("//input[@name='recipients'][@value=$v]", v=str(bob.pk))

    response = client.post(NEW, _form(recipients=[str(bob.pk)]), **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == RULES
    rule = AlertRule.objects.get()
    assert rule.organization == org_a and rule.created_by == alice
    assert list(rule.email_recipients.all()) == [bob]
    assert len(rule.webhook_secret) >= 40
    page = client.get(RULES).content.decode()
    assert "Spikes" in page and "more than 3× its 28-day daily median" in page  # noqa: RUF001


def test_the_form_works_without_javascript(client_for, alice, org_a):
    response = client_for(alice).post(NEW, _form(name="Plain"))
    assert response.status_code == 302 and response["Location"] == RULES
    assert AlertRule.objects.filter(name="Plain").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Enter a valid URL."),
        ("ftp://hooks.example.com/x", "Only http and https"),
        ("http://127.0.0.1:8000/hook", "127.0.0.1"),
        ("https://user:pw@hooks.example.com/x", "user name or password"),
    ],
)
def test_a_malformed_webhook_url_is_refused_in_place(
    client_for, alice, org_a, settings, url, message
):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    response = client_for(alice).post(NEW, _form(name="Hooked", webhook_url=url), **HTMX)

    assert response.status_code == 200
    errors = " ".join(doc(response).xpath("//div[contains(@class,'field-webhook_url')]//text()"))
    assert message.lower() in errors.lower()
    # What was typed stays.
    assert doc(response).xpath("//input[@name='name']/@value") == ["Hooked"]
    assert not AlertRule.objects.exists()


def test_a_group_rule_needs_a_group_and_only_our_groups_are_offered(
    client_for, alice, org_a, org_b
):
    theirs = BrandGroup.objects.create(organization=org_b, name="Their clients")
    client = client_for(alice)

    missing = client.post(NEW, _form(kind="group"), **HTMX)
    assert "Choose the group" in missing.content.decode()
    foreign = client.post(NEW, _form(kind="group", group=str(theirs.pk)), **HTMX)
    assert "Select a valid choice" in foreign.content.decode()
    assert not AlertRule.objects.exists()


def test_only_members_can_receive_the_emails(client_for, alice, org_a, charlie):
    response = client_for(alice).post(NEW, _form(recipients=[str(charlie.pk)]), **HTMX)
    assert "Select a valid choice" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_a_duplicate_name_is_refused_beside_the_field(client_for, alice, org_a):
    make_rule(org_a, name="Spikes")
    response = client_for(alice).post(NEW, _form(), **HTMX)
    assert "already exists" in response.content.decode()
    assert AlertRule.objects.count() == 1


def test_members_read_the_rules_but_cannot_change_them(client_for, bob, org_a):
    rule = make_rule(org_a, name="Spikes")
    client = client_for(bob)

    page = client.get(RULES)
    assert "Spikes" in page.content.decode()
    assert not doc(page).xpath(f"//a[@href='{NEW}']")
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _form(name="Mine")).status_code == 403
    assert client.post(f"/alerts/rules/{rule.pk}/edit/", _form(name="Mine")).status_code == 403
    assert client.post(f"/alerts/rules/{rule.pk}/delete/").status_code == 403
    assert AlertRule.objects.get().name == "Spikes"


def test_an_owner_edits_and_deletes_a_rule(client_for, alice, org_a):
    rule = make_rule(org_a, name="Spikes")
    client = client_for(alice)

    client.post(f"/alerts/rules/{rule.pk}/edit/", _form(name="Big spikes", cooldown_hours="48"))
    rule.refresh_from_db()
    assert (rule.name, rule.cooldown_hours) == ("Big spikes", 48)
    client.post(f"/alerts/rules/{rule.pk}/delete/")
    assert not AlertRule.objects.exists()


def test_another_organizations_rules_and_alerts_are_404(client_for, alice, org_a, charlie, org_b):
    alert = _alert(org_a)
    client = client_for(charlie)

    for url in (
        alert.get_absolute_url(),
        f"/alerts/rules/{alert.rule_id}/edit/",
        f"/alerts/rules/{alert.rule_id}/delete/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/alerts/rules/{alert.rule_id}/mute/", {"muted": "1"}).status_code == 404
    assert client.post(f"/alerts/rules/{alert.rule_id}/secret/").status_code == 404
    assert "Acme Corp" not in client.get("/alerts/").content.decode()


def test_the_bell_counts_unread_alerts_and_opening_one_reads_it(client_for, alice, bob, org_a):
    alert = _alert(org_a)
    client = client_for(bob)

    dashboard = doc(client.get("/"))
    assert dashboard.xpath("string(//a[contains(@class,'alert-bell')]//span[@class='alert-count'])")
    assert dashboard.xpath("string(//span[@class='alert-count'])").strip() == "1 unread"
    listing = client.get("/alerts/").content.decode()
    assert "Acme Corp" in listing and alert.summary in listing

    detail = client.get(alert.get_absolute_url()).content.decode()
    assert "The articles that caused it (5)" in detail
    assert not doc(client.get("/")).xpath("//span[@class='alert-count']")
    # Alice's copy is still unread.
    assert AlertNotification.objects.get(user=alice).read_at is None


def test_mark_all_read(client_for, alice, org_a):
    _alert(org_a)
    client = client_for(alice)
    client.post("/alerts/read/")
    assert not AlertNotification.objects.filter(read_at__isnull=True).exists()
    assert "Nothing unread" in client.get("/alerts/?show=unread").content.decode()


def test_a_member_mutes_a_rule_and_every_alert(client_for, bob, org_a):
    rule = make_rule(org_a, name="Spikes")
    client = client_for(bob)

    client.post(f"/alerts/rules/{rule.pk}/mute/", {"muted": "1"})
    assert AlertMute.objects.filter(user=bob, rule=rule).exists()
    assert "muted by you" in client.get(RULES).content.decode()
    client.post(f"/alerts/rules/{rule.pk}/mute/", {"muted": "0"})
    assert not AlertMute.objects.exists()

    client.post("/alerts/mute/", {"muted": "1"})
    assert AlertMute.objects.filter(user=bob, rule__isnull=True).exists()
    assert "You muted every alert" in client.get("/alerts/").content.decode()
    assert not Alert.objects.exists()


def test_deleting_a_group_says_which_alert_rules_go_with_it(client_for, alice, org_a):
    clients = BrandGroup.objects.create(organization=org_a, name="Clients")
    make_rule(org_a, name="Client news & more", kind=AlertKind.GROUP, group=clients)
    client = client_for(alice)

    drawer = client.get(f"/brands/groups/{clients.pk}/delete/", **HTMX).content.decode()
    assert "Its alert rules go with it: “Client news &amp; more”." in drawer
    client.post(f"/brands/groups/{clients.pk}/delete/")

    assert not AlertRule.objects.exists()
