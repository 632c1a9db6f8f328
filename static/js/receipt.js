// The receipt's print button (no inline script: the CSP forbids it).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // A receipt means the complaint is stored: the unsent text kept in this browser goes.
  document.querySelectorAll("[data-draft-key]").forEach(function (el) {
    try { window.localStorage.removeItem(el.dataset.draftKey); } catch (e) { /* none kept */ }
  });
})();
