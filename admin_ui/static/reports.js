// The report's bar chart (ECharts, vendored): offered, answered and abandoned
// per queue.  The CSP allows no inline script, so the data rides in
// #reports-series[data-series]; it is read again after each htmx swap of
// #reports-result, which brings a new chart element.
(function () {
  "use strict";
  var chart = null;

  function draw() {
    var element = document.getElementById("reports-chart");
    var holder = document.getElementById("reports-series");
    if (!element || !holder || typeof echarts === "undefined") { return; }
    var data;
    try { data = JSON.parse(holder.getAttribute("data-series")); } catch (e) { return; }
    if (chart !== null && chart.getDom() !== element) { chart.dispose(); chart = null; }
    if (chart === null) { chart = echarts.init(element, null, { renderer: "canvas" }); }
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: element.getAttribute("data-label-offered"), type: "bar", data: data.offered },
        { name: element.getAttribute("data-label-answered"), type: "bar", data: data.answered },
        { name: element.getAttribute("data-label-abandoned"), type: "bar", data: data.abandoned }
      ]
    }, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
  });
  // After the swap has settled, whichever element the swap fired on.
  document.addEventListener("htmx:afterSettle", draw);
}());
