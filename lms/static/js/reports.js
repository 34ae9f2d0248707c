// The network dashboard (/reports/): tables that sort by a click on a heading,
// and the map's provinces that open their hospitals.
//
// Tables: <table data-sortable>; each body cell may carry data-sort (a number for
// the figures' columns, whose heading has data-sort-type="number"), otherwise its
// text is compared. The heading sorted by carries aria-sort; the totals stay in
// <tfoot>. Without script the tables read as they came, in the server's order.
//
// Map: <div class="chart" data-chart="map" data-drill-url="/reports/?year=2026">;
// charts.js dispatches "chart:province" with the province's 2-digit code on a click,
// and the page goes to data-drill-url + province=CODE, whose hospitals the server
// lists (#hospitals), as the links of the province table do.
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? -Infinity : "";
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (!numeric) return raw.trim();
    var number = parseFloat(raw);
    return isNaN(number) ? -Infinity : number;
  }

  function sortTable(table, heading, index) {
    var numeric = heading.dataset.sortType === "number";
    // A new column starts where people look first: figures high to low, names A to Z.
    var current = heading.getAttribute("aria-sort");
    var ascending = current ? current !== "ascending" : !numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric);
      var y = cellValue(b, index, numeric);
      var order = numeric ? x - y : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhance(table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 2) return;
    var headings = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headings, function (heading, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (heading.firstChild) button.appendChild(heading.firstChild);
      heading.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, heading, index); });
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(enhance);

  document.addEventListener("chart:province", function (event) {
    var chart = event.target.closest ? event.target.closest("[data-drill-url]") : null;
    if (!chart || !event.detail || !/^\d{2}$/.test(event.detail.code)) return;
    var url = new URL(chart.dataset.drillUrl, window.location.href);
    url.searchParams.set("province", event.detail.code);
    url.hash = "hospitals";
    window.location.assign(url.toString());
  });
})();
