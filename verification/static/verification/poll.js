// Poll the verification until it finishes, then reload to show the result (no inline script: CSP).
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var url = box.getAttribute("data-poll");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.status === "completed" || data.status === "failed") { window.location.reload(); return; }
        if (tries < 120) setTimeout(poll, 1000);
      })
      .catch(function () { if (tries < 120) setTimeout(poll, 2000); });
  }
  setTimeout(poll, 800);
})();
