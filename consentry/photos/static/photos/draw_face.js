// "Add a face the detector missed": draw the box on the photo instead of typing pixels.
// Without JavaScript the form's four number fields still work; with it, "Draw the box on the
// photo" lets a mouse, pen or finger drag a box over the photo (in the photo's own pixels, as
// the fields want them), fills in the fields, and shows the box. Typed numbers show it too.
(function () {
  "use strict";
  var svg = document.getElementById("photo-faces");
  var form = document.getElementById("add-face");
  if (!svg || !form || !svg.getScreenCTM || !window.PointerEvent) { return; }
  var panel = form.querySelector(".draw-face");
  var toggle = panel.querySelector("button");
  var status = panel.querySelector(".draw-status");
  var fields = {};
  ["x", "y", "w", "h"].forEach(function (name) { fields[name] = form.elements[name]; });
  var view = svg.viewBox.baseVal;
  var box = null;  // the drawn box, added to the photo once there is one to show
  var start = null;

  function hide() {
    if (box) { box.setAttribute("hidden", ""); }  // an SVG element has no .hidden property
  }

  function photoPoint(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(svg.getScreenCTM().inverse());
    return {
      x: Math.round(Math.min(Math.max(at.x, 0), view.width)),
      y: Math.round(Math.min(Math.max(at.y, 0), view.height))
    };
  }

  function show(x, y, w, h) {
    if (!([x, y, w, h].every(isFinite) && w > 0 && h > 0)) { hide(); return; }
    if (!box) {
      box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      box.setAttribute("class", "drawn-box");
      svg.append(box);
    }
    box.removeAttribute("hidden");
    box.setAttribute("x", x);
    box.setAttribute("y", y);
    box.setAttribute("width", w);
    box.setAttribute("height", h);
  }

  function between(a, b) {
    return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
  }

  function drawing(on) {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    svg.classList.toggle("drawing", on);
    if (on) {
      status.textContent = "";
      svg.scrollIntoView({ block: "nearest" });
    }
  }

  toggle.addEventListener("click", function () {
    drawing(toggle.getAttribute("aria-pressed") !== "true");
  });

  svg.addEventListener("pointerdown", function (event) {
    if (!svg.classList.contains("drawing") || event.button !== 0) { return; }
    event.preventDefault();
    start = photoPoint(event);
    svg.setPointerCapture(event.pointerId);
  });

  svg.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var r = between(start, photoPoint(event));
    show(r.x, r.y, r.w, r.h);
  });

  function finish(event) {
    if (!start) { return; }
    var r = between(start, photoPoint(event));
    start = null;
    if (r.w < 2 || r.h < 2) { hide(); return; }  // a tap, not a box
    fields.x.value = r.x;
    fields.y.value = r.y;
    fields.w.value = r.w;
    fields.h.value = r.h;
    show(r.x, r.y, r.w, r.h);
    drawing(false);
    status.textContent = status.dataset.drawn;
    form.querySelector("button[type=submit]").focus();
  }

  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", function () { start = null; hide(); });

  form.addEventListener("input", function () {
    show(Number(fields.x.value), Number(fields.y.value), Number(fields.w.value), Number(fields.h.value));
  });

  panel.hidden = false;
})();
