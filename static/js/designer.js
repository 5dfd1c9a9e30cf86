/* The template designer: handles on the preview for each element of the layout, and an element
   panel beside it.
   - Move: drag an element's handle, or focus it and use the arrow keys (Shift: 50 px).
   - Resize: drag the selected element's corner handle, or use its arrow keys (or Alt+arrows on the
     move handle): Right/Down grow, Left/Up shrink. Text: width = its box (max_width), height = its
     font size; logo: width and height; QR code and seal: size; signature: line width.
   - Style: the panel edits the selected element's font, weight, size, colour, alignment, visibility
     a signatory's name and role and a fixed or free text's words, and adds or removes signatories,
     free texts (the issuer's own words, text_1 to text_3) and extra images (image_1, image_2, each
     filled by its own upload on the form).
   Every change writes only the keys it changes into the layout JSON (which stays the validated
   source of truth and stays editable) and fires an input event, which redraws the preview.
   The defaults come from a json_script block (data, never executed), so the page keeps its strict
   CSP; positions are set through the CSSOM, never as style attributes in the HTML. */
(function () {
  "use strict";
  var STEP = 10;
  var BIG_STEP = 50;
  // What each handle says (not the JSON key: "org_name" would read as a form's "Name" field).
  var TITLES = {
    org_name: "organization", recipient_name: "recipient", issue_date: "issue date",
    expiry_date: "expiry date", credential_id: "credential id", qr: "QR code",
    signature: "signature 1", signature_2: "signature 2", signature_3: "signature 3"
  };
  var IMAGE_KINDS = { logo: "box", qr: "square", seal: "round" };

  function title(name) { return TITLES[name] || name.replace(/_/g, " "); }
  function isSignature(name) { return /^signature(_\d)?$/.test(name); }
  function isFreeText(name) { return /^text_\d$/.test(name); }
  function isExtraImage(name) { return /^image_\d$/.test(name); }
  function kind(name) {
    if (IMAGE_KINDS[name]) return IMAGE_KINDS[name];
    if (isExtraImage(name)) return "box";
    return isSignature(name) ? "line" : "text";
  }
  function clamp(value, low, high) { return Math.max(low, Math.min(high, Math.round(value))); }

  function setup(form, data) {
    var textarea = form.querySelector("textarea[name=layout]");
    var image = document.getElementById(form.getAttribute("data-preview-target"));
    var panel = document.getElementById("designer-panel");
    if (!textarea || !image) return;
    var defaults = data.layout;
    var stage = image.parentElement;
    stage.classList.add("designer-stage");
    var layer = document.createElement("div");
    layer.className = "designer-layer";
    layer.setAttribute("role", "group");
    layer.setAttribute("aria-label", "Elements: drag, or use the arrow keys to move; Alt+arrows to resize");
    stage.appendChild(layer);
    var selected = null;

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
      var given = layout.elements || {};
      var elements = {};
      var primary = (layout.colors || {}).primary;
      Object.keys(defaults.elements).forEach(function (name) {
        var start = Object.assign({}, defaults.elements[name]);
        // As the renderer does: text in the standard primary colour follows colors.primary.
        if (primary && start.color === defaults.colors.primary) start.color = primary;
        elements[name] = Object.assign(start, given[name] || {});
      });
      [data.extra_signatures, data.free_texts, data.extra_images].forEach(function (optional) {
        Object.keys(optional).forEach(function (name) {
          if (given[name]) elements[name] = Object.assign({}, optional[name], given[name]);
        });
      });
      return { canvas: canvas, elements: elements };
    }

    // Write `patch` over one element of the layout JSON (null removes the element), then redraw.
    function write(name, patch, focusKind) {
      var layout = current();
      if (!layout) return;
      layout.elements = layout.elements || {};
      if (patch === null) delete layout.elements[name];
      else layout.elements[name] = Object.assign({}, layout.elements[name] || {}, patch);
      textarea.value = JSON.stringify(layout, null, 2);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      draw(focusKind ? { name: name, kind: focusKind } : null);
    }

    function move(name, x, y) {
      var canvas = merged(current() || {}).canvas;
      write(name, { x: clamp(x, 0, canvas.width - 1), y: clamp(y, 0, canvas.height - 1) }, "move");
    }

    // The changes of a resize by (dx, dy) canvas pixels: right and down grow.
    function resized(name, element, canvas, dx, dy) {
      var shortest = Math.min(canvas.width, canvas.height);
      switch (kind(name)) {
        case "box":
          return {
            width: clamp(element.width + dx, 20, canvas.width - element.x),
            height: clamp(element.height + dy, 20, canvas.height - element.y)
          };
        case "square":
          return { size: clamp(element.size + (dx || dy), 150, Math.min(shortest / 2, canvas.width - element.x, canvas.height - element.y)) };
        case "round":
          return { size: clamp(element.size + (dx || dy), 60, shortest / 2) };
        case "line":
          return { width: clamp(element.width + dx, 50, canvas.width) };
        default: {
          var patch = {};
          if (dx) patch.max_width = clamp((element.max_width || canvas.width / 2) + dx, 50, canvas.width);
          if (dy) patch.size = clamp(element.size + dy / 5, 12, 300);
          return patch;
        }
      }
    }

    function resize(name, dx, dy) {
      var layout = current();
      if (!layout) return;
      var full = merged(layout);
      write(name, resized(name, full.elements[name], full.canvas, dx, dy), "resize");
    }

    function sizeText(name, element) {
      switch (kind(name)) {
        case "box": return element.width + " × " + element.height;
        case "square": case "round": return "size " + element.size;
        case "line": return "width " + element.width;
        default: return "size " + element.size + (element.max_width ? ", box " + element.max_width : "");
      }
    }

    // Where the resize handle sits, in canvas pixels: the element's far corner, or a text box's free edge.
    function corner(name, element) {
      switch (kind(name)) {
        case "box": return [element.x + element.width, element.y + element.height];
        case "square": return [element.x + element.size, element.y + element.size];
        case "round": return [element.x + element.size / 2, element.y + element.size / 2];
        case "line": return [element.x + element.width, element.y];
        default: {
          var width = element.max_width || element.size * 4;
          var edge = { left: element.x + width, center: element.x + width / 2, right: element.x - width }[element.align];
          return [edge, element.y];
        }
      }
    }

    function arrows(event, step) {
      return [
        { ArrowLeft: -step, ArrowRight: step }[event.key] || 0,
        { ArrowUp: -step, ArrowDown: step }[event.key] || 0
      ];
    }

    function place(node, x, y, scale) {
      node.style.setProperty("--x", x * scale + "px");
      node.style.setProperty("--y", y * scale + "px");
    }

    // Follow the pointer while dragging; `done` gets the move in canvas pixels. While a drag lasts
    // the handles are not rebuilt (a preview arriving meanwhile would detach the dragged one).
    var dragged = null;
    function dragging(node, event, scale, x, y, done) {
      event.preventDefault();
      node.focus();
      node.setPointerCapture(event.pointerId);
      dragged = node;
      var startX = event.clientX, startY = event.clientY;
      function follow(moved) { place(node, x + (moved.clientX - startX) / scale, y + (moved.clientY - startY) / scale, scale); }
      function end() {
        node.removeEventListener("pointermove", follow);
        node.removeEventListener("pointerup", drop);
        node.removeEventListener("pointercancel", cancel);
        dragged = null;
      }
      function drop(ended) {
        end();
        var dx = (ended.clientX - startX) / scale, dy = (ended.clientY - startY) / scale;
        if (Math.abs(dx) < 1 && Math.abs(dy) < 1) return;  // a click: focusing selected it
        done(dx, dy);
      }
      function cancel() { end(); draw(); }
      node.addEventListener("pointermove", follow);
      node.addEventListener("pointerup", drop);
      node.addEventListener("pointercancel", cancel);
    }

    function moveHandle(name, element, scale) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "designer-handle" + (name === selected ? " is-selected" : "");
      button.textContent = title(name);
      button.setAttribute("data-element", name);
      button.setAttribute("aria-pressed", name === selected ? "true" : "false");
      button.setAttribute("aria-label", "Move " + title(name) + " (x " + element.x + ", y " + element.y + "; " + sizeText(name, element) + ")");
      place(button, element.x, element.y, scale);
      button.addEventListener("focus", function () { select(name); });
      button.addEventListener("keydown", function (event) {
        var delta = arrows(event, event.shiftKey ? BIG_STEP : STEP);
        if (!delta[0] && !delta[1]) return;
        event.preventDefault();
        if (event.altKey) resize(name, delta[0], delta[1]);
        else move(name, element.x + delta[0], element.y + delta[1]);
      });
      button.addEventListener("pointerdown", function (event) {
        dragging(button, event, scale, element.x, element.y, function (dx, dy) { move(name, element.x + dx, element.y + dy); });
      });
      return button;
    }

    function resizeHandle(name, element, scale) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "designer-resize";
      button.setAttribute("data-resize", name);
      button.setAttribute("aria-label", "Resize " + title(name) + " (" + sizeText(name, element) + "): arrow keys, Right and Down grow");
      var at = corner(name, element);
      place(button, at[0], at[1], scale);
      button.addEventListener("keydown", function (event) {
        var delta = arrows(event, event.shiftKey ? BIG_STEP : STEP);
        if (!delta[0] && !delta[1]) return;
        event.preventDefault();
        resize(name, delta[0], delta[1]);
      });
      button.addEventListener("pointerdown", function (event) {
        // A centred text's edge moves half as far as its box grows; a right-aligned one's the other way.
        var factor = kind(name) === "text" ? { left: 1, center: 2, right: -1 }[element.align] : 1;
        dragging(button, event, scale, at[0], at[1], function (dx, dy) { resize(name, dx * factor, dy); });
      });
      return button;
    }

    function draw(focus) {
      if (dragged) return;
      var layout = current();
      layer.hidden = !layout || !image.clientWidth;
      if (layout) fillPanel(merged(layout));
      if (layer.hidden) return;
      var full = merged(layout);
      var scale = image.clientWidth / full.canvas.width;
      layer.textContent = "";
      Object.keys(full.elements).forEach(function (name) {
        if (full.elements[name].visible === false) return;
        var button = moveHandle(name, full.elements[name], scale);
        layer.appendChild(button);
        if (focus && focus.name === name && focus.kind !== "resize") button.focus();
      });
      var grip = drawGrip(full, scale);
      if (grip && focus && focus.name === selected && focus.kind === "resize") grip.focus();
    }

    // The selected element's resize handle, placed right after its move handle (tab order).
    function drawGrip(full, scale) {
      layer.querySelectorAll(".designer-resize").forEach(function (old) { old.remove(); });
      layer.querySelectorAll(".designer-handle").forEach(function (button) {
        var on = button.getAttribute("data-element") === selected;
        button.classList.toggle("is-selected", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
      var owner = layer.querySelector('.designer-handle[data-element="' + selected + '"]');
      if (!owner) return null;
      var grip = resizeHandle(selected, full.elements[selected], scale);
      owner.after(grip);
      return grip;
    }

    // --- the element panel ---------------------------------------------------------------------
    var fields = {};
    if (panel) {
      panel.querySelectorAll("[data-field]").forEach(function (input) { fields[input.getAttribute("data-field")] = input; });
      panel.hidden = false;
    }

    function show(field, on) {
      var wrapper = fields[field] && fields[field].closest("[data-panel-row]");
      if (wrapper) wrapper.hidden = !on;
    }

    // Selecting never rebuilds the move handles (one may be in the middle of a drag).
    function select(name) {
      if (selected === name) return;
      selected = name;
      var layout = current();
      if (!layout) return;
      var full = merged(layout);
      fillPanel(full);
      if (!layer.hidden) drawGrip(full, image.clientWidth / full.canvas.width);
    }

    // A field being edited keeps what the person is typing (a preview may arrive meanwhile).
    function set(field, property, value) {
      if (document.activeElement !== fields[field]) fields[field][property] = value;
    }

    function fillPanel(full) {
      if (!selected || !full.elements[selected]) selected = "recipient_name";
      if (!panel) return;
      var chooser = fields.element;
      if (document.activeElement !== chooser) {
        chooser.textContent = "";
        Object.keys(full.elements).forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          option.textContent = title(name);
          chooser.appendChild(option);
        });
        chooser.value = selected;
      }
      var element = full.elements[selected];
      var textual = kind(selected) === "text";
      var font = (element.font || "serif").split("-");
      set("family", "value", font[0]);
      set("weight", "value", font[1] || "regular");
      fields.weight.querySelector("option[value=italic]").disabled = font[0] !== "serif";
      set("size", "value", element.size || "");
      set("max_width", "value", element.max_width || "");
      set("width", "value", element.width || "");
      set("height", "value", element.height || "");
      set("color", "value", element.color || "#000000");
      set("align", "value", element.align || "center");
      set("visible", "checked", element.visible !== false);
      fields.visible.disabled = data.required.indexOf(selected) >= 0 || selected === "qr";
      set("name", "value", element.name || "");
      set("label", "value", element.label || "");
      set("text", "value", element.text || "");
      ["family", "weight", "max_width", "align"].forEach(function (field) { show(field, textual); });
      show("size", textual || kind(selected) === "square" || kind(selected) === "round");
      show("width", kind(selected) === "box" || kind(selected) === "line");
      show("height", kind(selected) === "box");
      show("color", "color" in element);
      show("name", isSignature(selected));
      show("label", isSignature(selected));
      show("text", data.static.indexOf(selected) >= 0 || isFreeText(selected));
      var extra = Object.keys(data.extra_signatures);
      panel.querySelector("[data-action=add-signatory]").disabled = !nextMissing(full, data.extra_signatures);
      panel.querySelector("[data-action=remove-signatory]").hidden = extra.indexOf(selected) < 0;
      panel.querySelector("[data-action=add-text]").disabled = !nextMissing(full, data.free_texts);
      panel.querySelector("[data-action=remove-text]").hidden = !isFreeText(selected);
      panel.querySelector("[data-action=add-image]").disabled = !nextMissing(full, data.extra_images);
      panel.querySelector("[data-action=remove-image]").hidden = !isExtraImage(selected);
    }

    // The first optional element (of `optional`'s names) that the layout does not have yet.
    function nextMissing(full, optional) {
      return Object.keys(optional).filter(function (name) { return !full.elements[name]; })[0] || null;
    }

    function number(input) {
      var value = Number(input.value);
      return input.value !== "" && isFinite(value) ? value : null;
    }

    // A panel field changed: write it into the element (the validator explains out-of-range values).
    function fromPanel(field) {
      var input = fields[field];
      var patch = {};
      if (field === "element") { select(input.value); return; }
      if (field === "family" || field === "weight") {
        var weight = fields.weight.value;
        if (weight === "italic" && fields.family.value !== "serif") weight = "regular";
        patch.font = fields.family.value + (weight === "regular" ? "" : "-" + weight);
      } else if (field === "visible") {
        patch.visible = input.checked;
      } else if (input.type === "number") {
        if (number(input) === null) return;
        patch[field] = number(input);
      } else {
        patch[field] = input.value;
      }
      write(selected, patch);
    }

    if (panel) {
      Object.keys(fields).forEach(function (field) {
        fields[field].addEventListener("change", function () { fromPanel(field); });
      });
      // Adding writes the new element's position (a free text also its words, so the JSON shows
      // what prints) and selects it; removing deletes it from the layout and focuses `fallback`.
      var optional = {
        signatory: { defaults: data.extra_signatures, keys: ["x", "y"], fallback: "signature" },
        text: { defaults: data.free_texts, keys: ["x", "y", "text"], fallback: "recipient_name" },
        image: { defaults: data.extra_images, keys: ["x", "y"], fallback: "logo" }
      };
      Object.keys(optional).forEach(function (what) {
        var spec = optional[what];
        panel.querySelector("[data-action=add-" + what + "]").addEventListener("click", function () {
          var layout = current();
          if (!layout) return;
          var name = nextMissing(merged(layout), spec.defaults);
          if (!name) return;
          var patch = {};
          spec.keys.forEach(function (key) { patch[key] = spec.defaults[name][key]; });
          selected = name;
          write(name, patch, "move");
        });
        panel.querySelector("[data-action=remove-" + what + "]").addEventListener("click", function () {
          var name = selected;
          selected = spec.fallback;
          write(name, null);
          var first = layer.querySelector('.designer-handle[data-element="' + spec.fallback + '"]');
          if (first) first.focus();  // the button that had focus is gone with its element
        });
      });
    }

    textarea.addEventListener("change", function () { draw(); });
    image.addEventListener("load", function () {
      var active = document.activeElement;
      var name = active && (active.getAttribute("data-element") || active.getAttribute("data-resize"));
      draw(name ? { name: name, kind: active.hasAttribute("data-resize") ? "resize" : "move" } : null);
    });
    window.addEventListener("resize", function () { draw(); });
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("template-form");
    var data = document.getElementById("designer-data");
    if (form && data) setup(form, JSON.parse(data.textContent));
  });
})();
