/* The template designer: a handle on the preview for each element of the layout. Drag a handle, or
   focus it and use the arrow keys (Shift: 50 px), to move the element; the layout JSON below is
   updated (only the moved element's x and y), which redraws the preview. The JSON stays the
   source of truth and stays editable. The standard layout comes from a json_script block (data,
   never executed), so the page keeps its strict CSP. */
(function () {
  "use strict";
  var STEP = 10;
  // What each handle says (not the JSON key: "org_name" would read as a form's "Name" field).
  var TITLES = {
    org_name: "organization", recipient_name: "recipient", issue_date: "issue date",
    expiry_date: "expiry date", credential_id: "credential id", qr: "QR code"
  };
  var BIG_STEP = 50;

  function setup(form) {
    var textarea = form.querySelector("textarea[name=layout]");
    var image = document.getElementById(form.getAttribute("data-preview-target"));
    var data = document.getElementById("default-layout-data");
    if (!textarea || !image || !data) return;
    var defaults = JSON.parse(data.textContent);
    var stage = image.parentElement;
    stage.classList.add("designer-stage");
    var layer = document.createElement("div");
    layer.className = "designer-layer";
    layer.setAttribute("role", "group");
    layer.setAttribute("aria-label", "Element positions: drag, or use the arrow keys");
    stage.appendChild(layer);

    function current() {
      try {
        var value = JSON.parse(textarea.value.trim() || "{}");
        return value && typeof value === "object" && !Array.isArray(value) ? value : null;
      } catch (error) {
        return null;
      }
    }

    function merged(layout) {
      var canvas = Object.assign({}, defaults.canvas, layout.canvas || {});
      var elements = {};
      Object.keys(defaults.elements).forEach(function (name) {
        elements[name] = Object.assign({}, defaults.elements[name], (layout.elements || {})[name] || {});
      });
      return { canvas: canvas, elements: elements };
    }

    function move(name, x, y) {
      var layout = current();
      if (!layout) return;
      var canvas = merged(layout).canvas;
      layout.elements = layout.elements || {};
      var element = Object.assign({}, layout.elements[name] || {});
      element.x = Math.max(0, Math.min(canvas.width - 1, Math.round(x)));
      element.y = Math.max(0, Math.min(canvas.height - 1, Math.round(y)));
      layout.elements[name] = element;
      textarea.value = JSON.stringify(layout, null, 2);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      draw(name);
    }

    function handle(name, element, scale) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "designer-handle";
      var title = TITLES[name] || name.replace(/_/g, " ");
      button.textContent = title;
      button.setAttribute("data-element", name);
      button.setAttribute("aria-label", "Move " + title + " (x " + element.x + ", y " + element.y + ")");
      button.style.left = element.x * scale + "px";
      button.style.top = element.y * scale + "px";
      button.addEventListener("keydown", function (event) {
        var step = event.shiftKey ? BIG_STEP : STEP;
        var dx = { ArrowLeft: -step, ArrowRight: step }[event.key] || 0;
        var dy = { ArrowUp: -step, ArrowDown: step }[event.key] || 0;
        if (!dx && !dy) return;
        event.preventDefault();
        move(name, element.x + dx, element.y + dy);
      });
      button.addEventListener("pointerdown", function (event) {
        event.preventDefault();
        button.setPointerCapture(event.pointerId);
        var startX = event.clientX, startY = event.clientY;
        function follow(moved) {
          button.style.left = element.x * scale + (moved.clientX - startX) + "px";
          button.style.top = element.y * scale + (moved.clientY - startY) + "px";
        }
        function drop(ended) {
          button.removeEventListener("pointermove", follow);
          button.removeEventListener("pointerup", drop);
          move(name, element.x + (ended.clientX - startX) / scale, element.y + (ended.clientY - startY) / scale);
        }
        button.addEventListener("pointermove", follow);
        button.addEventListener("pointerup", drop);
      });
      return button;
    }

    function draw(focusName) {
      var layout = current();
      layer.hidden = !layout || !image.clientWidth;
      if (layer.hidden) return;
      var full = merged(layout);
      var scale = image.clientWidth / full.canvas.width;
      layer.textContent = "";
      Object.keys(full.elements).forEach(function (name) {
        if (full.elements[name].visible === false) return;
        var button = handle(name, full.elements[name], scale);
        layer.appendChild(button);
        if (name === focusName) button.focus();
      });
    }

    textarea.addEventListener("change", function () { draw(); });
    image.addEventListener("load", function () { draw(document.activeElement && document.activeElement.getAttribute("data-element")); });
    window.addEventListener("resize", function () { draw(); });
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("template-form");
    if (form) setup(form);
  });
})();
