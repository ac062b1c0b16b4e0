from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.tenancy import scoped_queryset
from feeds.models import Feed


def feed_list(request: HttpRequest) -> HttpResponse:
    feeds = scoped_queryset(request, Feed).order_by("name")
    return render(request, "feeds/feed_list.html", {"feeds": feeds})
