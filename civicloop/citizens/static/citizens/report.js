// The report page: photos (shrunk here), a pin on the map, text, a category; the report goes to
// the outbox first, so a lost connection delays it and nothing else.
(function () {
  "use strict";
  const form = document.getElementById("report");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const outbox = window.citizenOutbox;
  const tiles = JSON.parse(form.dataset.tiles);
  let photos = [];
  // --- for the points app's fraud signals: the phone's own position (not the pin) and a device id
  const phone = { lon: "", lat: "" };
  const notePhone = (pos) => { phone.lon = String(pos.coords.longitude); phone.lat = String(pos.coords.latitude); };
  const device = (() => {
    try {
      let id = localStorage.getItem("civic-device");
      if (!id) { id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2); localStorage.setItem("civic-device", id); }
      return id;
    } catch (e) { return ""; }
  })();
  if (navigator.permissions && navigator.geolocation) {
    navigator.permissions.query({ name: "geolocation" }).then((p) => {
      if (p.state === "granted") navigator.geolocation.getCurrentPosition(notePhone, () => {}, { timeout: 10000 });
    }).catch(() => {});
  }

  // --- map pin (in the tiles' coordinate system; sent with it)
  // Fitted to the city; with no tiles the city's own streets, roads and names are the map.
  const map = window.civicMap.create("pin-map", tiles);
  let pin = null;
  function place(lat, lon, zoom) {
    $("lat").value = lat.toFixed(7); $("lon").value = lon.toFixed(7);
    if (!pin) { pin = L.marker([lat, lon], { draggable: true }).addTo(map); pin.on("dragend", () => { const p = pin.getLatLng(); onMap(p.lat, p.lng); }); }
    else pin.setLatLng([lat, lon]);
    if (zoom) map.setView([lat, lon], zoom);
    lookNearby();
    describeSoon();
  }
  // A point taken from the map itself is in the tiles' system (after 使用当前位置 it was WGS-84).
  function onMap(lat, lon, zoom) { form.dataset.crs = tiles.crs; place(lat, lon, zoom); }
  map.on("click", (e) => onMap(e.latlng.lat, e.latlng.lng));
  window.civicAddressSearch.attach(map, { crs: tiles.crs, onPick: (lat, lon) => onMap(lat, lon) });

  // --- the address under the pin (逆地理编码), debounced while the pin moves. It fills the address
  // field too, unless the citizen wrote their own there; offline or on an error the line stays empty.
  let describeTimer = null, describing = null, autoAddress = "";
  function describeSoon() { clearTimeout(describeTimer); describeTimer = setTimeout(describe, 400); }
  async function describe() {
    if (describing) describing.abort();
    describing = new AbortController();
    const q = new URLSearchParams({ lon: $("lon").value, lat: $("lat").value, crs: form.dataset.crs });
    try {
      const res = await fetch(form.dataset.reverse + "?" + q, { signal: describing.signal });
      showAddress(res.ok ? (await res.json()).line : "");
    } catch (e) { if (e.name !== "AbortError") showAddress(""); }
  }
  function showAddress(line) {
    $("pin-address").textContent = line || "";
    const field = $("address");
    if (line && (!field.value.trim() || field.value === autoAddress)) { field.value = line; autoAddress = line; }
  }
  // --- a scanned QR (facility or shop): the place, address and 事项 are known already
  const scanned = JSON.parse(form.dataset.scanned || "{}");
  if (scanned.token) {
    place(scanned.lat, scanned.lon, 18);
    if (scanned.address) $("address").value = scanned.address;
    if (scanned.category) $("category").value = scanned.category;
  }
  $("locate").addEventListener("click", () => {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition((pos) => {
      // The browser gives WGS-84; for GCJ-02 tiles the server converts, so send what we have.
      form.dataset.crs = "wgs84";
      place(pos.coords.latitude, pos.coords.longitude, 17);
      notePhone(pos);
    }, () => showError("location", "无法获取位置，请在地图上点选"), { enableHighAccuracy: true, timeout: 10000 });
  });

  // --- photos
  $("photos").addEventListener("change", async (e) => {
    const files = [...e.target.files];
    showError("photos", "");
    if (photos.length + files.length > 9) { showError("photos", "最多上传9张照片"); e.target.value = ""; return; }
    for (const f of files) photos.push(await window.civicShrink(f));
    e.target.value = "";
    $("thumbs").innerHTML = "";
    photos.forEach((p) => { const img = document.createElement("img"); img.src = URL.createObjectURL(p); img.alt = "照片"; $("thumbs").appendChild(img); });
  });

  // --- category suggestion and duplicates nearby
  let timer = null;
  $("description").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 400); });
  $("category").addEventListener("change", lookNearby);
  async function suggest() {
    const text = $("description").value.trim();
    if (!text) { $("suggest").textContent = ""; return; }
    try {
      const rows = await (await fetch(form.dataset.suggest + "?text=" + encodeURIComponent(text))).json();
      $("suggest").innerHTML = "";
      rows.forEach((r) => {
        const b = document.createElement("button"); b.type = "button"; b.textContent = `${r.name}（${r.share}%）`;
        b.className = "suggestion"; b.onclick = () => { $("category").value = r.code; lookNearby(); };
        $("suggest").appendChild(b);
      });
      if (!$("category").value && rows.length) { $("category").value = rows[0].code; lookNearby(); }
    } catch (e) { /* offline: the citizen picks */ }
  }
  async function lookNearby() {
    if (!$("lon").value || !$("category").value) { $("nearby").hidden = true; return; }
    const q = new URLSearchParams({ lon: $("lon").value, lat: $("lat").value, crs: form.dataset.crs, category: $("category").value });
    try {
      const rows = await (await fetch(form.dataset.nearby + "?" + q)).json();
      $("nearby-list").innerHTML = "";
      rows.forEach((r) => {
        const li = document.createElement("li");
        li.innerHTML = `<strong></strong> <span class="status"></span><div class="muted"></div><button type="button" class="follow">关注此案件</button>`;
        li.querySelector("strong").textContent = r.category_name;
        li.querySelector(".status").textContent = r.status;
        li.dataset.reference = r.reference;
        // The reporter's words come only where they are public (cases.publicity); otherwise "".
        li.querySelector(".muted").textContent = [`${r.distance_m} 米`, r.description, r.reference].filter(Boolean).join(" · ");
        li.querySelector("button").onclick = () => follow(r.reference);
        $("nearby-list").appendChild(li);
      });
      $("nearby").hidden = rows.length === 0;
    } catch (e) { $("nearby").hidden = true; }
  }
  async function follow(reference) {
    const body = new FormData();
    photos.forEach((p, i) => body.append("photos", p, `photo-${i + 1}.jpg`));
    const r = await fetch(form.dataset.url.replace(/\/?$/, "/") + reference + "/follow", { method: "POST", body, headers: { "X-CSRFToken": window.civicCsrf() } });
    if (r.ok) window.location.href = form.dataset.url.replace("/api/citizen/reports", "/m/reports") + "/" + reference + "/";
    else showError("form", ((await r.json()).detail) || "关注失败");
  }

  // --- submit: into the outbox, then try to send
  function showError(field, text) {
    const el = field === "form" ? $("form-error") : form.querySelector(`[data-error-for="${field}"]`);
    if (el) el.textContent = text || "";
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    ["photos", "location", "description", "category", "form"].forEach((f) => showError(f, ""));
    if (!$("lon").value) { showError("location", "请确定问题位置"); return; }
    if (!$("description").value.trim()) { showError("description", "请描述问题"); return; }
    $("submit").disabled = true;
    const fields = { lon: $("lon").value, lat: $("lat").value, crs: form.dataset.crs, description: $("description").value,
                     category: $("category").value, address: $("address").value };
    Object.assign(fields, { device, phone_lon: phone.lon, phone_lat: phone.lat });
    if (scanned.token) fields[scanned.kind] = scanned.token;
    const item = await outbox.add(form.dataset.url, { fields, photos });
    const result = await outbox.send(item);
    $("submit").disabled = false;
    if (result.state === "sent") { window.location.href = result.data.url; return; }
    if (result.state === "refused") {
      (result.data.errors || []).forEach((er) => showError(er.field === "file" ? "photos" : er.field, er.message));
      if (!(result.data.errors || []).length) showError("form", result.data.detail);
      await outbox.remove(item.client_key); // fix and submit again: a new report
      return;
    }
    form.reset(); photos = []; $("thumbs").innerHTML = "";
    renderOutbox();
  });

  const sent = []; // sent from this page, shown until the page is left
  async function renderOutbox() {
    const items = await outbox.all();
    const list = $("outbox");
    list.innerHTML = items.length || sent.length ? "" : '<li class="muted">没有待发送的上报</li>';
    sent.forEach((s) => {
      const li = document.createElement("li");
      li.className = "sent";
      li.innerHTML = `<span class="status">已发送</span> <a></a>`;
      li.querySelector("a").textContent = s.reference; li.querySelector("a").href = s.url;
      list.appendChild(li);
    });
    items.forEach((it) => {
      const li = document.createElement("li");
      li.dataset.clientKey = it.client_key;
      li.innerHTML = `<span class="status ${it.state}"></span> <span></span>`;
      li.querySelector(".status").textContent = it.state === "refused" ? "未通过：" + (it.detail || "") : "排队中，网络恢复后自动发送";
      li.querySelector("span:last-child").textContent = it.fields.description.slice(0, 30);
      list.appendChild(li);
    });
  }
  outbox.on("changed", renderOutbox);
  outbox.on("sent", (d) => { sent.unshift({ reference: d.data.reference, url: d.data.url }); renderOutbox(); });
  renderOutbox();
})();
