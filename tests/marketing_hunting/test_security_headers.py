"""Content-Security-Policy and Permissions-Policy headers (issue #17, item 9).

The browser half (pages working under the policy, injected scripts refused) is
``tests/browser/test_content_security_policy_browser.py``.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy_of(response) -> dict[str, str]:
    return dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )


@pytest.mark.parametrize("path", ["/login/", "/password_reset/", "/no-such-page/", "/healthz"])
def test_every_response_carries_both_policies(db, path):
    response = Client().get(path)

    policy = policy_of(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_each_page_gets_its_own_nonce_and_its_scripts_carry_it(client_for, alice):
    client = client_for(alice)
    first, second = client.get("/"), client.get("/")

    nonces = [
        re.search(r"'nonce-([^']+)'", policy_of(r)["script-src"]).group(1) for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    html = first.content.decode()
    htmx_tags = re.findall(r"<script[^>]*htmx[^>]*>", html)
    assert htmx_tags and all(f'nonce="{nonces[0]}"' in tag for tag in htmx_tags)
    # htmx is told not to inject its <style> nor run swapped-in <script> tags.
    assert '"includeIndicatorStyles": false' in html and '"allowScriptTags": false' in html


def test_no_template_needs_an_inline_script_handler_or_style():
    """The policy refuses these; a template that used one would break in the browser."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+="):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []
