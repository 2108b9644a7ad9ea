/* Draws every <canvas data-chart="ID">: its Chart.js configuration is the
   JSON in the element with that id (written by Django's json_script). A
   configuration with "links" (one URL per label) makes each bar or slice a
   link: a click opens the customers behind it. */
(function () {
  function draw() {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || typeof Chart === "undefined") return;
      canvas.dataset.drawn = "1";
      var config = JSON.parse(source.textContent);
      var links = config.links;
      delete config.links;
      if (links) {
        config.options = config.options || {};
        config.options.onClick = function (event, elements) {
          if (elements.length && links[elements[0].index]) {
            window.location.href = links[elements[0].index];
          }
        };
        config.options.onHover = function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        };
      }
      new Chart(canvas, config);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
