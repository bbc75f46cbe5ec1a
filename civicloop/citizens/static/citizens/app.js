// Every citizen page: the offline banner, the service worker (CSP: no inline scripts) and the outbox
// the reports wait in until the server has them, so a report left waiting goes from any page.
(function () {
  const me = document.getElementById("app-js");
  const net = document.getElementById("net");
  const show = () => { net.hidden = navigator.onLine; };
  window.addEventListener("online", show); window.addEventListener("offline", show); show();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(me.dataset.sw, { scope: me.dataset.scope }).catch(() => {});
  window.civicCsrf = window.civicOutbox.csrf; // every citizen page posts with it
  window.citizenOutbox = window.civicOutbox.create({
    database: "civicloop-citizen", // the name the app has always used: reports queued before an upgrade still go
    keyField: "client_key",
    keepRefused: true, // the citizen sees why (the report page lists it)
    body: (item) => {
      const body = new FormData();
      Object.entries(item.fields).forEach(([k, v]) => body.append(k, v));
      item.photos.forEach((p, i) => body.append("photos", p, `photo-${i + 1}.jpg`));
      return body;
    },
  });
})();
