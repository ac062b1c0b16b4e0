"""A task for the error-tracking worker test only: the worker imports it through ``--include``.

It fails holding a contact's personal data in its arguments, its locals and its message.
"""

import logging

from marketing_hunting.celery import app

logger = logging.getLogger("contacts.outreach")


@app.task(name="tests.sentry.fail_for_contact", ignore_result=True)
def fail_for_contact(contact_id: int, email: str, full_name: str, phone: str) -> None:
    greeting = f"Dear {full_name}"
    logger.warning("Calling %s on %s", full_name, phone)
    raise LookupError(f"No mailbox {email} for {full_name} ({phone}); {greeting}")


@app.task(name="tests.sentry.log_error_for_contact", ignore_result=True)
def log_error_for_contact(email: str, full_name: str) -> None:
    logger.error("Bounce from %s (%s)", email, full_name)
