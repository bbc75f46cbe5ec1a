// The case sheet's print button (CSP: no onclick attributes).
document.addEventListener("click", (e) => { if (e.target.closest("[data-print]")) window.print(); });
