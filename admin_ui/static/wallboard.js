// The wallboard's chart (ECharts, vendored) and its full-screen button.
// The board itself is swapped in by htmx's SSE extension; each board carries
// the chart's data in #wallboard-series[data-series], read after every swap,
// so the chart follows the same updates as the figures.
(function () {
  "use strict";
  var chart = null;

  function series() {
    var holder = document.getElementById("wallboard-series");
    if (!holder) { return null; }
    try { return JSON.parse(holder.getAttribute("data-series")); } catch (e) { return null; }
  }

  function draw() {
    var element = document.getElementById("wallboard-chart");
    var data = series();
    if (!element || !data || typeof echarts === "undefined") { return; }
    if (chart === null) { chart = echarts.init(element, null, { renderer: "canvas" }); }
    element.setAttribute("data-points", String(data.offered.reduce(function (a, b) { return a + b; }, 0)));
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: element.getAttribute("data-label-offered"), type: "bar", data: data.offered },
        { name: element.getAttribute("data-label-answered"), type: "bar", data: data.answered },
        { name: element.getAttribute("data-label-abandoned"), type: "line", data: data.abandoned }
      ]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    var button = document.getElementById("wallboard-fullscreen");
    if (button) {
      button.addEventListener("click", function () {
        if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
      });
    }
    window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "wallboard-live") { draw(); }
  });
}());
