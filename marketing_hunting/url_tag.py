"""``{% url %}`` with its answers remembered per process (a template builtin, so every
template's ``{% url %}`` is this one).

Django's tag calls ``reverse`` on every render: the resolver's lookup, quoting, the script
prefix, the URLconf and the language each read from the request's context-local storage, ~70
µs a tag. Pages render 16 (the run page) to 65 (the dashboard) of them, most the same on
every view (the nav bar, the user menu, the page's own buttons): 1 to 5 ms of CPU per page, the
largest single cost of the dashboard's template (issue #18 item 9, docs/benchmarks.md).

A URL depends only on the pattern, its arguments, the current app, the script prefix, the
URLconf and the language, which the key holds; it is remembered only when every argument is
an ``int`` or a ``str`` (a model instance's ``str`` may change, ``True`` would share
``1``'s key). Failures are never remembered: ``NoReverseMatch`` behaves as before. A changed
setting (tests override ``ROOT_URLCONF``) forgets everything.
"""

from typing import Any

from django.core.signals import setting_changed
from django.template import Library
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = Library()

# Bounded: a key per pattern and id (the dashboard's brand and report links); when full it
# starts again rather than keeping an order (cheaper than an LRU on every hit).
MAX_URLS = 4096
_urls: dict[tuple, tuple[str, str]] = {}


def _plain(value: object) -> bool:
    # str subclasses too: a template's quoted names are SafeStrings.
    return type(value) is int or isinstance(value, str)


def forget_urls(**_: Any) -> None:
    _urls.clear()


setting_changed.connect(forget_urls, dispatch_uid="marketing_hunting.url_tag.forget_urls")


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (_plain(view_name) and all(map(_plain, args)) and all(map(_plain, kwargs.values()))):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (
            view_name,
            tuple(args),
            tuple(kwargs.items()),
            current_app,
            get_script_prefix(),
            get_urlconf(),
            get_language(),
        )
        found = _urls.get(key)
        if found is None:
            try:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # Django's handling: raised, or "" with "as".
            if len(_urls) >= MAX_URLS:
                _urls.clear()
            found = _urls[key] = (url, conditional_escape(url))
        if self.asvar:
            context[self.asvar] = found[0]
            return ""
        return found[1] if context.autoescape else found[0]


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    node = django_url(parser, token)
    node.__class__ = CachedURLNode
    return node
