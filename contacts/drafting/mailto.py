"""``mailto:`` links for drafts (RFC 6068), kept short enough for mail clients to open.

Every character outside the unreserved set is percent-encoded as UTF-8 (``quote`` with
``safe=""``): ``&``, ``?``, ``#``, ``%``, ``+`` and spaces would otherwise end or change the
fields, and line breaks are sent as CRLF (``%0D%0A``), as the RFC requires.

Length: browsers accept long URLs, but the hand-over to the mail client does not —
Windows passes protocol links through ShellExecute (about 2,048 characters), Outlook and
old Internet Explorer stop at 2,083, and some clients silently drop the whole body when it
is too long. ``MAILTO_MAX_LENGTH`` keeps the whole link under 1,800 characters: a longer body
is cut at a paragraph end and followed by a line telling the user to paste the full draft,
which the page's "Copy to clipboard" button copies; a subject too long to leave room for that
line is cut too (ending with "…"). Lengths are always counted encoded: one emoji is twelve
characters of link. ``static/js/drafts.js`` does the same in
the browser as the user edits; keep the two in step.
"""

from collections.abc import Callable
from urllib.parse import quote

from contacts.models import EmailDraft

MAILTO_MAX_LENGTH = 1800
TRUNCATION_NOTE = (
    "[…] This draft is longer than an email link can carry: paste the full draft from "
    "Marketing Hunting (Copy to clipboard)."
)
SUBJECT_CUT = "…"


def _encode(text: str) -> str:
    crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return quote(crlf, safe="")


def _cut_to_fit(body: str, fits: Callable[[str], bool]) -> str:
    """The longest start of ``body`` ending at a paragraph (else a line, else a word) that
    ``fits`` together with the note, followed by the note."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    note = f"\n\n{TRUNCATION_NOTE}"
    for separator in ("\n\n", "\n", " "):
        pieces = text.split(separator)
        kept = ""
        for piece in pieces:
            candidate = f"{kept}{separator}{piece}" if kept else piece
            if not fits(candidate + note):
                break
            kept = candidate
        if kept:
            return kept.rstrip() + note
    return TRUNCATION_NOTE


def _cut_subject(subject: str, room: int) -> str:
    """The longest start of ``subject`` (whole code points) whose encoding, with "…", takes
    at most ``room`` characters; the subject itself when it fits."""
    if len(_encode(subject)) <= room:
        return subject
    kept, used, limit = [], 0, room - len(_encode(SUBJECT_CUT))
    for char in subject:
        used += len(_encode(char))
        if used > limit:
            break
        kept.append(char)
    return "".join(kept).rstrip() + SUBJECT_CUT


def mailto_link(
    *, to: str, subject: str, body: str, max_length: int = MAILTO_MAX_LENGTH
) -> tuple[str, bool]:
    """(the link, whether the subject or the body had to be cut)."""
    # "@" may stay as is in the address; anything else unusual (%, ?, #) is encoded.
    start = f"mailto:{quote(to.strip(), safe='@')}?subject="
    full = f"{start}{_encode(subject)}&body={_encode(body)}"
    if len(full) <= max_length:
        return full, False
    # A subject may take what the body's shortest form (the note alone) leaves: a subject
    # of 299 emoji is 3,588 characters encoded, more than the whole link may be.
    room = max_length - len(start) - len("&body=") - len(_encode(TRUNCATION_NOTE))
    head = f"{start}{_encode(_cut_subject(subject, room))}"
    if len(f"{head}&body={_encode(body)}") <= max_length:
        return f"{head}&body={_encode(body)}", True

    def fits(text: str) -> bool:
        return len(head) + len("&body=") + len(_encode(text)) <= max_length

    return f"{head}&body={_encode(_cut_to_fit(body, fits))}", True


def mailto_url(draft: EmailDraft) -> str:
    link, _ = mailto_link(to=draft.contact.email, subject=draft.subject, body=draft.body)
    return link
