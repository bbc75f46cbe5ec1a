// Score bars for each ranking on the page: the data sits in a json_script next to its chart box.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  for (const box of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(box.dataset.chart);
    if (!source) continue;
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 120, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [{ type: "bar", data: data.scores, label: { show: true, position: "right" },
                 itemStyle: { color: (p) => (p.value >= 75 ? "#c0392b" : p.value < 60 ? "#222" : "#888") } }],
    });
    window.addEventListener("resize", () => chart.resize());
  }
});
