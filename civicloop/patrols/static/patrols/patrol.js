// The patrol phone page: GPS fixes are kept in localStorage, sealed into batches with an id that go to
// the outbox (core/outbox.js) and are sent in order; a batch that fails (no network) is sent again with
// the same id, so the server stores it once. Nothing is lost when the page is closed: the queue and the
// outbox are picked up again.
(function () {
  "use strict";
  var root = document.getElementById("patrol");
  if (!root) return;
  var config = JSON.parse(document.getElementById("patrol-config").textContent);
  var KEY = "civicloop.patrol." + root.dataset.user;
  var FLUSH_MS = 15000, MIN_GAP_MS = 3000;
  var watchId = null, retryTimer = null, boxed = 0, sealing = Promise.resolve();
  var $ = function (id) { return document.getElementById(id); };

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  var state = Object.assign({ patrolId: null, startKey: null, queue: [], recorded: 0, sent: 0, ending: false }, load());
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); render(); }
  var uid = window.civicOutbox.newKey;
  var outbox = window.civicOutbox.create({
    database: KEY, keyField: "batch_id",
    body: function (item) { return { points: item.points }; }
  });
  function url(template, id) { return template.replace("/0/", "/" + id + "/"); }
  function say(text) { $("patrol-message").textContent = text || ""; }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.civicOutbox.csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.detail || r.statusText); e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function waiting() { return state.queue.length + boxed; }
  function count() {
    return outbox.all().then(function (items) {
      boxed = items.reduce(function (n, b) { return n + b.points.length; }, 0);
      render();
      return items.length;
    });
  }
  function render() {
    var on = !!state.patrolId && !state.ending;
    $("patrol-state").textContent = on ? root.dataset.labelOn : (state.ending ? root.dataset.labelEnding : root.dataset.labelOff);
    $("start-patrol").hidden = !!state.patrolId;
    $("end-patrol").hidden = !on;
    $("count-recorded").textContent = state.recorded;
    $("count-queued").textContent = waiting();
    $("count-sent").textContent = state.sent;
    $("report-link").href = config.report + (state.patrolId ? "?patrol=" + state.patrolId : "");
  }

  // Batches go to the outbox one after another; the points leave the queue only once their batch is kept.
  function seal() {
    sealing = sealing.catch(function () {}).then(function next() {
      if (!state.queue.length || !state.patrolId) return;
      var points = state.queue.slice(0, config.batch);
      return outbox.add(url(config.points, state.patrolId), { points: points }).then(function () {
        state.queue.splice(0, points.length);
        save();
        return next();
      });
    });
    return sealing;
  }

  function flush() {
    if (!state.patrolId) return count().then(function (n) { return !n; });
    return outbox.flush();
  }
  outbox.on("changed", count);
  outbox.on("sent", function (d) { state.sent += d.item.points.length; save(); });
  outbox.on("refused", function (d) { say(d.data.detail || String(d.status)); });  // e.g. the patrol is long over
  outbox.on("queued", function () { say(root.dataset.labelOffline); });

  function onFix(pos) {
    var c = pos.coords, last = state.queue[state.queue.length - 1];
    $("gps-status").textContent = "GPS ±" + Math.round(c.accuracy) + " m";
    if (!state.patrolId || state.ending) return;
    if (last && pos.timestamp - last.t < MIN_GAP_MS) return;
    state.queue.push({ t: pos.timestamp, lon: c.longitude, lat: c.latitude, acc: c.accuracy });
    state.recorded += 1;
    if (state.queue.length >= config.batch) { seal().then(flush); } else { save(); }
  }
  function onGpsError(err) { $("gps-status").textContent = root.dataset.labelNoGps + " (" + err.message + ")"; }

  function watch() {
    if (watchId !== null || !navigator.geolocation) return;
    watchId = navigator.geolocation.watchPosition(onFix, onGpsError, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }
  function unwatch() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
  }

  function start() {
    state.startKey = state.startKey || uid();
    save();
    post(config.start, { client_key: state.startKey }).then(function (p) {
      state = Object.assign(state, { patrolId: p.id, queue: [], recorded: 0, sent: 0, ending: false });
      save();
      say("");
      watch();
    }, function (err) { say(err.status ? err.message : root.dataset.labelOffline); });
  }

  function finish() {
    if (!state.ending) return Promise.resolve();
    return seal().then(flush).then(function (empty) {
      if (!empty) return;
      return post(url(config.end, state.patrolId), {}).then(function () {
        localStorage.removeItem(KEY);
        state = { patrolId: null, startKey: null, queue: [], recorded: 0, sent: 0, ending: false };
        render();
        say(root.dataset.labelEnded);
        window.location.reload();
      }, function (err) {
        if (!err.status) { clearTimeout(retryTimer); retryTimer = setTimeout(tick, 5000); say(root.dataset.labelOffline); }
        else say(err.message);
      });
    });
  }

  function end() {
    state.ending = true;
    unwatch();
    save();
    finish();
  }

  function tick() {
    if (state.ending) { finish(); return; }
    seal().then(flush);
  }

  $("start-patrol").addEventListener("click", start);
  $("end-patrol").addEventListener("click", end);
  $("on-duty").addEventListener("change", function (e) {
    post(config.duty, { on: e.target.checked }).catch(function (err) { e.target.checked = !e.target.checked; say(err.message); });
  });
  window.addEventListener("online", tick);

  // The server knows best whether a patrol is running (another phone, a cleared browser).
  var active = root.dataset.active;
  if (active && String(state.patrolId) !== active && !state.ending) {
    state = Object.assign(state, { patrolId: Number(active), queue: [], recorded: 0, sent: 0 });
  }
  // Batches an earlier version of this page kept in localStorage move to the outbox, under their ids.
  var legacy = state.batches || [];
  delete state.batches;
  if (state.patrolId) legacy.forEach(function (b) { outbox.add(url(config.points, state.patrolId), { points: b.points }, b.id); });
  save();
  count().then(function (n) {
    if (!active && state.patrolId && !state.ending && !n && !state.queue.length) {
      state.patrolId = null;  // ended elsewhere, nothing left to send
      save();
    }
    if (state.patrolId && !state.ending) watch();
    if (state.ending) finish();
  });
  setInterval(tick, FLUSH_MS);
})();
