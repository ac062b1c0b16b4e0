// Marketing Hunting: the shared drawer, toasts and small conveniences. Pages work without it.
(function () {
  "use strict";

  const root = () => document.getElementById("drawer-root");
  const content = () => document.getElementById("drawer");
  let lastFocus = null;
  let openFrame = null; // The pending slide-in frame, cancelled if the drawer closes first.
  let closeTimer = null; // Hides the drawer even when no transitionend arrives.

  function cancelPendingClose() {
    if (closeTimer !== null) clearTimeout(closeTimer);
    closeTimer = null;
  }

  function openDrawer() {
    const drawerRoot = root();
    if (!drawerRoot.hidden && drawerRoot.classList.contains("open")) {
      focusFirstField();
      return;
    }
    lastFocus = document.activeElement;
    cancelPendingClose();
    drawerRoot.hidden = false;
    document.body.classList.add("drawer-open");
    // Let the browser lay out the closed drawer first, so the slide-in transition runs.
    openFrame = requestAnimationFrame(() => {
      openFrame = requestAnimationFrame(() => {
        openFrame = null;
        drawerRoot.classList.add("open");
        focusFirstField();
      });
    });
  }

  function focusFirstField() {
    const panel = root().querySelector(".drawer");
    const invalid = panel.querySelector(".has-error input, .has-error select, .has-error textarea");
    const first = invalid || panel.querySelector("input:not([type=hidden]), select, textarea");
    (first || panel).focus({ preventScroll: true });
  }

  function closeDrawer() {
    const drawerRoot = root();
    if (drawerRoot.hidden) return;
    if (openFrame !== null) cancelAnimationFrame(openFrame);
    openFrame = null;
    drawerRoot.classList.remove("open");
    const finish = () => {
      cancelPendingClose();
      if (drawerRoot.hidden || drawerRoot.classList.contains("open")) return; // Reopened meanwhile.
      drawerRoot.hidden = true;
      content().innerHTML = "";
      document.body.classList.remove("drawer-open");
      if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
    };
    const panel = drawerRoot.querySelector(".drawer");
    const duration = parseFloat(getComputedStyle(panel).transitionDuration) || 0;
    if (duration <= 0) {
      finish();
      return;
    }
    // Wait for the slide-out, but not on transitionend alone: a transition that never started
    // (closed in the same frame it opened) or was interrupted sends none, and a field's own
    // transition inside the panel bubbles one up early. The timer is the guarantee.
    const onEnd = (event) => {
      if (event.target !== panel) return;
      panel.removeEventListener("transitionend", onEnd);
      finish();
    };
    panel.addEventListener("transitionend", onEnd);
    cancelPendingClose();
    closeTimer = setTimeout(() => {
      panel.removeEventListener("transitionend", onEnd);
      finish();
    }, duration * 1000 + 100);
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "drawer") openDrawer();
  });

  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-drawer-close], [data-drawer-backdrop]");
    if (closer && root() && root().contains(closer)) {
      event.preventDefault();
      closeDrawer();
      return;
    }
    // "Use this feed" in a Test feed result: put the advertised feed's address in the form.
    const fill = event.target.closest("[data-fill-url]");
    if (fill) {
      const form = fill.closest("form");
      form.querySelector("input[name=url]").value = fill.dataset.fillUrl;
      const source = form.querySelector("input[name=source][value=url]");
      if (source) source.checked = true;
      return;
    }
    const toastClose = event.target.closest("[data-toast-close]");
    if (toastClose) toastClose.closest(".toast").remove();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && root() && !root().hidden) {
      event.preventDefault();
      closeDrawer();
    }
  });

  // Organization switcher: submit on change (a button is shown when JavaScript is off).
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });

  // Success toasts fade after a while; errors stay until dismissed.
  function scheduleToasts(scope) {
    scope.querySelectorAll(".toast:not(.toast-error):not([data-timed])").forEach((toast) => {
      toast.dataset.timed = "1";
      setTimeout(() => toast.remove(), 6000);
    });
  }
  document.addEventListener("DOMContentLoaded", () => scheduleToasts(document));
  document.addEventListener("htmx:afterSettle", () => scheduleToasts(document));

  function showToast(message, level) {
    const toasts = document.getElementById("toasts");
    if (!toasts) return;
    const toast = document.createElement("div");
    toast.className = `toast toast-${level || "success"}`;
    toast.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.toastClose = "";
    close.innerHTML = "&times;";
    toast.append(text, close);
    toasts.append(toast);
    scheduleToasts(toasts);
  }

  // Live progress: the "done" event has swapped in the final state block; say so in a toast.
  document.addEventListener("htmx:sseMessage", (event) => {
    if (!event.detail || event.detail.type !== "done") return;
    const state = event.target.querySelector("[data-done-message]");
    showToast(state ? state.dataset.doneMessage : "Run finished.", state && state.dataset.doneLevel);
  });

  window.MarketingHunting = { openDrawer, closeDrawer, showToast };
})();
