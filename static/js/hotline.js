// The hotline console: the call timer and Ctrl+Enter to send (the complaint
// form's choices come from complaint-choices.js). No inline script: the CSP forbids it.
(function () {
  "use strict";

  // The running timer counts from the server's elapsed seconds at render time, so a wrong
  // clock on the operator's computer does not matter.
  var timer = document.getElementById("call-timer");
  if (timer) {
    var base = Number(timer.dataset.elapsed) || 0;
    var loaded = Date.now();
    var pad = function (n) { return n < 10 ? "0" + n : String(n); };
    var format = function (total) {
      var hours = Math.floor(total / 3600), minutes = Math.floor(total % 3600 / 60);
      var seconds = total % 60;
      return hours ? hours + ":" + pad(minutes) + ":" + pad(seconds) : minutes + ":" + pad(seconds);
    };
    var tick = function () {
      timer.textContent = format(base + Math.max(0, Math.floor((Date.now() - loaded) / 1000)));
    };
    tick();
    window.setInterval(tick, 250);
  }

  // Access keys by the key's position, so that Alt+N works with a Kazakh or Russian layout too
  // (the browser's own access keys follow the typed letter). When the browser has already
  // used the key, its keydown arrives with defaultPrevented set and nothing happens twice.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || !event.altKey || event.ctrlKey || event.metaKey) { return; }
    var code = event.code || "";
    if (code.indexOf("Key") !== 0) { return; }
    var target = document.querySelector('[accesskey="' + code.slice(3).toLowerCase() + '"]');
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    target.click();
  });

  // Ctrl+Enter (Cmd+Enter) in a form with a text area presses its main button.
  document.querySelectorAll("form[data-ctrl-enter]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
      event.preventDefault();
      var button = form.querySelector("[data-default]");
      if (form.requestSubmit) { form.requestSubmit(button || undefined); } else { form.submit(); }
    });
  });
})();
