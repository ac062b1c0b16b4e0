import pytest
from django.http import Http404
from django.test import RequestFactory

from accounts.tenancy import get_object_for_request, scoped_queryset
from feeds.models import Feed


def _request_in(organization: object) -> object:
    request = RequestFactory().get("/")
    request.organization = organization
    return request


def test_scoped_queryset_returns_only_the_request_organizations_rows(org_a, org_b):
    mine = Feed.objects.create(organization=org_a, name="Mine", url="https://a.example/feed")
    Feed.objects.create(organization=org_b, name="Theirs", url="https://b.example/feed")

    assert list(scoped_queryset(_request_in(org_a), Feed)) == [mine]


def test_another_organizations_object_is_a_404(org_a, org_b):
    theirs = Feed.objects.create(organization=org_b, name="Theirs", url="https://b.example/feed")

    with pytest.raises(Http404):
        get_object_for_request(_request_in(org_a), Feed, pk=theirs.pk)


def test_a_request_without_organization_sees_nothing(org_a):
    Feed.objects.create(organization=org_a, name="Mine", url="https://a.example/feed")

    with pytest.raises(Http404):
        scoped_queryset(_request_in(None), Feed)


def test_scoping_also_applies_to_a_prefiltered_queryset(org_a, org_b):
    Feed.objects.create(organization=org_a, name="A off", url="https://a.example/1", enabled=False)
    Feed.objects.create(organization=org_b, name="B off", url="https://b.example/1", enabled=False)

    disabled = scoped_queryset(_request_in(org_a), Feed.objects.filter(enabled=False))

    assert [feed.name for feed in disabled] == ["A off"]
