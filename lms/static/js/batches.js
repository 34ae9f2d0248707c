// Bulk issues in progress: poll their state until the ZIP is ready.
(function () {
  "use strict";
  function poll(node) {
    fetch(node.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (batch) {
        if (!batch) return;
        node.dataset.state = batch.state;
        node.querySelector(".batch-count").textContent = batch.done + "/" + batch.total;
        var pct = batch.total ? Math.round(batch.done / batch.total * 100) : 0;
        node.querySelector(".progress span").style.width = pct + "%";
        if (batch.archive_url) node.querySelector(".batch-zip").hidden = false;
        if (batch.state === "pending" || batch.state === "running") {
          setTimeout(function () { poll(node); }, 2000);
        }
      })
      .catch(function () { setTimeout(function () { poll(node); }, 5000); });
  }
  document.querySelectorAll(".batch").forEach(function (node) {
    if (node.dataset.state === "pending" || node.dataset.state === "running") poll(node);
  });
})();
