// A citizen's case page: the rating form (CSP: no inline scripts).
(function () {
  const form = document.getElementById("rating");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".error").forEach((el) => { el.textContent = ""; });
    const stars = (form.querySelector("input[name=stars]:checked") || {}).value;
    if (!stars) { form.querySelector('[data-error-for="stars"]').textContent = "请选择1到5星"; return; }
    const body = { stars: Number(stars), fixed: form.querySelector("input[name=fixed]:checked").value === "true", comment: form.comment.value };
    const r = await fetch(form.dataset.url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": window.civicCsrf() }, body: JSON.stringify(body) });
    let data = {}; try { data = await r.json(); } catch (err) {}
    if (!r.ok) { form.querySelector('[data-error-for="form"]').textContent = data.detail || "提交失败，请重试"; return; }
    form.hidden = true;
    const done = document.getElementById("rated");
    done.textContent = data.message.split(" / ")[0]; done.hidden = false;
    document.querySelector("[data-testid=status]").textContent = data.status;
  });
})();
