// The public map: problems of the last days as dots (open: orange, closed: green), with their
// category, plain status and day — what anyone passing by can see, nothing about who reported.
(function () {
  "use strict";
  const box = document.getElementById("public-map");
  if (!box) return;
  const tiles = JSON.parse(box.dataset.tiles);
  const map = L.map(box, { attributionControl: !!tiles.url }).setView([tiles.center[1], tiles.center[0]], 12);
  if (tiles.url) L.tileLayer(tiles.url, { subdomains: tiles.subdomains || "abc", maxZoom: 19 }).addTo(map);
  else {
    box.classList.add("no-tiles");
    fetch(box.dataset.areas).then((r) => r.json()).then((areas) => {
      L.geoJSON(areas, { interactive: false, style: { color: "#0b5cad", weight: 1.2, fillColor: "#dbe7f5", fillOpacity: 0.3 } }).addTo(map);
    }).catch(() => {});
  }
  fetch(box.dataset.cases).then((r) => r.json()).then((cases) => {
    const layer = L.geoJSON(cases, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 6, weight: 1, color: "#fff", fillOpacity: 0.9, fillColor: f.properties.closed ? "#1a7f37" : "#d97706",
        className: f.properties.closed ? "case-dot closed" : "case-dot open",
      }),
      onEachFeature: (f, marker) => marker.bindPopup(`<b>${escape(f.properties.category)}</b><br>${escape(f.properties.status)} · ${f.properties.day}`),
    }).addTo(map);
    document.getElementById("public-map-count").textContent = `共 ${cases.features.length} 件`;
    if (cases.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20], animate: false });
  });

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
})();
