// Every citizen page: the offline banner and the service worker (CSP: no inline scripts).
(function () {
  const me = document.getElementById("app-js");
  const net = document.getElementById("net");
  const show = () => { net.hidden = navigator.onLine; };
  window.addEventListener("online", show); window.addEventListener("offline", show); show();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(me.dataset.sw, { scope: me.dataset.scope }).catch(() => {});
})();
