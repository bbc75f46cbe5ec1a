// The console map: cases in view coloured by light (clusters from the server below street zoom),
// street/community boundaries and unit grids. Re-reads the cases every few seconds without a reload.
// Coordinates arrive in the tiles' system (GCJ-02 for 高德), so nothing is converted here.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const cfgNode = document.getElementById("map-settings");
  if (!el || !cfgNode || !window.L) return;
  const cfg = JSON.parse(cfgNode.textContent);
  const S = cfg.strings;
  const COLORS = { red: "#b42318", yellow: "#e0a400", green: "#1a7f37", none: "#6b7785", closed: "#0b5cad" };
  const form = document.getElementById("map-filters");
  const status = document.getElementById("map-status");
  const note = document.getElementById("map-note");

  // Tiles (or, with none, the city's roads, water and buildings; the boundaries and grids are drawn below).
  const map = window.civicMap.create(el, cfg.tiles, { noFit: true, map: { zoomControl: true, minZoom: 3 }, basemap: { areas: false } });
  map.createPane("areas").style.zIndex = 350;  // boundaries under the cases, above the tiles
  map.createPane("labels").style.zIndex = 450;  // street names above the boundaries, under the cases
  map.getPane("labels").style.pointerEvents = "none";
  window.civicAddressSearch.attach(map, { crs: cfg.tiles.crs });  // type an address, fly there

  // ---- where to look: "#zoom/lat/lon" in the address (kept while moving), else the user's own area
  function viewFromHash() {
    const m = /^#(\d{1,2})\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(location.hash);
    return m ? { zoom: +m[1], center: [+m[2], +m[3]] } : null;
  }
  const start = viewFromHash();
  if (start) map.setView(start.center, start.zoom);
  else if (cfg.bounds) map.fitBounds(cfg.bounds);
  else window.civicMap.fit(map, cfg.tiles);  // the jurisdiction
  window.addEventListener("hashchange", () => {  // a pasted or edited link moves the map, no reload
    const v = viewFromHash();
    if (v) map.setView(v.center, v.zoom);
  });
  map.on("moveend", () => {
    const c = map.getCenter();
    history.replaceState(null, "", `${location.pathname}${location.search}#${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
  });

  const bboxParam = () => {
    const b = map.getBounds();
    const r = (v) => v.toFixed(6);
    return `${r(Math.max(b.getWest(), -180))},${r(Math.max(b.getSouth(), -90))},${r(Math.min(b.getEast(), 180))},${r(Math.min(b.getNorth(), 90))}`;
  };

  // ---- filters
  const kindSelect = form.elements.kind;
  const daysSelect = form.elements.days;
  function syncFilterControls() {
    const open = kindSelect.value === "open";
    document.querySelectorAll("#light-filter input").forEach((i) => { i.disabled = !open; });
    daysSelect.options[0].disabled = !open;
    if (!open && daysSelect.value === "") daysSelect.value = daysSelect.dataset.closedDefault;
  }
  function filterParams() {
    const p = new URLSearchParams();
    p.set("kind", kindSelect.value);
    if (kindSelect.value === "open") {
      const lights = [...form.querySelectorAll("input[name=light]:checked")].map((i) => i.value);
      if (lights.length < 3) p.set("light", lights.join(","));
    }
    for (const name of ["days", "category", "street"]) {
      if (form.elements[name] && form.elements[name].value) p.set(name, form.elements[name].value);
    }
    return p;
  }
  form.addEventListener("change", () => { syncFilterControls(); lastKey = ""; load(); });
  form.addEventListener("submit", (e) => e.preventDefault());
  syncFilterControls();

  // ---- cases: kept by id so a refresh changes only what changed (an open popup stays open)
  const casesLayer = L.layerGroup().addTo(map);
  const shown = new Map();  // feature id → { layer, sig }
  let lastKey = "";
  let seq = 0;
  let controller = null;
  let timer = null;
  let failing = false;

  function colorOf(light, kind) {
    if (light !== "none") return COLORS[light];
    return kind === "closed" ? COLORS.closed : COLORS.none;
  }

  function popupFor(p) {
    const box = document.createElement("div");
    box.className = "case-popup";
    const head = box.appendChild(document.createElement("div"));
    head.className = "ref";
    head.textContent = p.ref;
    const state = box.appendChild(document.createElement("div"));
    state.className = `state light-${p.light}`;
    state.textContent = p.light !== "none" ? `${p.state_label} · ${S[p.light]}` : p.state_label;
    if (p.category) box.appendChild(document.createElement("div")).textContent = p.category;
    const text = box.appendChild(document.createElement("p"));
    text.textContent = p.text;
    const when = box.appendChild(document.createElement("div"));
    when.className = "when";
    when.textContent = `${S.reported} ${p.reported}`;
    const link = box.appendChild(document.createElement("a"));
    link.href = cfg.urls.case.replace("{ref}", encodeURIComponent(p.ref));
    link.textContent = S.open;
    return box;
  }

  function pointLayer(f, kind) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const layer = L.circleMarker([lat, lon], {
      radius: 7, color: "#fff", weight: 2, fillColor: colorOf(p.light, kind), fillOpacity: 1,
      className: `case-point light-${p.light}`,
    });
    layer.bindPopup(() => popupFor(p));
    layer.bindTooltip(`${p.ref} ${p.state_label}`, { direction: "top", offset: [0, -6] });
    layer.on("add", () => {
      const path = layer.getElement();
      if (path) { path.dataset.ref = p.ref; path.dataset.light = p.light; }
    });
    return layer;
  }

  function clusterLayer(f, kind) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const size = Math.round(28 + Math.min(30, 7 * Math.log10(p.total)));
    // A ring shows the mix of lights: red, then yellow, then green, then no clock.
    const parts = [];
    let at = 0;
    for (const light of ["red", "yellow", "green", "none"]) {
      if (!p[light]) continue;
      const to = at + (p[light] / p.total) * 100;
      parts.push(`${colorOf(light, kind)} ${at.toFixed(2)}% ${to.toFixed(2)}%`);
      at = to;
    }
    const label = `${S.casesHere.replace("{n}", p.total)}: ${S.red} ${p.red}, ${S.yellow} ${p.yellow}, ${S.green} ${p.green}, ${S.none} ${p.none}`;
    const icon = L.divIcon({
      className: "case-cluster-icon",
      html: `<div class="case-cluster" style="width:${size}px;height:${size}px;background:conic-gradient(${parts.join(",")})" data-total="${p.total}"><span>${p.total}</span></div>`,
      iconSize: [size, size],
    });
    const layer = L.marker([lat, lon], { icon, title: `${label} · ${S.zoomIn}`, alt: label, keyboard: true });
    layer.on("click", () => map.setView([lat, lon], Math.min(map.getZoom() + 2, cfg.pointsZoom)));
    return layer;
  }

  function render(data) {
    const kind = kindSelect.value;
    const seen = new Set();
    for (const f of data.features) {
      const id = `${data.mode}:${f.id}`;
      const sig = JSON.stringify([f.geometry.coordinates, f.properties, kind]);
      seen.add(id);
      const old = shown.get(id);
      if (old && old.sig === sig) continue;
      const wasOpen = old && old.layer.isPopupOpen && old.layer.isPopupOpen();
      if (old) casesLayer.removeLayer(old.layer);
      const layer = data.mode === "points" ? pointLayer(f, kind) : clusterLayer(f, kind);
      layer.addTo(casesLayer);
      if (wasOpen) layer.openPopup();
      shown.set(id, { layer, sig });
    }
    for (const [id, item] of shown) {
      if (!seen.has(id)) { casesLayer.removeLayer(item.layer); shown.delete(id); }
    }
    for (const key of ["red", "yellow", "green", "none", "total"]) {
      const b = document.querySelector(`[data-count="${key}"]`);
      if (b) b.textContent = data.counts[key];
    }
    note.hidden = !data.truncated;
    note.textContent = data.truncated ? S.truncated : "";
  }

  async function load() {
    clearTimeout(timer);
    if (controller) controller.abort();
    if (document.hidden) return;  // visibilitychange brings it back
    controller = new AbortController();
    const mine = ++seq;
    const params = filterParams();
    if (params.get("light") === "") {  // every light unticked: nothing to ask for
      render({ mode: "points", features: [], counts: { red: 0, yellow: 0, green: 0, none: 0, total: 0 }, truncated: false });
      lastKey = "";
      return;
    }
    params.set("bbox", bboxParam());
    params.set("zoom", String(map.getZoom()));
    try {
      const res = await fetch(`${cfg.urls.cases}?${params}`, { signal: controller.signal, credentials: "same-origin",
                                                                 headers: { Accept: "application/json" } });
      if (res.redirected) { location.reload(); return; }  // signed out: the page goes to sign-in
      if (!(res.headers.get("Content-Type") || "").includes("json")) throw new Error(`HTTP ${res.status}`);
      const data = await res.json();
      if (mine !== seq) return;
      if (!res.ok) throw new Error(data.detail || res.status);
      // The same ETag means the same body: nothing to redraw (an open popup stays as it is).
      const key = res.headers.get("ETag") || JSON.stringify([data.mode, data.counts, data.features]);
      if (key !== lastKey) { render(data); lastKey = key; }
      const at = new Date();
      status.textContent = `${S.updated} ${at.toLocaleTimeString(document.documentElement.lang, { hour12: false })}`;
      status.classList.remove("offline");
      failing = false;
    } catch (err) {
      if (err.name === "AbortError") return;
      status.textContent = err.message && !/fetch/i.test(err.message) ? err.message : S.offline;
      status.classList.add("offline");
      if (!failing && window.civicToast) window.civicToast(status.textContent);
      failing = true;
    }
    if (mine === seq) timer = setTimeout(load, cfg.refreshMs);
  }

  map.on("moveend", load);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });

  // ---- boundaries: streets always (they are the map on a closed network), communities when zoomed in
  const divisions = L.layerGroup().addTo(map);
  const divisionLayers = {};
  async function loadDivisions(level) {
    if (divisionLayers[level]) return divisionLayers[level];
    const res = await fetch(`${cfg.urls.divisions}?level=${level}`, { credentials: "same-origin" });
    const data = await res.json();
    const street = level === "street";
    const layer = L.geoJSON(data, {
      pane: "areas", interactive: false, className: `division ${level}`,
      style: street ? { color: "#0f2a47", weight: 2, opacity: 0.8, fill: !cfg.tiles.url, fillColor: "#ffffff", fillOpacity: 0.55 }
                    : { color: "#4a5461", weight: 1, opacity: 0.7, dashArray: "4 4", fill: false },
      onEachFeature: (f, l) => {
        if (street) l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "division-label", pane: "labels" });
      },
    });
    divisionLayers[level] = layer;
    return layer;
  }
  async function showDivisions() {
    const on = document.getElementById("layer-divisions").checked;
    try {
      const streets = await loadDivisions("street");
      const communities = map.getZoom() >= 13 && on ? await loadDivisions("community") : divisionLayers.community;
      toggle(divisions, streets, on);
      if (communities) toggle(divisions, communities, on && map.getZoom() >= 13);
      el.classList.toggle("labels-off", map.getZoom() > 14);
      fitLabels(streets);
    } catch (err) { /* the cases still show; boundaries come back on the next move */ }
  }
  // A street's name only where the street is wide enough on screen to hold it (the urban ones are small).
  function fitLabels(layer) {
    layer.eachLayer((l) => {
      const b = l.getBounds();
      const width = map.latLngToLayerPoint(b.getNorthEast()).x - map.latLngToLayerPoint(b.getSouthWest()).x;
      if (width < 90) l.closeTooltip(); else l.openTooltip();
    });
  }
  function toggle(group, layer, on) {
    if (on && !group.hasLayer(layer)) group.addLayer(layer);
    if (!on && group.hasLayer(layer)) group.removeLayer(layer);
  }

  // ---- unit grids: only at street zoom and only those in view, to stay light
  const grids = L.geoJSON(null, {
    pane: "areas", className: "grid",
    style: (f) => ({ color: f.properties.mine ? "#0b5cad" : "#7d8896", weight: f.properties.mine ? 1.5 : 1,
                     fillOpacity: f.properties.mine ? 0.05 : 0, opacity: 0.9 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name} ${f.properties.code}`, { sticky: true }),
  });
  const gridHint = document.getElementById("grid-hint");
  let gridController = null;
  async function showGrids() {
    const on = document.getElementById("layer-grids").checked;
    if (gridController) gridController.abort();
    if (!on || map.getZoom() < cfg.gridsZoom) {
      map.removeLayer(grids);
      gridHint.hidden = !on;
      gridHint.textContent = on ? S.zoomGrids : "";
      return;
    }
    gridController = new AbortController();
    try {
      const res = await fetch(`${cfg.urls.grids}?bbox=${bboxParam()}`, { signal: gridController.signal, credentials: "same-origin" });
      const data = await res.json();
      grids.clearLayers();
      grids.addData(data);
      grids.addTo(map);
      gridHint.hidden = !data.too_many;
      gridHint.textContent = data.too_many ? S.tooManyGrids : "";
    } catch (err) { /* aborted by a newer move, or offline: the next move tries again */ }
  }
  document.getElementById("layer-divisions").addEventListener("change", showDivisions);
  document.getElementById("layer-grids").addEventListener("change", showGrids);
  map.on("zoomend", showDivisions);
  map.on("moveend", showGrids);

  showDivisions();
  showGrids();
  load();
})();
