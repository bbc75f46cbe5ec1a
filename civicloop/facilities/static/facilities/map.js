// The facility layer: points in the viewport, or counted cells when a view holds too many.
(function () {
  "use strict";
  const el = document.getElementById("facility-map");
  if (!el) return;
  const tiles = JSON.parse(el.dataset.tiles);
  const map = window.civicMap.create(el, tiles);
  window.civicAddressSearch.attach(map, { crs: tiles.crs });  // type an address, fly there
  const layer = L.layerGroup().addTo(map);
  const colours = { intact: "#067647", damaged: "#b42318", lost: "#b54708" };
  async function load() {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    const body = await (await fetch(el.dataset.layer + "?bbox=" + bbox, { credentials: "same-origin" })).json();
    layer.clearLayers();
    let total = 0;
    (body.features || []).forEach((f) => {
      const [lon, lat] = f.geometry.coordinates;
      if (body.clustered) {
        total += f.properties.count;
        L.marker([lat, lon], { icon: L.divIcon({ className: "facility-cluster", html: String(f.properties.count), iconSize: [34, 34] }) }).addTo(layer);
      } else {
        total += 1;
        const m = L.circleMarker([lat, lon], { radius: 6, color: colours[f.properties.state] || "#475467", weight: 2 });
        const a = document.createElement("a");
        a.href = el.dataset.detail + encodeURIComponent(f.id) + "/"; a.textContent = f.properties.name + " " + f.id;
        m.bindPopup(a).addTo(layer);
      }
    });
    document.getElementById("facility-map-count").textContent = total + " 个部件 / facilities in view";
  }
  map.on("moveend", load);
  load();
})();
