// The citizen's outbox: a report is saved in the browser (IndexedDB) before it is sent, and sent
// again until the server answers. The client key makes every retry the same report on the server,
// so a bad network can delay a report but never lose it or double it.
(function () {
  "use strict";
  const DB = "civicloop-citizen", STORE = "outbox", RETRY_MS = 15000;

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function tx(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && result.result !== undefined ? result.result : result);
      t.onerror = () => reject(t.error);
    });
  }

  const put = (item) => tx("readwrite", (s) => s.put(item));
  const remove = (key) => tx("readwrite", (s) => s.delete(key));
  const all = () => tx("readonly", (s) => s.getAll());

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // One attempt for one item. Network failure: stays queued. A clear refusal (4xx): kept with its
  // messages so the citizen can see why, never silently dropped.
  async function sendOne(item) {
    const body = new FormData();
    Object.entries(item.fields).forEach(([k, v]) => body.append(k, v));
    body.append("client_key", item.client_key);
    item.photos.forEach((p, i) => body.append("photos", p, `photo-${i + 1}.jpg`));
    let response;
    try {
      response = await fetch(item.url, { method: "POST", body, headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
    } catch (e) {
      return { state: "queued" };
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: a proxy's page */ }
    if (response.ok) {
      await remove(item.client_key);
      return { state: "sent", data };
    }
    if (response.status >= 500 || response.status === 429 || response.status === 0) return { state: "queued", data };
    item.state = "refused"; item.errors = data.errors || []; item.detail = data.detail || String(response.status);
    await put(item);
    return { state: "refused", data };
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of await all()) {
        if (item.state === "refused") continue;
        const result = await sendOne(item);
        document.dispatchEvent(new CustomEvent("outbox:" + result.state, { detail: { item, data: result.data } }));
        if (result.state === "queued") break; // still offline: try again later
      }
    } finally {
      flushing = false;
      document.dispatchEvent(new CustomEvent("outbox:changed"));
    }
  }

  async function enqueue(url, fields, photos) {
    const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "");
    const item = { client_key: key, url, fields, photos, state: "queued", created: Date.now() };
    await put(item);
    document.dispatchEvent(new CustomEvent("outbox:changed"));
    return item;
  }

  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, RETRY_MS);
  window.civicOutbox = { enqueue, flush, all, remove, sendOne };
  window.civicCsrf = csrf; // every citizen page posts with it
})();
