// Draws every chart panel's Plotly figure. The figure comes from the page as JSON
// (Django's json_script), so no inline script is needed under the content security policy.
// Panels that htmx swaps in (a recomputed chart) are drawn when they arrive.
(function () {
  "use strict";

  // Below this width (a phone) the legend would take half the chart's height and the
  // dates would crowd: the key written under the chart says what each line and colour
  // means, and four dates fit across without turning.
  var NARROW = 480;

  function narrow(layout) {
    layout.showlegend = false;
    ["xaxis", "xaxis2"].forEach(function (name) {
      if (layout[name]) layout[name].nticks = Math.min(layout[name].nticks || 4, 4);
    });
  }

  function draw(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      el.dataset.drawn = "true";
      if (el.clientWidth < NARROW) narrow(figure.layout);
      Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true,
        // The mode bar would inject per-chart style rules, which the policy blocks.
        displayModeBar: false,
        displaylogo: false,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:load", function (event) {
    draw(event.detail.elt.parentNode || document);
  });
})();
