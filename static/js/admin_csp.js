// Admin pages of django-import-export under the Content-Security-Policy: the export page's
// "Select all" toggle had an inline onchange="onSelectToggleChange(event)", which the policy
// refuses; our copy of the template drops it and the same function is bound here.
document.addEventListener("change", (event) => {
  if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(event);
  }
});
