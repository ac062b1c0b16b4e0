"""The one NinjaAPI instance: routers of each app, our error bodies, docs from static files."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from api import errors

api = NinjaAPI(
    title="Marketing Hunting API",
    version="1",
    description=(
        "Reports, mentions, brands, feeds, contacts, email drafts, jobs and LLM usage of the "
        "organization an API key belongs to. Authenticate with `Authorization: Bearer mh_…` "
        "(keys are made in Organization settings). Guide: docs/api.md."
    ),
    urls_namespace="api",
    # Swagger UI from django-ninja's own static files (no CDN: the CSP allows 'self' only).
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def _routers() -> None:
    from accounts.api import router as usage_router
    from contacts.api import drafts_router
    from contacts.api import router as contacts_router
    from feeds.api import router as feeds_router
    from jobs.api import executions_router, jobs_router
    from reports.api import mentions_router, reports_router
    from reports.brand_api import brands_router

    api.add_router("/reports", reports_router)
    api.add_router("/mentions", mentions_router)
    api.add_router("/brands", brands_router)
    api.add_router("/feeds", feeds_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/drafts", drafts_router)
    api.add_router("/jobs", jobs_router)
    api.add_router("/executions", executions_router)
    api.add_router("/usage", usage_router)


_routers()
