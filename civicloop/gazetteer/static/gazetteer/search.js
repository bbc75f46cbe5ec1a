// An address search box on a Leaflet map (docs/gazetteer.md, "Addresses on the maps"): type an
// address, pick one of up to five candidates from GET /api/geo/geocode, and the map flies there.
// Every map page calls it the same way:
//
//   civicAddressSearch.attach(map, { crs: tiles.crs, onPick: (lat, lon, candidate) => … });  // Leaflet
//   civicAddressSearch.attachTo(element, { onPick: (lat, lon) => … });  // any other map
//
// A form field that holds a road's code (the console's case list) becomes a box for the road's name
// with the same suggestions, roads only (pickRoad, below).
//
// The URL and the words come from data attributes on the map's element (the page's template writes
// them translated): data-geocode, data-geocode-label, data-geocode-placeholder, data-geocode-empty.
// The geocoder answers in WGS-84; a map on GCJ-02 tiles gets the candidate converted here.
(function () {
  "use strict";
  const DEBOUNCE_MS = 300;
  const LIMIT = 5;
  const FLY_ZOOM = 18;

  const CSS = `
.address-search { background: #fff; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.35); width: 13rem; max-width: calc(100vw - 6rem); }
.address-search input { box-sizing: border-box; width: 100%; margin: 0; padding: .4rem .5rem; border: 0; border-radius: 4px; font: 14px/1.3 system-ui, sans-serif; }
.address-search ul { list-style: none; margin: 0; padding: 0; border-top: 1px solid #e3e6ea; }
.address-search ul:empty { display: none; }
.address-search li button { display: block; width: 100%; text-align: left; border: 0; background: none; padding: .4rem .5rem; font: 13px/1.3 system-ui, sans-serif; color: #1d2733; cursor: pointer; }
.address-search li button:hover, .address-search li button:focus { background: #eef3f9; }
.address-search.road-picker { box-shadow: none; border: 1px solid #c5ccd3; width: 100%; }
.address-search-overlay { position: absolute; top: 10px; right: 10px; z-index: 1000; }
.address-search li.empty { padding: .4rem .5rem; font: 13px/1.3 system-ui, sans-serif; color: #6b7785; }`;

  function injectStyle() {
    if (document.getElementById("address-search-style")) return;
    const style = document.createElement("style");
    style.id = "address-search-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  // GCJ-02 from WGS-84: the closed formula of civicloop/lib/coords.py (outside China they agree).
  const A = 6378245.0;
  const EE = 0.00669342162296594323;
  function tLat(x, y) {
    let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
    r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
    r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
    return r;
  }
  function tLon(x, y) {
    let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
    r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
    r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
    return r;
  }
  function toGcj02(lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8292 || lat > 55.8272) return [lon, lat];
    const radlat = (lat / 180) * Math.PI;
    const magic = 1 - EE * Math.sin(radlat) ** 2;
    const sqrtmagic = Math.sqrt(magic);
    const dlat = (tLat(lon - 105, lat - 35) * 180) / (((A * (1 - EE)) / (magic * sqrtmagic)) * Math.PI);
    const dlon = (tLon(lon - 105, lat - 35) * 180) / ((A / sqrtmagic) * Math.cos(radlat) * Math.PI);
    return [lon + dlon, lat + dlat];
  }
  function toDisplay(crs, lon, lat) {
    return crs === "gcj02" ? toGcj02(lon, lat) : [lon, lat];
  }

  function el(tag, className, parent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (parent) parent.appendChild(node);
    return node;
  }

  // The box: an input and the candidates under it. `data` holds the URL and the words (the map
  // element's data-geocode* attributes); `choose(candidate)` is called with the one picked; `keep`,
  // when given, says which candidates are offered.
  function makeBox(data, choose, keep) {
    const words = { label: data.geocodeLabel || "", placeholder: data.geocodePlaceholder || "", empty: data.geocodeEmpty || "" };
    const box = el("div", "address-search");
    box.setAttribute("role", "search");
    const input = el("input", "", box);
    input.type = "search";
    input.autocomplete = "off";
    input.setAttribute("aria-label", words.label);
    input.placeholder = words.placeholder;
    const list = el("ul", "", box);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", words.label);
    let timer = null;
    let controller = null;
    let shown = [];

    function clear() { list.innerHTML = ""; shown = []; }
    function show(candidates) {
      clear();
      shown = candidates;
      if (!candidates.length && words.empty) { el("li", "empty", list).textContent = words.empty; return; }
      candidates.forEach((c) => {
        const li = el("li", "", list);
        li.setAttribute("role", "option");
        const button = el("button", "", li);
        button.type = "button";
        button.textContent = c.label;
        // Stopped here: the list is emptied on a pick, and Leaflet, not finding the box above a
        // detached button, would take the tap for a tap on the map under it.
        button.addEventListener("click", (e) => { e.stopPropagation(); pick(c); });
      });
    }
    function pick(candidate) {
      input.value = candidate.label;
      clear();
      choose(candidate);
    }
    async function look() {
      const text = input.value.trim();
      if (controller) controller.abort();
      if (!text) { clear(); return; }
      controller = new AbortController();
      try {
        const res = await fetch(`${data.geocode}?q=${encodeURIComponent(text)}&limit=${LIMIT}`,
                                { signal: controller.signal, credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!res.ok) { clear(); return; }  // too long, rate-limited: no list, the map still works
        const candidates = (await res.json()).candidates || [];
        show(keep ? candidates.filter(keep) : candidates);
      } catch (err) { /* aborted by newer typing, or offline: nothing to offer */ }
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(look, DEBOUNCE_MS); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); if (shown.length) pick(shown[0]); }  // never submits the page's form
      if (e.key === "Escape") clear();
    });
    return { box, input, pick };
  }

  // On a Leaflet map: a control in its top-right corner; a pick flies the map there. Taps and wheel
  // turns on the box stay in it, so a tap on a candidate never also drops a pin under it.
  function attach(map, options) {
    const opts = options || {};
    const data = Object.assign({}, map.getContainer().dataset, opts.url ? { geocode: opts.url } : {});
    if (!data.geocode || !window.L) return null;
    injectStyle();
    let mark = null;  // where the picked address is, on maps with no pin of their own
    const search = makeBox(data, (candidate) => {
      const [lon, lat] = toDisplay(opts.crs || "wgs84", candidate.lon, candidate.lat);
      map.flyTo([lat, lon], Math.max(map.getZoom(), opts.zoom || FLY_ZOOM), { duration: 0.6 });
      if (opts.onPick) { opts.onPick(lat, lon, candidate); return; }
      if (mark) mark.remove();
      mark = L.circleMarker([lat, lon], { radius: 8, color: "#0b5cad", weight: 3, fillColor: "#fff", fillOpacity: 0.9,
                                          className: "address-search-mark", interactive: false }).addTo(map);
    });
    search.box.classList.add("leaflet-bar");
    L.DomEvent.disableClickPropagation(search.box);
    L.DomEvent.disableScrollPropagation(search.box);
    const Control = L.Control.extend({ onAdd: () => search.box });
    new Control({ position: opts.position || "topright" }).addTo(map);
    return search;
  }

  // On any other map (the wall screen's ECharts): the box over the top-right corner of `container`;
  // the page moves its map in onPick(lat, lon, candidate), in the crs asked for.
  function attachTo(container, options) {
    const opts = options || {};
    const data = Object.assign({}, container.dataset, opts.url ? { geocode: opts.url } : {});
    if (!data.geocode) return null;
    injectStyle();
    const search = makeBox(data, (candidate) => {
      const [lon, lat] = toDisplay(opts.crs || "wgs84", candidate.lon, candidate.lat);
      if (opts.onPick) opts.onPick(lat, lon, candidate);
    });
    search.box.classList.add("address-search-overlay");
    if (getComputedStyle(container).position === "static") container.style.position = "relative";
    container.appendChild(search.box);
    return search;
  }

  // A form with lon/lat fields and an address field (the console's 上报 form): when the point changes
  // and the address is empty (or still the one filled here), it is filled with the point's address
  // from GET /api/geo/reverse. Declared in the template: <form data-reverse-address="{url}"
  // data-reverse-crs="wgs84">. Offline or on an error the field is left as it is.
  function fillAddressFrom(form) {
    const lon = form.querySelector("[name=lon]");
    const lat = form.querySelector("[name=lat]");
    const address = form.querySelector("[name=address]");
    if (!lon || !lat || !address) return;
    let timer = null;
    let controller = null;
    let filled = "";
    async function fill() {
      if (!lon.value.trim() || !lat.value.trim()) return;
      if (address.value.trim() && address.value !== filled) return;  // the reporter's own words stay
      if (controller) controller.abort();
      controller = new AbortController();
      const q = new URLSearchParams({ lon: lon.value.trim(), lat: lat.value.trim(), crs: form.dataset.reverseCrs || "wgs84" });
      try {
        const res = await fetch(`${form.dataset.reverseAddress}?${q}`, { signal: controller.signal, credentials: "same-origin" });
        if (!res.ok) return;  // not a point yet, or outside the city: the server says so on submit
        const line = (await res.json()).line;
        if (line && (!address.value.trim() || address.value === filled)) { address.value = line; filled = line; }
      } catch (err) { /* offline: the server fills it when the report arrives */ }
    }
    const soon = () => { clearTimeout(timer); timer = setTimeout(fill, 400); };
    lon.addEventListener("input", soon); lat.addEventListener("input", soon);
    lon.addEventListener("change", soon); lat.addEventListener("change", soon);
  }
  // <input name="road" data-road-search="{geocode url}" data-road-name="{the chosen road's name}"
  //  data-geocode-label=… data-geocode-placeholder=… data-geocode-empty=…> holds a road's code: the
  // person sees and types the road's name, picks one of the gazetteer's roads, and the field, now
  // hidden, gets its code. Typing again forgets the code until another road is picked.
  function pickRoad(field) {
    if (field.dataset.roadPicker) return;
    field.dataset.roadPicker = "1";
    injectStyle();
    const data = Object.assign({}, field.dataset, { geocode: field.dataset.roadSearch });
    const isRoad = (c) => c.kind === "road" && c.matched && c.matched.code;
    const search = makeBox(data, (candidate) => { field.value = candidate.matched.code; }, isRoad);
    search.box.classList.add("road-picker");
    search.input.value = field.dataset.roadName || field.value;
    search.input.addEventListener("input", () => { field.value = ""; });
    if (field.id) {
      search.input.id = `${field.id}-name`;
      const label = document.querySelector(`label[for="${field.id}"]`);
      if (label) label.htmlFor = search.input.id;
    }
    field.type = "hidden";
    field.after(search.box);
    return search;
  }

  function fillAddressForms() {
    document.querySelectorAll("form[data-reverse-address]").forEach(fillAddressFrom);
    document.querySelectorAll("input[data-road-search]").forEach(pickRoad);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fillAddressForms);
  else fillAddressForms();

  window.civicAddressSearch = { attach, attachTo, fillAddressFrom, pickRoad, toGcj02 };
})();
