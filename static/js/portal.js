/* CertVerify portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  function setNav(open) {
    var nav = document.getElementById("sidebar");
    var toggle = document.querySelector("[data-nav-toggle]");
    var backdrop = document.querySelector(".nav-backdrop");
    if (!nav || !toggle) return;
    nav.classList.toggle("is-open", open);
    if (backdrop) backdrop.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function copyText(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target || !navigator.clipboard) return;
    navigator.clipboard.writeText(target.textContent.trim()).then(function () {
      var label = button.querySelector("[data-copy-label]");
      if (!label) return;
      var original = label.textContent;
      label.textContent = "Copied";
      setTimeout(function () { label.textContent = original; }, 1800);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details.menu").forEach(function (menu) {
      menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    });
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest("details.menu")) closeMenus(null);
    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      setNav(toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    if (target.closest(".nav-backdrop")) setNav(false);
    var copy = target.closest("[data-copy-target]");
    if (copy) copyText(copy);
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var alert = dismiss.closest(".alert");
      if (alert) alert.remove();
    }
  });

  // A field's error describes the value that was sent: once the person changes the value (fills a
  // "required" field), the error no longer applies and is hidden. The server checks again on submit.
  document.addEventListener("input", function (event) {
    var control = event.target;
    var field = control.closest && control.closest(".field--error");
    if (!field || (typeof control.value === "string" && !control.value.trim())) return;
    field.classList.remove("field--error");
    field.querySelectorAll(".errorlist").forEach(function (list) { list.hidden = true; });
    control.removeAttribute("aria-invalid");
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
    setNav(false);
  });
})();
