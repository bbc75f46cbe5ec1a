// 待定位: the selected order's candidates as markers (a click on one places the order there) and a
// click anywhere on the map to choose the point by hand. Points arrive and leave in the tiles' system
// (the form sends it as crs), so the server converts them as it does every map's points.
(function () {
  "use strict";
  const el = document.getElementById("locate-map");
  if (!el || !window.L || !window.civicMap) return;
  const cfg = JSON.parse(el.dataset.tiles);
  const candidates = JSON.parse(el.dataset.candidates || "[]");
  const map = window.civicMap.create(el, cfg, { noFit: candidates.length > 0 });
  const form = document.getElementById("locate-point");
  const picked = document.getElementById("locate-picked");
  let chosen = null;

  function placeCandidate(index) {
    const button = document.querySelectorAll(".locate-orders li.selected [data-testid=candidate]")[index];
    if (button) button.click();
  }

  const markers = candidates.map((c) => {
    const marker = L.circleMarker([c.lat, c.lon], { radius: 8, color: "#0b5cad", fillOpacity: 0.6 }).addTo(map);
    marker.bindTooltip(`${c.label} (${c.confidence.toFixed(2)})`);
    marker.on("click", (e) => { L.DomEvent.stopPropagation(e); placeCandidate(c.index); });
    return marker;
  });
  if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [40, 40], maxZoom: 17, animate: false });

  map.on("click", (e) => {
    const lon = e.latlng.lng.toFixed(7), lat = e.latlng.lat.toFixed(7);
    if (chosen) chosen.setLatLng(e.latlng); else chosen = L.marker(e.latlng).addTo(map);
    form.elements.lon.value = lon;
    form.elements.lat.value = lat;
    picked.textContent = `${lon}, ${lat}`;
    document.getElementById("locate-submit").disabled = false;
  });
  el.dataset.ready = "1";  // read by the browser test
})();
