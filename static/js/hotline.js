// The hotline console: the call timer, Ctrl+Enter to send, and the compact complaint form's
// region -> stations and candidate search. No inline script: the CSP forbids it.
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

  // The compact complaint form: only the chosen region's polling stations (and e-voting).
  var region = document.getElementById("region");
  var station = document.getElementById("station");
  if (region && station) {
    var syncStations = function () {
      var chosen = region.value;
      var option = region.options[region.selectedIndex];
      var top = option && option.dataset.parent ? option.dataset.parent : chosen;
      Array.prototype.forEach.call(station.querySelectorAll("option"), function (o) {
        if (!o.value || o.dataset.kind === "electronic") { o.hidden = false; return; }
        var match = !chosen || o.dataset.top === top && (chosen === top || o.dataset.region === chosen);
        o.hidden = !match;
        if (!match && o.selected) { station.value = ""; }
      });
      Array.prototype.forEach.call(station.querySelectorAll("optgroup"), function (g) {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
    };
    region.addEventListener("change", syncStations);
    syncStations();
  }

  // Candidates: search by part of the name in Kazakh, Russian or Latin letters.
  var filter = document.getElementById("candidate-filter");
  var accused = document.getElementById("accused");
  if (filter && accused) {
    filter.closest(".candidate-search").hidden = false;
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(accused.options, function (o) {
        var text = o.dataset.search || o.text.toLowerCase();
        o.hidden = !o.selected && !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  }
})();
