"""ETags on detail reads: the hash of the body, so any change to what is shown changes it;
``If-None-Match`` with the current tag is a 304 without the body."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from pydantic import BaseModel


def detail_response(request: HttpRequest, body: BaseModel) -> HttpResponse:
    content = body.model_dump_json().encode()
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    # The body differs by key (organization): shared caches must not serve it to others.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization"
    return response
