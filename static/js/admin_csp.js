// Admin pages of django-import-export under the Content-Security-Policy: their inline
// onchange="onSelectToggleChange(event)" is refused, so the same function is bound here.
document.addEventListener("change", (event) => {
  if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(event);
  }
});
