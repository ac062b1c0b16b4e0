// Email drafts: "Copy to clipboard" and an "Open in email client" link that follows edits.
// Every page loads this file once; it binds on document (event delegation), so drafts
// swapped in later by htmx need no re-binding.
(function () {
  "use strict";
  if (window.MarketingHuntingDrafts) return;

  // Same encoding as contacts/drafting/mailto.py: UTF-8 percent-encoding of everything but
  // A-Z a-z 0-9 - . _ ~ (encodeURIComponent leaves ! ' ( ) * as they are), CRLF line breaks.
  function encode(text) {
    const crlf = text.replace(/\r\n|\r|\n/g, "\r\n");
    return encodeURIComponent(crlf).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  }

  function encodeAddress(address) {
    return encode(address.trim()).replace(/%40/g, "@");
  }

  // The longest start of the body ending at a paragraph (else a line, else a word) that fits
  // in the link with the note telling the user to paste the full draft.
  function cutToFit(body, note, fits) {
    const text = body.replace(/\r\n|\r/g, "\n");
    const tail = "\n\n" + note;
    for (const separator of ["\n\n", "\n", " "]) {
      let kept = "";
      for (const piece of text.split(separator)) {
        const candidate = kept ? kept + separator + piece : piece;
        if (!fits(candidate + tail)) break;
        kept = candidate;
      }
      if (kept) return kept.replace(/\s+$/, "") + tail;
    }
    return note;
  }

  // The longest start of the subject (whole code points, as Python iterates a str) whose
  // encoding, with "…", takes at most `room` characters: one emoji is 12 characters of link.
  function cutSubject(subject, room) {
    if (encode(subject).length <= room) return subject;
    const limit = room - encode("…").length;
    let kept = "";
    let used = 0;
    for (const char of subject) {
      used += encode(char).length;
      if (used > limit) break;
      kept += char;
    }
    return kept.replace(/\s+$/, "") + "…";
  }

  function mailtoLink(to, subject, body, maxLength, note) {
    const start = "mailto:" + encodeAddress(to) + "?subject=";
    const full = start + encode(subject) + "&body=" + encode(body);
    if (full.length <= maxLength) return { href: full, cut: false };
    // The subject may take what the body's shortest form (the note alone) leaves.
    const room = maxLength - start.length - "&body=".length - encode(note).length;
    const head = start + encode(cutSubject(subject, room));
    const whole = head + "&body=" + encode(body);
    if (whole.length <= maxLength) return { href: whole, cut: true };
    const fits = (text) => head.length + "&body=".length + encode(text).length <= maxLength;
    return { href: head + "&body=" + encode(cutToFit(body, note, fits)), cut: true };
  }

  function fieldsOf(form) {
    return {
      subject: form.querySelector("[name=subject]"),
      body: form.querySelector("[name=body]"),
    };
  }

  function updateMailto(form) {
    const link = form.querySelector("[data-mailto]");
    if (!link) return;
    const { subject, body } = fieldsOf(form);
    const result = mailtoLink(
      link.dataset.mailtoTo || "",
      subject ? subject.value : "",
      body ? body.value : "",
      parseInt(link.dataset.mailtoMax, 10) || 1800,
      link.dataset.mailtoNote || "",
    );
    link.setAttribute("href", result.href);
    const cutNote = form.querySelector("[data-mailto-cut]");
    if (cutNote) cutNote.hidden = !result.cut;
  }

  // http:// origins other than localhost are not secure contexts: navigator.clipboard is
  // missing there, so fall back to selecting a hidden textarea and execCommand("copy").
  function copyWithTextarea(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.dataset.copyFallback = "";
    area.style.position = "fixed";
    area.style.top = "-1000px";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (error) {
        // Permission refused: the older way may still be allowed.
      }
    }
    return copyWithTextarea(text);
  }

  function say(form, message) {
    const status = form.querySelector("[data-copy-status]");
    if (!status) return;
    status.textContent = message;
    clearTimeout(status._timer);
    status._timer = setTimeout(() => { status.textContent = ""; }, 4000);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy-draft]");
    if (!button) return;
    event.preventDefault();
    const form = button.closest("[data-draft-form]");
    const { subject, body } = fieldsOf(form);
    const text = "Subject: " + subject.value + "\n\n" + body.value;
    const copied = await copyText(text);
    say(form, copied ? "Copied" : "Could not copy: select the text and copy it by hand.");
    if (copied) {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy to clipboard"; }, 2000);
    }
  });

  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("[data-draft-form]");
    if (form && event.target.matches("[name=subject], [name=body]")) updateMailto(form);
  });

  // A draft page rendered with the form (no drawer) may hold text the browser restored.
  document.querySelectorAll("[data-draft-form]").forEach(updateMailto);

  window.MarketingHuntingDrafts = { mailtoLink, encode };
})();
