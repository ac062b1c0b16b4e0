// Marketing Hunting: the shared drawer, toasts and small conveniences. Pages work without it.
(function () {
  "use strict";

  const root = () => document.getElementById("drawer-root");
  const content = () => document.getElementById("drawer");
  const panelOf = () => root().querySelector(".drawer");
  // An open drawer is named in the address as #drawer=<its URL>: Back closes it, and loading
  // that address opens the page with the drawer. A fragment, not a query parameter, so the
  // server never sees it and links it renders (pagination, "next") never carry it.
  const HASH_PREFIX = "#drawer=";
  const FOCUSABLE =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  let lastFocus = null;
  let openFrame = null; // The pending slide-in frame, cancelled if the drawer closes first.
  let closeTimer = null; // Hides the drawer even when no transitionend arrives.
  let baseline = null; // The drawer's form values when it opened, to tell unsaved input.
  let drawerPath = null; // The URL the open drawer was loaded from, as named in the address.

  function cancelPendingClose() {
    if (closeTimer !== null) clearTimeout(closeTimer);
    closeTimer = null;
  }

  // The page behind an open drawer is inert: no focus, no clicks, hidden from screen readers.
  function setPageInert(inert) {
    document.querySelectorAll("body > :not(#drawer-root):not(#toasts):not(script)").forEach((el) => {
      el.inert = inert;
    });
  }

  function openDrawer() {
    const drawerRoot = root();
    if (!drawerRoot.hidden && drawerRoot.classList.contains("open")) {
      focusFirstField();
      return;
    }
    if (drawerRoot.hidden) {
      lastFocus = document.activeElement;
      baseline = formState();
    }
    cancelPendingClose();
    drawerRoot.hidden = false;
    document.body.classList.add("drawer-open");
    setPageInert(true);
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
    const panel = panelOf();
    const invalid = panel.querySelector(".has-error input, .has-error select, .has-error textarea");
    const first = invalid || panel.querySelector("input:not([type=hidden]), select, textarea");
    (first || panel).focus({ preventScroll: true });
  }

  // What the drawer's forms hold now; files count by name and size.
  function formState() {
    const parts = [];
    content().querySelectorAll("form").forEach((form) => {
      for (const [name, value] of new FormData(form)) {
        if (name === "csrfmiddlewaretoken") continue;
        parts.push([name, typeof value === "string" ? value : `${value.name}:${value.size}`]);
      }
    });
    return JSON.stringify(parts);
  }

  function hasUnsavedInput() {
    return !root().hidden && baseline !== null && formState() !== baseline;
  }

  function drawerInAddress() {
    return location.hash.startsWith(HASH_PREFIX);
  }

  // The user asks to close (Escape, backdrop, Close, Cancel): confirm unsaved input, then go
  // back over the entry the drawer pushed, whose popstate closes it; else close in place.
  function requestClose() {
    if (root().hidden) return;
    if (hasUnsavedInput() && !window.confirm("Discard the changes you made in this form?")) return;
    baseline = null;
    if (drawerInAddress() && history.state && history.state.drawer) {
      history.back();
    } else {
      closeDrawer();
    }
  }

  function closeDrawer() {
    const drawerRoot = root();
    if (drawerRoot.hidden) return;
    if (openFrame !== null) cancelAnimationFrame(openFrame);
    openFrame = null;
    drawerRoot.classList.remove("open");
    setPageInert(false);
    const finish = () => {
      cancelPendingClose();
      if (drawerRoot.hidden || drawerRoot.classList.contains("open")) return; // Reopened meanwhile.
      drawerRoot.hidden = true;
      content().innerHTML = "";
      baseline = null;
      document.body.classList.remove("drawer-open");
      if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
    };
    const panel = panelOf();
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

  // Only a local path may be loaded from the address: never another site.
  function safeDrawerPath(path) {
    return typeof path === "string" && path.startsWith("/") && !path.startsWith("//") && !path.includes("\\");
  }

  function addressWithoutDrawer() {
    return location.pathname + location.search;
  }

  function loadDrawer(path) {
    if (!safeDrawerPath(path) || !window.htmx) return;
    window.htmx.ajax("GET", path, { target: "#drawer", swap: "innerHTML" });
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.detail.target || event.detail.target.id !== "drawer") return;
    // A link (not a form or a select refreshing the drawer) names what the drawer shows.
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    const path = elt && elt.tagName === "A" ? elt.getAttribute("hx-get") : null;
    const wasClosed = root().hidden;
    if (path && safeDrawerPath(path)) {
      drawerPath = path;
      const state = { drawer: path };
      const address = addressWithoutDrawer() + HASH_PREFIX + encodeURI(path);
      if (wasClosed && !drawerInAddress()) history.pushState(state, "", address);
      else history.replaceState(state, "", address);
      if (!wasClosed) baseline = formState(); // Another form replaced the first one.
    }
    openDrawer();
  });

  // Back (or Forward) across a drawer's entry: close it, or open the one the entry names.
  window.addEventListener("popstate", (event) => {
    const state = event.state;
    if (state && state.drawer) {
      if (root().hidden) loadDrawer(state.drawer);
      return;
    }
    if (root().hidden) return;
    if (hasUnsavedInput() && !window.confirm("Discard the changes you made in this form?")) {
      // Stay: put the drawer's entry back (Back cannot be cancelled, only undone).
      const path = drawerPath || "";
      history.pushState({ drawer: path }, "", addressWithoutDrawer() + HASH_PREFIX + encodeURI(path));
      return;
    }
    closeDrawer();
  });

  // The page was loaded with a drawer in its address: open the page, then the drawer over it,
  // on an entry of its own so Back closes the drawer and stays on the page.
  document.addEventListener("DOMContentLoaded", () => {
    if (!drawerInAddress()) return;
    const path = decodeURI(location.hash.slice(HASH_PREFIX.length));
    history.replaceState(null, "", addressWithoutDrawer());
    if (!safeDrawerPath(path)) return;
    drawerPath = path;
    history.pushState({ drawer: path }, "", addressWithoutDrawer() + HASH_PREFIX + encodeURI(path));
    loadDrawer(path);
  });

  // A save that reloads the page (HX-Redirect): replace the drawer's entry rather than add
  // one, so Back afterwards does not reopen the form just saved; and never land on the
  // drawer again through the address the server was sent.
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const xhr = event.detail.xhr;
    const redirect = xhr && xhr.getResponseHeader("HX-Redirect");
    if (!redirect || !drawerInAddress()) return;
    event.preventDefault();
    const url = new URL(redirect, location.href);
    if (url.hash.startsWith(HASH_PREFIX)) url.hash = "";
    baseline = null;
    location.replace(url.href);
  });

  // Tab and Shift-Tab cycle through the open drawer only.
  function trapFocus(event) {
    const panel = panelOf();
    const focusable = [...panel.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
    if (focusable.length === 0) {
      event.preventDefault();
      panel.focus();
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panel || !panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-drawer-close], [data-drawer-backdrop]");
    if (closer && root() && root().contains(closer)) {
      event.preventDefault();
      requestClose();
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
    if (!root() || root().hidden) return;
    if (event.key === "Escape") {
      event.preventDefault();
      requestClose();
    } else if (event.key === "Tab") {
      trapFocus(event);
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

  // On a phone each table row is a card (CSS); each cell names its column from the header.
  // A header that is only a hidden label (the actions column) names nothing.
  function labelTables(scope) {
    scope.querySelectorAll("table.table").forEach((table) => {
      const headers = [...table.querySelectorAll("thead th")].map((th) => {
        const visible = th.cloneNode(true);
        visible.querySelectorAll(".visually-hidden").forEach((el) => el.remove());
        return visible.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach((row) => {
        [...row.children].forEach((cell, index) => {
          if (headers[index] && !cell.hasAttribute("data-label")) cell.dataset.label = headers[index];
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => labelTables(document));
  document.addEventListener("htmx:afterSettle", () => labelTables(document));

  // Bar sizes come as data attributes: the Content-Security-Policy refuses style="" in HTML,
  // while a style set from a script (CSSOM) is allowed.
  function sizeBars(scope) {
    scope.querySelectorAll("[data-bar-height]").forEach((bar) => {
      bar.style.height = `${Number(bar.dataset.barHeight) || 0}%`;
    });
    scope.querySelectorAll("[data-bar-grow]").forEach((bar) => {
      bar.style.flexGrow = String(Number(bar.dataset.barGrow) || 0);
    });
  }
  document.addEventListener("DOMContentLoaded", () => sizeBars(document));
  document.addEventListener("htmx:afterSettle", () => sizeBars(document));

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

  // A drawer that cannot be loaded (gone, another organization's, the server failing) says so
  // instead of leaving the click without an answer; the address forgets it.
  document.addEventListener("htmx:responseError", (event) => {
    if (!event.detail.target || event.detail.target.id !== "drawer" || !root().hidden) return;
    if (drawerInAddress()) history.replaceState(null, "", addressWithoutDrawer());
    showToast("This could not be opened: it may have been deleted, or is not yours to see.", "error");
  });

  // Live progress: the "done" event has swapped in the final state block; say so in a toast.
  document.addEventListener("htmx:sseMessage", (event) => {
    if (!event.detail || event.detail.type !== "done") return;
    const state = event.target.querySelector("[data-done-message]");
    showToast(state ? state.dataset.doneMessage : "Run finished.", state && state.dataset.doneLevel);
  });

  window.MarketingHunting = { openDrawer, closeDrawer, requestClose, showToast };
})();
