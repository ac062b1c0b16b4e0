// Share links: "Copy link" copies the absolute URL shown in the drawer.
(() => {
  "use strict";

  // navigator.clipboard exists only in secure contexts (https, localhost); elsewhere select
  // the read-only field and use execCommand("copy"), which also leaves the text selected
  // for a manual Ctrl+C when even that is refused.
  async function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(field.value);
        return true;
      } catch (error) {
        // Permission refused: the older way may still be allowed.
      }
    }
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy-share]");
    if (!button) return;
    event.preventDefault();
    const box = button.closest("[data-share-link]");
    const field = box.querySelector("[data-share-url]");
    const status = box.querySelector("[data-copy-status]");
    const copied = await copy(field);
    status.textContent = copied ? "Copied" : "Could not copy: the link is selected, press Ctrl+C.";
    if (copied) button.focus();
  });
})();
