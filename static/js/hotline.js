// The hotline console: the call timer and Ctrl+Enter to send (the complaint
// form's choices come from complaint-choices.js). No inline script: the CSP forbids it.
(function () {
  "use strict";

  // The running timer counts from the server's elapsed seconds at render time, so a wrong
  // clock on the operator's computer does not matter. It runs only while the line is open
  // ("talking"): a ringing call shows 0:00, an ended one the seconds on the line.
  var timer = document.getElementById("call-timer");
  var pad = function (n) { return n < 10 ? "0" + n : String(n); };
  var format = function (total) {
    var hours = Math.floor(total / 3600), minutes = Math.floor(total % 3600 / 60);
    var seconds = total % 60;
    return hours ? hours + ":" + pad(minutes) + ":" + pad(seconds) : minutes + ":" + pad(seconds);
  };
  var base = 0, loaded = Date.now();
  var setTimer = function (state, seconds) {
    if (!timer) { return; }
    timer.dataset.state = state;
    base = Number(seconds) || 0;
    loaded = Date.now();
    timer.textContent = format(base);
  };
  if (timer) {
    setTimer(timer.dataset.state || "talking", timer.dataset.elapsed);
    window.setInterval(function () {
      if (timer.dataset.state !== "talking") { return; }
      timer.textContent = format(base + Math.max(0, Math.floor((Date.now() - loaded) / 1000)));
    }, 250);
  }

  // The console learns of a call the telephone system reports by asking every 2 seconds
  // (hotline/state_views.py: a 304 when nothing changed). A ringing call opens by itself when
  // no call is on the screen; over another call (or a form being typed) a link offers it.
  var watched = document.querySelector("[data-state-url]");
  if (watched && window.fetch) {
    var shownId = watched.dataset.callId ? Number(watched.dataset.callId) : null;
    var etag = null;
    var stateTag = document.getElementById("call-state");
    var offer = function (call) {
      var link = document.getElementById("incoming-call");
      if (!link) {
        link = document.createElement("a");
        link.id = "incoming-call";
        link.className = "button primary incoming-call";
        link.setAttribute("role", "alert");
        link.textContent = watched.dataset.labelIncoming;
        watched.parentNode.insertBefore(link, watched.nextSibling);
      }
      link.href = call.url;
    };
    var apply = function (data) {
      var call = data.call;
      if (!call) { return; }
      if (call.id !== shownId) {
        if (shownId === null) { window.location.assign(call.url); } else { offer(call); }
        return;
      }
      setTimer(call.state, call.seconds);
      if (stateTag && stateTag.dataset.state !== call.state) {
        stateTag.dataset.state = call.state;
        stateTag.textContent = stateTag.dataset["label" + call.state.charAt(0).toUpperCase() +
                                                call.state.slice(1)] || call.state;
      }
    };
    var poll = function () {
      var headers = {"Accept": "application/json"};
      if (etag) { headers["If-None-Match"] = etag; }
      window.fetch(watched.dataset.stateUrl, {headers: headers, credentials: "same-origin",
                                              cache: "no-store", redirect: "manual"})
        .then(function (response) {
          if (response.status === 401 || response.type === "opaqueredirect") {
            window.location.reload();  // signed out meanwhile: the page says so
            return null;
          }
          if (response.status !== 200) { return null; }
          etag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (data) { if (data) { apply(data); } })
        .catch(function () { /* offline for a moment: the next poll tries again */ })
        .then(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 2000);
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
