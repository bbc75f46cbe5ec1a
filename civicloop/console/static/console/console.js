// civicloop consoles: HTMX settings, keyboard shortcuts and small maps. No framework on purpose.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  document.addEventListener("htmx:configRequest", (e) => { e.detail.headers["X-CSRFToken"] = csrf(); });
  // The queue's refresh keeps the open case selected and pauses while cases are ticked for bulk
  // dispatch. Done here rather than with htmx's js:/[filter] attributes, which need eval (CSP).
  document.addEventListener("htmx:configRequest", (e) => {
    if (!e.detail.elt.matches("[data-queue-poll]")) return;
    e.detail.parameters.case = document.querySelector(".case[data-reference]")?.dataset.reference || "";
  });
  document.addEventListener("htmx:confirm", (e) => {
    const poll = e.detail.elt.matches("[data-queue-poll]") && !(e.detail.triggeringEvent && e.detail.triggeringEvent.type === "case-acted");
    if (poll && document.querySelector(".queue-list input[name=pick]:checked")) e.preventDefault();
  });
  // 409 (someone else acted first) and 422 (input to fix) carry a page part to show, not an error page.
  document.addEventListener("DOMContentLoaded", () => {
    if (!window.htmx) return;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409|422|429", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  });
  document.addEventListener("htmx:responseError", (e) => {
    toast((document.documentElement.lang === "en" ? "Request failed: " : "请求失败：") + e.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", () => {
    toast(document.documentElement.lang === "en" ? "Network error; nothing was changed. Try again." : "网络异常，未作任何更改，请重试。");
  });

  function toast(text) {
    const box = document.getElementById("toast");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "msg"; item.textContent = text;
    box.appendChild(item);
    setTimeout(() => item.remove(), 6000);
  }
  window.civicToast = toast;
  document.addEventListener("civic-toast", (e) => toast(e.detail.value || e.detail));

  // Keyboard: j/k move in the queue, Enter opens, the key shown on an action button opens it.
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(e.target)) return;
    if (e.key === "j" || e.key === "k") { moveInQueue(e.key === "j" ? 1 : -1); e.preventDefault(); return; }
    if (e.key === "?") { document.getElementById("keys-help")?.toggleAttribute("hidden"); return; }
    const target = document.querySelector(`[data-key="${CSS.escape(e.key)}"]`);
    if (!target) return;
    e.preventDefault();
    if (target.tagName === "DETAILS") {
      target.open = true;
      target.querySelector("input:not([type=hidden]), select, textarea, button")?.focus();
    } else { target.click(); }
  });

  function moveInQueue(step) {
    const links = [...document.querySelectorAll(".queue-list li a")];
    if (!links.length) return;
    const current = links.findIndex((a) => a.closest("li").classList.contains("selected"));
    const next = links[Math.max(0, Math.min(links.length - 1, current + step))];
    next.focus(); next.click();
  }

  // Keep the queue's highlight on the open case when the list refreshes itself.
  document.addEventListener("htmx:afterSettle", (e) => {
    const open = document.querySelector(".case[data-reference]")?.dataset.reference;
    document.querySelectorAll(".queue-list li").forEach((li) => li.classList.toggle("selected", li.dataset.reference === open));
    initMaps(e.target);
  });
  document.addEventListener("DOMContentLoaded", () => initMaps(document));

  // Small maps: [data-minimap] with a point and its grid, on the configured tiles or none.
  function initMaps(root) {
    if (!window.L || !root.querySelectorAll) return;
    root.querySelectorAll("[data-minimap]").forEach((el) => {
      if (el._map) return;
      const cfg = JSON.parse(el.dataset.minimap);
      const map = L.map(el, { zoomControl: true, attributionControl: !!cfg.tiles.attribution });
      el._map = map;
      if (window.civicMap) window.civicMap.addTiles(map, cfg.tiles);
      const here = [cfg.lat, cfg.lon];
      // The view must exist before vector layers are added (Leaflet projects them at once).
      const grid = cfg.grid ? L.geoJSON(cfg.grid, { style: { color: "#0b5cad", weight: 2, fillOpacity: 0.06 } }) : null;
      if (grid) { map.fitBounds(grid.getBounds().extend(here), { maxZoom: 17, padding: [10, 10] }); } else { map.setView(here, 17); }
      if (grid) grid.addTo(map);
      if (window.civicMap && cfg.tiles.basemap) window.civicMap.basemap(map, cfg.tiles, { areas: false });
      L.circleMarker(here, { radius: 8, color: "#fff", weight: 2, fillColor: cfg.color || "#b42318", fillOpacity: 1 }).addTo(map);
      (cfg.nearby || []).forEach((n) => L.circleMarker([n.lat, n.lon], { radius: 6, color: "#fff", weight: 1, fillColor: "#9a6700", fillOpacity: 0.9 }).bindTooltip(n.reference).addTo(map));
    });
  }
  window.civicInitMaps = initMaps;
})();

// Small behaviours marked in the HTML: fill a field from a suggestion, locate, submit once.
(function () {
  "use strict";
  document.addEventListener("click", (e) => {
    const fill = e.target.closest("[data-fill]");
    if (fill) {
      const field = document.querySelector(fill.dataset.fill);
      if (field) { field.value = fill.dataset.value; field.dispatchEvent(new Event("change", { bubbles: true })); field.focus(); }
      return;
    }
    const locate = e.target.closest("[data-geolocate]");
    if (locate && navigator.geolocation) {
      navigator.geolocation.getCurrentPosition((pos) => {
        const form = locate.closest("form");
        form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(7);
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(7);
        form.querySelector("[name=lat]").dispatchEvent(new Event("change", { bubbles: true }));  // for whoever listens (the address filler)
      }, () => window.civicToast && window.civicToast(document.documentElement.lang === "en" ? "Location unavailable" : "无法获取位置"));
    }
  });
  // A plain form submits once: the second click of a double-click does nothing.
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!form.matches("form[data-once]")) return;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
})();
