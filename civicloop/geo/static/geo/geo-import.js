// The import preview: what the file would add (green), change (orange, the old shape dashed grey)
// and what is refused (red), drawn over the city's tiles. Shapes arrive in the tiles' system.
(function () {
  "use strict";
  const el = document.getElementById("geo-import-map");
  if (!el || !window.L) return;
  const tiles = JSON.parse(el.dataset.tiles);
  // The city's tiles (or its own layers), opened on the file's shapes, else on the jurisdiction.
  const map = window.civicMap.create(el, tiles, { noFit: true });
  const styles = {
    created: { color: "#1a7f37", weight: 1.5, fillOpacity: 0.25 },
    updated: { color: "#e07a00", weight: 1.5, fillOpacity: 0.25 },
    before: { color: "#6b7785", weight: 1.5, dashArray: "4 4", fill: false },
    refused: { color: "#b42318", weight: 2, fillOpacity: 0.3 },
  };
  fetch(el.dataset.layer, { credentials: "same-origin" }).then((r) => r.json()).then((body) => {
    const layer = L.geoJSON(body, {
      style: (f) => styles[f.properties.status] || styles.created,
      onEachFeature: (f, shape) => {
        const label = el.dataset["label" + f.properties.status.charAt(0).toUpperCase() + f.properties.status.slice(1)] || "";
        shape.bindTooltip(`${f.properties.code} ${f.properties.name || ""} · ${label}`);
      },
    }).addTo(map);
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else window.civicMap.fit(map, tiles);
    el.dataset.shapes = String(body.features.length);  // read by the browser test
    if (body.truncated) document.getElementById("geo-import-map-note").textContent = "…";
  });
})();
