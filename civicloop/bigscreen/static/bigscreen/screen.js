// The wall screen: one JSON answer every few seconds redraws every chart (ECharts merges the new
// data into the old option, so nothing flickers). The map is the city's own boundaries (no tiles:
// a command centre's wall often has no internet).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const t = JSON.parse(document.getElementById("screen-strings").textContent);
  const LIGHT = { red: "#ef4444", yellow: "#facc15", green: "#22c55e" };
  const text = { color: "#bfdbfe", fontSize: 15 };
  const charts = {};
  for (const id of ["trend", "categories", "map", "ranking", "channels"]) {
    charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
  }
  let mapReady = false;

  function fmt(value, percent) {
    if (value === null || value === undefined) return "–";
    return percent ? value.toFixed(2) + "%" : value.toLocaleString("zh-CN");
  }

  function kpis(k) {
    for (const name of ["reported", "filed", "dispatched", "closed", "overdue"]) {
      document.getElementById("kpi-" + name).textContent = fmt(k[name], false);
    }
    for (const name of ["close_rate", "close_on_time_rate", "satisfaction"]) {
      document.getElementById("kpi-" + name).textContent = fmt(k[name], true);
    }
  }

  function trend(d) {
    charts.trend.setOption({
      tooltip: { trigger: "axis" }, legend: { data: [t.reported, t.closed], textStyle: text, top: 0 },
      grid: { left: 50, right: 16, top: 34, bottom: 28 },
      xAxis: { type: "category", data: d.days, axisLabel: text },
      yAxis: { type: "value", axisLabel: text, splitLine: { lineStyle: { color: "#1e3a8a" } } },
      series: [
        { name: t.reported, type: "line", smooth: true, data: d.reported, itemStyle: { color: "#38bdf8" }, areaStyle: { opacity: .15 } },
        { name: t.closed, type: "line", smooth: true, data: d.closed, itemStyle: { color: "#4ade80" } },
      ],
    });
  }

  function bars(chart, rows, color, valueName) {
    const list = rows.slice().reverse();
    empty(chart, rows);
    chart.setOption({
      tooltip: {}, grid: { left: 150, right: 50, top: 6, bottom: 20 },
      xAxis: { type: "value", axisLabel: text, splitLine: { lineStyle: { color: "#1e3a8a" } } },
      yAxis: { type: "category", data: list.map((r) => r.name), axisLabel: { ...text, width: 140, overflow: "truncate" } },
      series: [{ type: "bar", name: valueName, data: list.map((r) => r.value), itemStyle: { color },
                 label: { show: true, position: "right", color: "#fff" } }],
    });
  }

  function empty(chart, rows) {
    // A chart with nothing to show says so, instead of drawing bare axes.
    chart.setOption({ graphic: [{ type: "text", left: "center", top: "middle", invisible: rows.length > 0,
                                  style: { text: t.none, fill: "#93c5fd", fontSize: 20 } }] });
  }

  function ranking(rows) {
    const list = rows.slice().reverse();
    empty(charts.ranking, rows);
    charts.ranking.setOption({
      tooltip: { formatter: (p) => `${p.name}<br>${t.score} ${p.value} (${list[p.dataIndex].grade || "–"})` },
      grid: { left: 150, right: 60, top: 6, bottom: 20 },
      xAxis: { type: "value", max: 100, axisLabel: text, splitLine: { lineStyle: { color: "#1e3a8a" } } },
      yAxis: { type: "category", data: list.map((r) => r.name), axisLabel: { ...text, width: 140, overflow: "truncate" } },
      series: [{ type: "bar", data: list.map((r) => ({ value: r.score, itemStyle: { color: r.score >= 90 ? "#4ade80" : r.score >= 60 ? "#38bdf8" : "#f87171" } })),
                 label: { show: true, position: "right", color: "#fff", formatter: (p) => `${p.value} ${list[p.dataIndex].grade || ""}` } }],
    });
  }

  function channels(rows) {
    empty(charts.channels, rows);
    charts.channels.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { ...text, fontSize: 13 }, itemWidth: 12, itemHeight: 12 },
      series: [{ type: "pie", radius: ["30%", "58%"], center: ["50%", "42%"], data: rows,
                 label: { color: "#dfe9ff", fontSize: 13, formatter: "{d}%" } }],
    });
  }

  function hotspots(rows) {
    const list = document.getElementById("hotspots");
    list.replaceChildren(...rows.map((r) => {
      const li = document.createElement("li");
      const n = document.createElement("span");
      n.textContent = r.value;
      li.append(r.name, n);
      return li;
    }));
    if (!rows.length) list.textContent = t.none;
  }

  function map(d) {
    if (!mapReady) return;
    const byLight = { red: [], yellow: [], green: [] };
    for (const [lon, lat, light, ref] of d.points) if (byLight[light]) byLight[light].push({ name: ref, value: [lon, lat] });
    const most = Math.max(1, ...d.heat.map((h) => h[2]));
    charts.map.setOption({
      visualMap: { min: 0, max: most, seriesIndex: 0, show: false, inRange: { color: ["#1e3a8a", "#0ea5e9", "#facc15", "#ef4444"] } },
      series: [
        { name: t.heat, type: "heatmap", coordinateSystem: "geo", data: d.heat, pointSize: 14, blurSize: 18 },
        ...["green", "yellow", "red"].map((light) => ({
          name: t[light], type: "scatter", coordinateSystem: "geo", data: byLight[light], symbolSize: light === "red" ? 9 : 7,
          itemStyle: { color: LIGHT[light], shadowBlur: light === "red" ? 8 : 0, shadowColor: LIGHT[light] }, zlevel: 2,
        })),
      ],
    });
  }

  async function loadMap() {
    const response = await fetch(config.map, { credentials: "same-origin" });
    const geo = await response.json();
    echarts.registerMap("area", geo);
    charts.map.setOption({
      tooltip: { trigger: "item", formatter: (p) => p.name },
      geo: { map: "area", roam: true, ...(config.bounds ? { boundingCoords: config.bounds } : {}), itemStyle: { areaColor: "#0b2a5b", borderColor: "#3b82f6", borderWidth: 1.2 },
             emphasis: { itemStyle: { areaColor: "#12408a" }, label: { color: "#fff" } },
             label: { show: true, color: "#93c5fd", fontSize: 14 } },
      series: [],
    });
    mapReady = true;
    window.civicAddressSearch.attachTo(document.getElementById("map"), { onPick: showPlace });
  }

  // An address picked in the search box: the map centred on it, zoomed in, with a mark. The mark is
  // a series after the four map() redraws (merged by index), so the refreshes leave it alone.
  const PICKED_ZOOM = 8;
  function showPlace(lat, lon, candidate) {
    charts.map.setOption({
      geo: { center: [lon, lat], zoom: PICKED_ZOOM },
      series: [{}, {}, {}, {}, { id: "picked", name: candidate.label, type: "effectScatter", coordinateSystem: "geo",
                                 data: [{ name: candidate.label, value: [lon, lat] }], symbolSize: 14, zlevel: 3,
                                 itemStyle: { color: "#f8fafc" } }],
    });
  }

  let etag = null;
  let last = null;
  async function refresh() {
    const status = document.getElementById("status");
    try {
      const response = await fetch(config.data, { credentials: "same-origin", headers: etag ? { "If-None-Match": etag } : {} });
      if (response.status === 304) { status.textContent = ""; return; }
      if (!response.ok) throw new Error(response.status);
      etag = response.headers.get("ETag");
      last = await response.json();
      draw(last);
      status.textContent = "";
    } catch (error) {
      status.textContent = t.offline;
    }
  }

  function draw(d) {
    document.getElementById("scope").textContent = d.scope;
    document.body.dataset.generated = d.generated_at;
    for (const light of ["red", "yellow", "green"]) document.getElementById("light-" + light).textContent = fmt(d.lights[light]);
    kpis(d.kpi); trend(d.trend); ranking(d.ranking); channels(d.channels); hotspots(d.hotspots);
    bars(charts.categories, d.categories, "#38bdf8", t.reported);
    map(d);
  }

  function clock() {
    // The city's time, whatever the wall PC's own clock zone is.
    document.getElementById("clock").textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: config.timeZone });
  }

  clock();
  setInterval(clock, 1000);
  loadMap().catch(() => {}).then(refresh);
  setInterval(refresh, config.refreshMs);
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
})();
