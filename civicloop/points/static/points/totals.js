// Points issued and redeemed per day or month: the data sits in the json_script beside the chart box.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-chart]");
  const source = box && document.getElementById(box.dataset.chart);
  if (!box || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: data.names },
    grid: { left: 60, right: 24, top: 36, bottom: 40 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value" },
    series: [
      { name: data.names[0], type: "bar", data: data.issued, itemStyle: { color: "#1a7f37" } },
      { name: data.names[1], type: "bar", data: data.redeemed, itemStyle: { color: "#b42318" } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
});
