/* Draw every figure on the page from its embedded JSON payload.
   Exposed as window.flowdeskDrawFigures(root) so a dashboard can call it
   again after inserting a section. */
(function () {
  "use strict";
  var config = {responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"]};

  function draw(el) {
    if (el.getAttribute("data-drawn") === "1") { return; }
    var payload = document.getElementById(el.id + "-data");
    if (!payload) { return; }
    if (typeof Plotly === "undefined") {
      el.textContent = "Chart unavailable: plotly.js did not load.";
      return;
    }
    var spec = JSON.parse(payload.textContent);
    Plotly.newPlot(el, spec.data, spec.layout, config);
    el.setAttribute("data-drawn", "1");
  }

  function drawAll(root) {
    var nodes = (root || document).querySelectorAll("[data-plotly-figure]");
    for (var i = 0; i < nodes.length; i++) { draw(nodes[i]); }
  }

  // A chart drawn inside a closed <details> has no width yet: size it when opened.
  document.addEventListener("toggle", function (ev) {
    var box = ev.target;
    if (!box.open || typeof Plotly === "undefined") { return; }
    var nodes = box.querySelectorAll("[data-drawn='1']");
    for (var i = 0; i < nodes.length; i++) { Plotly.Plots.resize(nodes[i]); }
  }, true);

  window.flowdeskDrawFigures = drawAll;
  drawAll(document);
})();
