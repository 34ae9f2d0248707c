// Post-test: ask before submitting with unanswered questions (the server asks too,
// and sends the answers back; this only saves the round trip).
(function () {
  "use strict";
  var form = document.querySelector("form.post-test[data-confirm-incomplete]");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.name === "confirm_incomplete") { return; }
    var open = Array.prototype.filter.call(
      form.querySelectorAll("fieldset.question"),
      function (fieldset) { return !fieldset.querySelector("input:checked"); }
    );
    if (open.length === 0) { return; }
    var message = form.dataset.confirmIncomplete.replace("{n}", String(open.length));
    if (window.confirm(message)) {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirm_incomplete";
      confirmed.value = "1";
      form.appendChild(confirmed);
      return;
    }
    event.preventDefault();
    open.forEach(function (fieldset) { fieldset.classList.add("unanswered"); });
    var first = open[0].querySelector("input");
    open[0].scrollIntoView({ block: "center" });
    if (first) { first.focus(); }
  });
})();
