// The browser's outbox, for every page that must not lose what a person sends on a bad network (a
// citizen's report, a patrol's GPS points). An item is kept in the browser (IndexedDB) before it is
// sent, the items go in the order they were added, and a try that meets no network (or a busy server)
// is repeated, sooner after the network comes back, later the longer it stays away. Each item carries
// a key the server stores it under, so an item sent again after its answer was lost is the same item
// there, never a second one.
//
//   const box = civicOutbox.create({ database: "…", keyField: "client_key", body: (item) => FormData | object });
//   const item = await box.add(url, { …what body() needs… });   // kept; box.send(item) or box.flush() sends
//   box.on("changed" | "sent" | "queued" | "refused", (detail) => …);
(function () {
  "use strict";
  const STORE = "outbox";

  // Console pages carry the token in a meta tag; the citizen app reads Django's cookie.
  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function newKey() {
    const raw = window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);
    return raw.replace(/-/g, "");
  }

  function openStore(database) {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(database, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  // options: database (IndexedDB name, one per queue); body(item) → FormData or a JSON-able object
  // (the key is added as keyField); keepRefused: a refused item stays, marked, so the person sees why
  // (else it is dropped: resending cannot help); retryMs / maxRetryMs: the back-off after a failed try.
  function create(options) {
    const keyField = options.keyField || "client_key";
    const retryMs = options.retryMs || 5000, maxRetryMs = options.maxRetryMs || 60000;
    const events = new EventTarget();
    const inFlight = new Set();
    let db = null, seq = 0, flushing = null, retryTimer = null, delay = retryMs;

    async function tx(mode, fn) {
      db = db || await openStore(options.database);
      return new Promise((resolve, reject) => {
        const t = db.transaction(STORE, mode);
        const req = fn(t.objectStore(STORE));
        t.oncomplete = () => resolve(req.result);
        t.onerror = () => reject(t.error);
      });
    }
    const put = (item) => tx("readwrite", (s) => s.put(item));
    const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));

    async function all() {
      const items = await tx("readonly", (s) => s.getAll());
      return items.sort((a, b) => (a.created - b.created) || ((a.seq || 0) - (b.seq || 0)));
    }
    async function remove(key) {
      await tx("readwrite", (s) => s.delete(key));
      emit("changed");
    }
    async function add(url, payload, key) {
      const item = Object.assign({}, payload, { client_key: key || newKey(), url, state: "queued", created: Date.now(), seq: seq++ });
      await put(item);
      emit("changed");
      return item;
    }

    function request(item) {
      const body = options.body(item);
      const headers = { "X-CSRFToken": csrf() };
      if (body instanceof FormData) {
        body.append(keyField, item.client_key);
        return { method: "POST", body, headers, credentials: "same-origin" };
      }
      headers["Content-Type"] = "application/json";
      return { method: "POST", body: JSON.stringify(Object.assign({}, body, { [keyField]: item.client_key })), headers, credentials: "same-origin" };
    }

    function retryLater() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, delay);
      delay = Math.min(delay * 2, maxRetryMs);
    }

    // One try of one item: "sent" (gone from the box), "queued" (no network, a busy or failing
    // server: tried again later) or "refused" (a clear no: sending again cannot help).
    async function send(item) {
      if (inFlight.has(item.client_key)) return { state: "queued", data: {} };
      inFlight.add(item.client_key);
      let result;
      try {
        result = await attempt(item);
      } finally {
        inFlight.delete(item.client_key);
      }
      if (result.state === "queued") retryLater(); else delay = retryMs;
      emit(result.state, { item, data: result.data, status: result.status });
      emit("changed");
      return result;
    }
    async function attempt(item) {
      let response;
      try {
        response = await fetch(item.url, request(item));
      } catch (e) {
        return { state: "queued", data: {} };
      }
      let data = {};
      try { data = await response.json(); } catch (e) { /* not JSON: a proxy's page */ }
      const status = response.status;
      if (response.ok) {
        await tx("readwrite", (s) => s.delete(item.client_key));
        return { state: "sent", data, status };
      }
      if (status >= 500 || status === 429 || status === 0) return { state: "queued", data, status };
      if (options.keepRefused) {
        Object.assign(item, { state: "refused", errors: data.errors || [], detail: data.detail || String(status) });
        await put(item);
      } else {
        await tx("readwrite", (s) => s.delete(item.client_key));
      }
      return { state: "refused", data, status };
    }

    // Sends what waits, oldest first, stopping at the first that cannot go yet (so the order holds).
    // Resolves true when nothing is left to send.
    function flush() {
      flushing = flushing || (async () => {
        try {
          for (const item of await all()) {
            if (item.state === "refused") continue;
            if ((await send(item)).state === "queued") return false;
          }
          return true;
        } finally {
          flushing = null;
        }
      })();
      return flushing;
    }

    window.addEventListener("online", () => { delay = retryMs; flush(); });
    setTimeout(flush, 0); // what an earlier visit left behind
    return {
      add, send, flush, all, remove,
      on: (type, fn) => events.addEventListener(type, (e) => fn(e.detail || {})),
    };
  }

  window.civicOutbox = { create, csrf, newKey };
})();
