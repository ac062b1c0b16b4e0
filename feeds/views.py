from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.request_cache import cached_for_organization, cached_markup
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from feeds.article_rows import article_rows_html
from feeds.forms import ArticleFilterForm, FeedForm, OpmlImportForm
from feeds.models import Article, Feed, FetchStatus
from feeds.parsing import FeedParseError, NotAFeed
from feeds.services import feeds as feed_services
from feeds.services.opml import opml_export, opml_import
from outbound import FetchError

ARTICLES_PER_PAGE = 50


def feed_list(request: HttpRequest) -> HttpResponse:
    week_ago = timezone.now() - timedelta(days=7)
    feeds = (
        scoped_queryset(request, Feed)
        .annotate(
            articles_7d=Count("articlefeed", filter=Q(articlefeed__first_seen_at__gte=week_ago))
        )
        .order_by("name")
    )
    feeds = list(feeds)
    enabled = [feed for feed in feeds if feed.enabled]
    # Every enabled feed unreachable: say "offline?" once; each feed keeps its details.
    offline = bool(enabled) and all(feed.unreachable for feed in enabled)
    # The dashboard's "Failing feeds" link: the enabled feeds whose last fetch failed. Any
    # other value shows every feed, as the plain page does.
    failing_only = request.GET.get("status") == "failing"
    if failing_only:
        feeds = [feed for feed in enabled if feed.last_status == FetchStatus.ERROR]
    context = {"feeds": feeds, "offline": offline, "failing_only": failing_only}
    return render(request, "feeds/feed_list.html", context)


def _preview_context(url: str) -> dict[str, object]:
    try:
        preview = feed_services.feed_preview(url=url)
    except NotAFeed as exc:
        return {"preview_error": exc.message, "alternates": exc.alternates}
    except (FetchError, FeedParseError) as exc:
        return {"preview_error": exc.message}
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise  # the address rule: the form shows it on its field
        return {"preview_error": " ".join(exc.messages)}
    return {"preview": preview}


def _apply_errors(form: FeedForm, error: ValidationError) -> None:
    # A keyword search hides the URL field (its URL is built): show URL errors by the keywords.
    search = form.cleaned_data.get("source") == "search"
    add_service_errors(form, error, rename={"url": "keywords"} if search else None)


def _feed_form(request: HttpRequest, feed: Feed | None) -> HttpResponse:
    form = FeedForm(request.POST or None, instance=feed)
    if "_test" in request.POST:
        # Testing an address must not wait for a name to be typed.
        form.fields["name"].required = False
    context: dict[str, object] = {"form": form, "feed": feed}
    if request.method == "POST" and form.is_valid():
        if "_test" in request.POST:
            url = form.cleaned_data.get("url") or (feed.url if feed else "")
            if form.cleaned_data["source"] == "search":
                try:
                    url = feed_services.search_feed_url(
                        keywords=form.cleaned_data["keywords"],
                        language=form.cleaned_data["language"],
                        country=form.cleaned_data["country"],
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                    return render_drawer(request, "feeds/feed_form.html", context)
            try:
                context.update(_preview_context(url))
            except ValidationError as error:
                _apply_errors(form, error)
            return render_drawer(request, "feeds/feed_form.html", context)
        try:
            if feed is None:
                feed = feed_services.feed_create(
                    organization=request_organization(request), **form.feed_values()
                )
                messages.success(request, f"Feed “{feed}” added; it will be fetched shortly.")
            else:
                feed_services.feed_update(feed=feed, **form.feed_values())
                messages.success(request, f"Feed “{feed}” saved.")
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return drawer_done(request, reverse("feeds:list"))
    return render_drawer(request, "feeds/feed_form.html", context)


def feed_create(request: HttpRequest) -> HttpResponse:
    return _feed_form(request, None)


def feed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _feed_form(request, get_object_for_request(request, Feed, pk=pk))


def feed_delete(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_for_request(request, Feed, pk=pk)
    if request.method == "POST":
        name = str(feed)
        feed_services.feed_delete(feed=feed)
        messages.success(request, f"Feed “{name}” deleted. Its articles were kept.")
        return drawer_done(request, reverse("feeds:list"))
    return render_drawer(request, "feeds/feed_delete.html", {"feed": feed})


@require_POST
def feed_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_for_request(request, Feed, pk=pk)
    feed_services.feed_set_enabled(feed=feed, enabled=not feed.enabled)
    state = "enabled" if feed.enabled else "disabled"
    messages.success(request, f"Feed “{feed}” {state}.")
    return redirect("feeds:list")


@require_POST
def feed_refresh_now(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_for_request(request, Feed, pk=pk)
    try:
        feed_services.feed_refresh_enqueue(feed=feed)
    except feed_services.QueueUnavailable:
        messages.error(
            request,
            "The task queue is not answering, so the refresh could not be started. "
            "Try again in a minute; an operator can check /readyz.",
        )
    else:
        messages.success(request, f"Refreshing “{feed}” now. New articles appear in a moment.")
    return redirect("feeds:list")


def feed_import(request: HttpRequest) -> HttpResponse:
    form = OpmlImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            with transaction.atomic():
                report = opml_import(organization=request_organization(request), data=data)
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            context["report"] = report
            if report.added:
                messages.success(request, f"Imported {len(report.added)} feeds.")
    return render_drawer(request, "feeds/opml_import.html", context)


def feed_export(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    response = HttpResponse(
        opml_export(organization=organization), content_type="text/x-opml; charset=utf-8"
    )
    filename = f"{slugify(organization.name) or 'feeds'}-feeds.opml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def article_list(request: HttpRequest) -> HttpResponse:
    # The feed filter's choices, cached until a feed changes (accounts.request_cache).
    feeds = cached_for_organization(
        request_organization(request).pk,
        "article-feed-choices",
        lambda: list(scoped_queryset(request, Feed).order_by("name").values_list("id", "name")),
    )
    form = ArticleFilterForm(request.GET or None, feeds=feeds)
    articles = scoped_queryset(request, Article).order_by("-published_at", "-id")
    if form.is_bound:
        form.is_valid()
        # Each valid filter applies; an invalid one is shown as an error and left out.
        data = form.cleaned_data
        if data.get("q"):
            articles = articles.filter(title__icontains=data["q"])
        if data.get("feed"):
            articles = articles.filter(feeds__id=data["feed"])
        if data.get("status"):
            articles = articles.filter(status=data["status"])
        if data.get("since"):
            articles = articles.filter(published_at__date__gte=data["since"])
    # Pages of ids; the page's rows as markup, cached under the organization's generation
    # (every committed write of an article, its extraction's raw SQL included, replaces it) and
    # the language, time zone and script prefix: 50 model instances and rows a view otherwise.
    ids = articles.values_list("pk", flat=True)
    page = Paginator(ids, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    page_ids = list(page.object_list)
    rows = []
    if page_ids:
        rows = cached_markup(
            request_organization(request).pk,
            "article-rows",
            lambda: article_rows_html(_article_rows(page_ids)),
            ids=page_ids,
        )
    return render(request, "feeds/article_list.html", {"form": form, "page": page, "rows": rows})


def _article_rows(ids: list[int]) -> list[Article]:
    """The articles of one page of the list, in the order of ``ids``, with what a row shows."""
    articles = Article.objects.filter(pk__in=ids).only(
        "id",
        "title",
        "canonical_url",
        "published_at",
        "status",
        "language",
        "word_count",
        "duplicate_of_id",
    )
    by_id = {article.pk: article for article in articles}
    return [by_id[pk] for pk in ids if pk in by_id]


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_for_request(request, Article.objects.select_related("duplicate_of"), pk=pk)
    return render(
        request,
        "feeds/article_detail.html",
        {
            "article": article,
            "source_feeds": article.feeds.order_by("name"),
            "duplicates": article.duplicates.order_by("id")[:20],
        },
    )
