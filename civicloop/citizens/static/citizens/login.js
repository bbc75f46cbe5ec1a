// The sign-in page: ask for an SMS code, then sign in with it (CSP: no inline scripts).
(function () {
  const form = document.getElementById("login");
  const show = (field, text) => { form.querySelector(`[data-error-for="${field}"]`).textContent = text || ""; };
  async function post(url, body) {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": window.civicCsrf() }, body: JSON.stringify(body) });
    let data = {}; try { data = await r.json(); } catch (e) {}
    return { ok: r.ok, status: r.status, data };
  }
  const firstError = (data, field) => ((data.errors || []).find((e) => e.field === field) || {}).message || data.detail || "出错了，请重试";
  document.getElementById("send").addEventListener("click", async (e) => {
    show("phone", "");
    const r = await post("/api/citizen/code", { phone: form.phone.value });
    if (!r.ok) { show("phone", firstError(r.data, "phone")); return; }
    e.target.disabled = true; e.target.textContent = "验证码已发送";
    setTimeout(() => { e.target.disabled = false; e.target.textContent = "重新获取"; }, 60000);
    form.code.focus();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault(); show("code", "");
    const r = await post("/api/citizen/session", { phone: form.phone.value, code: form.code.value });
    if (!r.ok) { show("code", firstError(r.data, "code")); return; }
    window.location.href = form.dataset.next.startsWith("/m/") ? form.dataset.next : "/m/";
  });
})();
