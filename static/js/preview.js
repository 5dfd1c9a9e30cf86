/* Live preview of a certificate form: redraws the preview image a moment after the person stops
   typing. A form opts in with data-preview-url, data-preview-target (the <img> id) and
   data-preview-method: "get" sets the image's src to the URL with the form's values; "post"
   sends them (with the CSRF token) and shows the returned PNG, or the JSON {"errors": [...]} it
   returns instead when the values cannot be drawn.
   Files are sent only by a form with data-preview-files (the template editor: a chosen logo,
   signature or background shows before it is saved; the server checks it like an upload).
   Without JavaScript the page shows the initial preview. */
(function () {
  "use strict";
  var DELAY = 450;

  function values(form, withFiles) {
    var data = new FormData(form);
    var kept = new FormData();
    data.forEach(function (value, name) {
      if (typeof value === "string") kept.append(name, value);
      else if (withFiles && value.size) kept.append(name, value);  // a chosen file, not an empty input
    });
    return kept;
  }

  function setup(form) {
    var image = document.getElementById(form.getAttribute("data-preview-target"));
    if (!image) return;
    var url = form.getAttribute("data-preview-url");
    var method = (form.getAttribute("data-preview-method") || "get").toLowerCase();
    var status = document.querySelector("[data-preview-status]");
    var errors = document.querySelector("[data-preview-errors]");
    var timer = null;
    var sequence = 0;
    var objectUrl = null;

    function say(text) { if (status) status.textContent = text; }

    function showErrors(list) {
      if (!errors) return;
      errors.textContent = "";
      errors.hidden = !list.length;
      list.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        errors.appendChild(item);
      });
    }

    // The new image loads off-screen and replaces the shown one only once it is drawn, so the
    // preview never goes blank while it updates; one that cannot be drawn keeps the last one.
    function refreshByGet() {
      var mine = ++sequence;
      var params = new URLSearchParams(values(form));
      params.delete("csrfmiddlewaretoken");
      var next = new Image();
      next.onload = function () {
        if (mine !== sequence) return;
        image.src = next.src;
        say("");
        image.classList.remove("is-loading");
      };
      next.onerror = function () {
        if (mine !== sequence) return;
        say("Preview unavailable: check the fields marked as required.");
        image.classList.remove("is-loading");
      };
      next.src = url + "?" + params.toString();
    }

    function refreshByPost() {
      var mine = ++sequence;
      var body = values(form, form.hasAttribute("data-preview-files"));
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (mine !== sequence) return null;
          var type = response.headers.get("Content-Type") || "";
          if (response.ok && type.indexOf("image/") === 0) return response.blob().then(function (blob) {
            if (mine !== sequence) return;
            if (objectUrl) URL.revokeObjectURL(objectUrl);
            objectUrl = URL.createObjectURL(blob);
            image.src = objectUrl;
            showErrors([]);
          });
          return response.json().then(function (body) {
            showErrors((body && body.errors) || ["The preview could not be drawn."]);
            say("");
            image.classList.remove("is-loading");
          });
        })
        .catch(function () { say("Preview unavailable"); image.classList.remove("is-loading"); });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        say("Updating…");
        image.classList.add("is-loading");
        if (method === "post") refreshByPost(); else refreshByGet();
      }, DELAY);
    }

    image.addEventListener("load", function () { say(""); image.classList.remove("is-loading"); });
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    if (method === "post") schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview-url]").forEach(setup);
  });
})();
