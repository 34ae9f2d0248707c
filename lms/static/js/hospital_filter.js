// A filter over a long hospital list: type part of a hospital's name, its county or
// city, or its province (either language) and only those stay in the list. Without
// script the list works as it is.
(function () {
  "use strict";
  document.querySelectorAll("select[data-filter-label]").forEach(function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "select-filter";
    input.id = select.id + "-filter";
    input.setAttribute("aria-label", select.dataset.filterLabel);
    input.setAttribute("aria-controls", select.id);
    input.placeholder = select.dataset.filterLabel;
    input.autocomplete = "off";
    select.parentNode.insertBefore(input, select);
    var count = document.createElement("p");
    count.className = "hint";
    count.setAttribute("role", "status");
    select.parentNode.insertBefore(count, select.nextSibling);

    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      var only = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;  // the placeholder stays
        var text = option.dataset.search || option.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown += 1; only = option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = "";
      if (shown === 1 && words.length) select.value = only.value;
      count.textContent = words.length ? select.dataset.filterCount.replace("{n}", String(shown)) : "";
    });
    // Enter in the filter must not send the form half filled.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  });
})();
