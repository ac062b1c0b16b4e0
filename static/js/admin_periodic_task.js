// The periodic task admin form (django-celery-beat) without its inline script, which the
// Content-Security-Policy refuses: under the crontab's help text, say what the chosen
// crontab means ("At 06:00 AM …"), and hide the raw translation field.
(function () {
  const data = document.getElementById("readable-crontabs");
  const select = document.getElementById("id_crontab");
  const help = document.querySelector(".field-crontab .help");
  if (!data || !select || !help) return;
  const readable = JSON.parse(data.textContent);
  const original = Array.from(help.childNodes, (node) => node.cloneNode(true));
  const translation = document.querySelector(".field-crontab_translation");
  if (translation) translation.style.display = "none"; // CSSOM, which the policy allows

  select.addEventListener("change", () => {
    help.replaceChildren(...original.map((node) => node.cloneNode(true)));
    const meaning = readable[select.value];
    if (meaning === undefined) return;
    // Text, not HTML: the description is built from the crontab's fields.
    help.append(document.createElement("br"), `Translation: ${meaning}`);
  });
})();
