"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

Clients branch on ``code`` (stable, snake_case) and show ``message`` (a sentence for people).
``details`` lists the fields at fault when a request was refused for its input. A 404 says the
same whether the row does not exist or belongs to another organization.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.quotas import QuotaExceeded

logger = logging.getLogger("api")


class FieldError(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[FieldError] = []


class ErrorResponse(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raised anywhere under the API: becomes the error body with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    from api.main import api

    body = {"error": {"code": code, "message": message, "details": details or []}}
    response = HttpResponse(
        api.renderer.render(None, body, response_status=status),  # type: ignore[arg-type]
        status=status,
        content_type="application/json",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _location(loc: Any) -> str:
    """The name the client wrote: ninja's locations read ("query", "limit"), or with the
    view's argument in between (("query", "query", "brnad")), or ("body", "payload", "url")."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("query", "path", "header", "cookie"):
        return parts[-1] if len(parts) > 1 else parts[0]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    return ".".join(parts) or "body"


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    details = []
    for error in errors:
        message = str(error.get("msg", "Invalid value."))
        if error.get("type") == "extra_forbidden":
            message = "Unknown field."
        details.append({"field": _location(error.get("loc", ())), "message": message})
    return details


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (``{"detail": ...}``) with ours."""

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(
            422, "invalid_input", "The request has invalid values.", _validation_details(exc.errors)
        )

    @api.exception_handler(QuotaExceeded)
    def _over_quota(request: HttpRequest, exc: QuotaExceeded) -> HttpResponse:
        # 409: the request is valid but conflicts with the organization's plan; retrying
        # works once something is deleted or the plan is raised.
        return error_response(409, "quota_exceeded", exc.messages[0])

    @api.exception_handler(DjangoValidationError)
    def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A service refused the input (the same rules as the pages' forms).
        if hasattr(exc, "error_dict"):
            details = [
                {"field": "body" if field == "__all__" else field, "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            details = [{"field": "body", "message": message} for message in exc.messages]
        return error_response(422, "invalid_input", " ".join(exc.messages), details)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            401,
            "missing_key",
            "Send an API key: Authorization: Bearer mh_….",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", "No such object in this organization.")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or "Not allowed.")

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(413, "too_large", "The request body is too large.")

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = "invalid_json" if exc.status_code == 400 else "error"
        return error_response(exc.status_code, code, str(exc))

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Something went wrong on our side.")
