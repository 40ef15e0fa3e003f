// Draws every chart panel's Plotly figure. The figure comes from the page as JSON
// (Django's json_script), so no inline script is needed under the content security policy.
// Panels that htmx swaps in (a recomputed chart) are drawn when they arrive.
(function () {
  "use strict";

  function draw(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      el.dataset.drawn = "true";
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
