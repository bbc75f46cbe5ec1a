// The public map: problems of the last days as dots (open: orange, closed: green), with their
// category, plain status and day — what anyone passing by can see, nothing about who reported.
(function () {
  "use strict";
  const box = document.getElementById("public-map");
  if (!box) return;
  const tiles = JSON.parse(box.dataset.tiles);
  const map = window.civicMap.create(box, tiles);
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
