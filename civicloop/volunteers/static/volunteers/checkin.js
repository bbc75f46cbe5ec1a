// Check in or out on site: the phone's position goes with the QR code's secret; the server checks
// that it is within the activity's radius and answers in plain words.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("checkin");
  if (!box) return;
  const state = document.getElementById("checkin-state");
  const csrf = box.dataset.csrf;
  const send = (direction, pos) => {
    const body = new URLSearchParams({ lon: pos.coords.longitude, lat: pos.coords.latitude });
    fetch(box.dataset[direction], { method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) { state.textContent = data.detail || "失败，请重试"; return; }
        state.textContent = data.checked_out ? `已签退，服务 ${data.minutes} 分钟` : "已签到";
      })
      .catch(() => { state.textContent = "网络不通，请重试"; });
  };
  for (const button of box.querySelectorAll("button[data-direction]")) {
    button.addEventListener("click", () => {
      if (!navigator.geolocation) { state.textContent = "手机不支持定位"; return; }
      state.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition((pos) => send(button.dataset.direction, pos),
        () => { state.textContent = "需要允许定位才能签到"; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
});
