// Every map opens the same way (docs/maps.md): fitted to the jurisdiction (cfg.bounds), on the
// configured tiles — one or two layers (天地图's labels over its base), with the provider's credit and
// the 审图号 — or, with no tiles, on the city's own layers: division outlines and names, grids, water,
// buildings and roads with their names, drawn under the markers. Coordinates arrive in the tiles' system.
(function () {
  "use strict";
  // Leaflet may load after this file (both deferred): it is only looked up when a map is made.

  const CSS = `
.basemap-bg { background: #f3f1ec; }
.basemap-label { background: none; border: 0; }
.basemap-label span { display: inline-block; white-space: nowrap; font: 12px/1.2 system-ui, sans-serif; color: #35424f;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; transform-origin: center; translate: -50% -50%; }
.basemap-label.area span { font-size: 14px; font-weight: 600; color: #0b3f74; letter-spacing: 1px; }
.basemap-label.community span { font-size: 12px; font-weight: 500; color: #4a5461; }
.basemap-label.water span { color: #1f5f99; font-style: italic; }
.basemap-label.road span { font-size: 11px; color: #5a4a2a; }`;

  const STYLES = {
    county: { color: "#5b6b7f", weight: 2.5, fill: false, dashArray: "8 4" },
    prefecture: { color: "#5b6b7f", weight: 3, fill: false, dashArray: "10 5" },
    province: { color: "#5b6b7f", weight: 3, fill: false },
    street: { color: "#0b5cad", weight: 1.5, fillColor: "#e3ebf4", fillOpacity: 0.45 },
    community: { color: "#6b7785", weight: 1, dashArray: "3 3", fill: false },
    grid: { color: "#a3adb8", weight: 0.6, fill: false },
    water: { color: "#7fb3dc", weight: 1, fillColor: "#a9d3f2", fillOpacity: 1 },
    building: { color: "#b9b3a8", weight: 0.5, fillColor: "#d9d4cb", fillOpacity: 1 },
    roadCasing: { color: "#c8bfae", weight: 6, lineCap: "round" },
    road: { color: "#fffdf7", weight: 4, lineCap: "round" },
  };
  const ROAD_LABEL_ZOOM = 14;
  const WATER_LABEL_ZOOM = 13;

  function injectStyle() {
    if (document.getElementById("basemap-style")) return;
    const style = document.createElement("style");
    style.id = "basemap-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  function addTiles(map, cfg) {
    (cfg.layers || []).forEach((layer, i) => {
      L.tileLayer(layer.url, { subdomains: layer.subdomains || "abc", maxZoom: layer.maxZoom || 18,
                               attribution: i === 0 ? cfg.attribution : "" }).addTo(map);
    });
    if (!(cfg.layers || []).length && cfg.attribution && map.attributionControl) map.attributionControl.addAttribution(cfg.attribution);
  }

  function fit(map, cfg, options) {
    if (cfg.bounds) map.fitBounds(cfg.bounds, Object.assign({ animate: false }, options || {}));
    else map.setView([cfg.center[1], cfg.center[0]], 12);
  }

  function label(map, pane, latlng, text, kind, angle) {
    const span = document.createElement("span");
    span.textContent = text;
    if (angle) span.style.rotate = `${angle}deg`;
    const icon = L.divIcon({ className: `basemap-label ${kind}`, html: span, iconSize: null });
    return L.marker(latlng, { icon, pane, interactive: false, keyboard: false });
  }

  // A road's name at the middle of its length, turned along it (never upside down).
  function roadLabel(map, pane, feature) {
    let coords = feature.geometry.coordinates;
    if (feature.geometry.type === "MultiLineString") coords = coords.reduce((a, b) => (b.length > a.length ? b : a), []);
    if (coords.length < 2) return null;
    const pts = coords.map((c) => map.latLngToLayerPoint([c[1], c[0]]));
    let total = 0;
    for (let i = 1; i < pts.length; i++) total += pts[i].distanceTo(pts[i - 1]);
    if (total < feature.properties.name.length * 14) return null;  // too short on screen to hold its name
    let run = 0;
    for (let i = 1; i < pts.length; i++) {
      const step = pts[i].distanceTo(pts[i - 1]);
      if (run + step >= total / 2) {
        const t = step ? (total / 2 - run) / step : 0;
        const at = L.point(pts[i - 1].x + (pts[i].x - pts[i - 1].x) * t, pts[i - 1].y + (pts[i].y - pts[i - 1].y) * t);
        let angle = (Math.atan2(pts[i].y - pts[i - 1].y, pts[i].x - pts[i - 1].x) * 180) / Math.PI;
        if (angle > 90) angle -= 180;
        if (angle < -90) angle += 180;
        return label(map, pane, map.layerPointToLatLng(at), feature.properties.name, "road", Math.round(angle));
      }
      run += step;
    }
    return null;
  }

  function basemap(map, cfg, options) {
    const opts = Object.assign({ areas: true }, options || {});
    injectStyle();
    map.getContainer().classList.add("basemap-bg", "no-tiles");
    if (!map.getPane("basemap")) {
      map.createPane("basemap").style.zIndex = 250;  // above where tiles would be, under everything drawn on it
      const labels = map.createPane("basemapLabels");
      labels.style.zIndex = 390;
      labels.style.pointerEvents = "none";
    }
    const group = L.layerGroup().addTo(map);
    let controller = null;
    async function load() {
      if (controller) controller.abort();
      controller = new AbortController();
      const b = map.getBounds();
      const r = (v) => v.toFixed(6);
      const bbox = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)].map(r).join(",");
      const zoom = map.getZoom();
      try {
        const res = await fetch(`${cfg.basemap}?bbox=${bbox}&zoom=${zoom}${opts.areas ? "&areas=1" : ""}`, { signal: controller.signal });
        if (!res.ok) return;
        draw(await res.json(), zoom);
      } catch (err) { /* aborted by a newer move, or offline: the next move tries again */ }
    }
    function draw(data, zoom) {
      group.clearLayers();
      const order = { area: 0, grid: 1, water: 2, building: 3, road: 4 };
      const features = data.features.slice().sort((a, b) => order[a.properties.layer] - order[b.properties.layer]);
      const roads = features.filter((f) => f.properties.layer === "road");
      const styleOf = (f) => STYLES[f.properties.layer === "area" ? f.properties.level : f.properties.layer];
      const shapes = features.filter((f) => f.properties.layer !== "road");
      group.addLayer(L.geoJSON({ type: "FeatureCollection", features: shapes }, {
        pane: "basemap", interactive: false, style: styleOf,
        className: "basemap-shape",
      }));
      group.addLayer(L.geoJSON({ type: "FeatureCollection", features: roads }, { pane: "basemap", interactive: false, style: () => STYLES.roadCasing, className: "basemap-road-casing" }));
      group.addLayer(L.geoJSON({ type: "FeatureCollection", features: roads }, { pane: "basemap", interactive: false, style: () => STYLES.road, className: "basemap-road" }));
      for (const f of features) {
        const p = f.properties;
        let mark = null;
        if (p.layer === "area" && p.label && (p.level === "street" || (p.level === "community" && zoom >= 15))) {
          if (p.level === "street" && zoom > 15) continue;
          mark = label(map, "basemapLabels", [p.label[1], p.label[0]], p.name, p.level === "street" ? "area area-name" : "community");
        } else if (p.layer === "road" && p.name && zoom >= ROAD_LABEL_ZOOM) {
          mark = roadLabel(map, "basemapLabels", f);
        } else if (p.layer === "water" && p.name && zoom >= WATER_LABEL_ZOOM && f.geometry.type.endsWith("Polygon")) {
          mark = label(map, "basemapLabels", L.geoJSON(f).getBounds().getCenter(), p.name, "water");
        }
        if (mark) group.addLayer(mark);
      }
      map.getContainer().dataset.basemapFeatures = String(data.features.length);  // read by the browser test
    }
    map.on("moveend", load);
    map.whenReady(load);  // a page may set its own view after creating the map
    return group;
  }

  // A map on `el`, fitted to the jurisdiction, on tiles or the city's own layers.
  function create(el, cfg, options) {
    const opts = options || {};
    const map = L.map(el, Object.assign({ attributionControl: !!cfg.attribution, maxZoom: 19 }, opts.map || {}));
    addTiles(map, cfg);
    if (!opts.noFit) fit(map, cfg, opts.fit);
    if (!(cfg.layers || []).length && cfg.basemap) basemap(map, cfg, opts.basemap);
    el = typeof el === "string" ? document.getElementById(el) : el;
    el.civicMap = map;  // for the page's own tests and tools
    return map;
  }

  window.civicMap = { create, addTiles, fit, basemap };
})();
