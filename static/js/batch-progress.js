/* The bulk-issue progress bar (and the ZIP's, named by data-progress-bar): polls the batch's small JSON endpoint about once a second and moves
   the bar and the counts; when the batch is done it reloads the page once to show the error table.
   Without JavaScript the page says to reload. */
(function () {
  "use strict";
  var INTERVAL = 1000;
  var MAX_FAILURES = 10;

  function start(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = document.getElementById(box.getAttribute("data-progress-bar") || "batch-progress");
    var text = box.querySelector("[data-progress-text]");
    var note = box.querySelector("[data-progress-note]");
    var failures = 0;

    function show(data) {
      bar.value = data.percent;
      bar.setAttribute("aria-valuenow", String(data.percent));
      bar.textContent = data.percent + " %";
      if (text) text.textContent = data.percent + " %";
      box.querySelectorAll("[data-count]").forEach(function (cell) {
        var value = data[cell.getAttribute("data-count")];
        if (value !== undefined) cell.textContent = String(value);
      });
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data);
          if (data.done) {
            if (note) note.textContent = "Finished. Loading the report…";
            setTimeout(function () { window.location.reload(); }, 600);
          } else {
            setTimeout(poll, INTERVAL);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < MAX_FAILURES) setTimeout(poll, INTERVAL * 2);
          else if (note) note.textContent = "Lost contact with the server. Reload the page to see the progress.";
        });
    }

    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-progress-url]");
    if (box && document.getElementById(box.getAttribute("data-progress-bar") || "batch-progress")) start(box);
  });
})();
