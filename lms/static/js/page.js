// What every page does with script, kept out of the HTML: the Content-Security-Policy
// allows no inline script, style attribute or event handler (lms/headers.py).
(function () {
  "use strict";
  function percent(value) {
    return Math.max(0, Math.min(100, Number(value) || 0)) + "%";
  }
  document.querySelectorAll("[data-width]").forEach(function (node) {
    node.style.width = percent(node.dataset.width);
  });
  document.querySelectorAll("[data-height]").forEach(function (node) {
    node.style.height = percent(node.dataset.height);
  });
  // A form sent back with errors: bring its summary into view (it links to each field).
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Deleting asks first (the question is the form's data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
