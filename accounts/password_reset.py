"""Password reset whose mail goes out after the response (issue #17, item 9).

Django's view sends the reset mail inside the request, only when the address belongs to an
account, so the time to answer (an SMTP round trip longer for a known address) told an
attacker which addresses exist. Here the form only collects the mail; the response
sends it from ``close()``, which the WSGI and ASGI handlers call once the response has been
sent. Both answers — known address or not — cost the same lookup and nothing more. A mail
server that fails is logged by Django's ``PasswordResetForm.send_mail``, which catches it:
nobody is waiting for that answer any more.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponse, HttpResponseRedirect


class DeferredPasswordResetForm(PasswordResetForm):
    """Collects each reset mail in ``outgoing`` instead of sending it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outgoing: list[Callable[[], None]] = []

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        self.outgoing.append(partial(super().send_mail, *args, **kwargs))


class RedirectThenMail(HttpResponseRedirect):
    """A redirect that sends its mails once the server has sent it."""

    def __init__(self, url: str, mails: list[Callable[[], None]]) -> None:
        super().__init__(url)
        self.mails = mails

    def close(self) -> None:
        super().close()
        mails, self.mails = self.mails, []
        for send in mails:
            send()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = DeferredPasswordResetForm

    def form_valid(self, form: DeferredPasswordResetForm) -> HttpResponse:
        response = super().form_valid(form)
        return RedirectThenMail(response["Location"], form.outgoing)
