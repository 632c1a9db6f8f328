// The complaint form, improved when JavaScript runs: it works without this file.
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
  var files = [];  // kept across the server's answers: a browser never sends files back

  // Sizes in the page's language: its units and its digits as the server writes them (the
  // browser's own Intl data may lack Kazakh). data-decimal is 1.5 written the local way.
  var decimalMark = (form.dataset.decimal || "1.5").replace(/\d/g, "") || ".";
  function formatSize(n) {
    if (n >= 1024000) {  // from 1000 KB on, in MB: no digit group to write
      var mb = (Math.round(n / 104857.6) / 10).toFixed(1).replace(".", decimalMark);
      return form.dataset.sizeMb.replace("{n}", mb);
    }
    return form.dataset.sizeKb.replace("{n}", String(Math.max(1, Math.round(n / 1024))));
  }
  function renderFiles() {
    var list = document.getElementById("file-list");
    list.textContent = "";
    files.forEach(function (file, index) {
      var item = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = file.name + " (" + formatSize(file.size) + ")";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small";
      remove.textContent = form.dataset.remove;
      remove.setAttribute("aria-label", form.dataset.remove + ": " + file.name);
      remove.addEventListener("click", function () { files.splice(index, 1); renderFiles(); });
      item.appendChild(label);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }
  function syncIdentity() {
    var named = form.querySelector("input[name=identity]:checked");
    form.querySelector(".named-only").hidden = !(named && named.value === "named");
  }

  // The typed text is kept in this browser (never the files) until a receipt clears it,
  // so a lost connection, a closed tab or a refused send never loses the words.
  var SKIP = /^(csrf_token|submission_key|website|evidence|confirm_no_evidence)$/;
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP.test(el.name) && el.type !== "file" && el.type !== "hidden";
    });
  }
  function saveDraft() {
    var storage = store();
    if (!storage || !form.dataset.draftKey) { return; }
    var values = {}, typed = false;
    fields().forEach(function (el) {
      var list = values[el.name] = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { list.push(el.value); }
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { list.push(o.value); });
      } else {
        list.push(el.value);
        typed = typed || el.value.trim() !== "";
      }
    });
    try {
      if (typed) { storage.setItem(form.dataset.draftKey, JSON.stringify(values)); }
      else { storage.removeItem(form.dataset.draftKey); }
    } catch (e) { /* storage full or refused: the form still works */ }
  }
  function changed(el) { el.dispatchEvent(new Event("change", {bubbles: true})); }
  function restoreDraft() {
    var storage = store(), saved = null;
    try { saved = storage && JSON.parse(storage.getItem(form.dataset.draftKey) || "null"); } catch (e) { saved = null; }
    // Only on a fresh form: a form the server sent back already holds what was sent.
    var fresh = !form.querySelector("#error-summary, #outage, #limited") &&
                !document.getElementById("narrative").value.trim();
    if (!saved || !fresh) { return; }
    fields().forEach(function (el) {
      var values = saved[el.name];
      if (!values) { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = values.indexOf(el.value) >= 0; }
      else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else { el.value = values.shift() || ""; }
    });
    ["identity", "region"].forEach(function (name) {
      var el = form.querySelector("[name=" + name + "]:checked, select[name=" + name + "]");
      if (el) { changed(el); }
    });
    var station = form.querySelector("select[name=station]");
    if (station && saved.station) { station.value = saved.station[0] || ""; }
    document.getElementById("draft-restored").hidden = false;
  }

  // What the server's answer replaced is enhanced again; listeners on the form itself stay.
  function enhance() {
    form.querySelectorAll("input[name=identity]").forEach(function (r) { r.addEventListener("change", syncIdentity); });
    syncIdentity();
    var input = document.getElementById("evidence");
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (f) { files.push(f); });
      input.value = "";
      renderFiles();
    });
    renderFiles();
    var discard = document.getElementById("draft-discard");
    discard.addEventListener("click", function () {
      try { store().removeItem(form.dataset.draftKey); } catch (e) { /* nothing kept */ }
      fields().forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.defaultChecked; }
        else if (el.tagName === "SELECT") {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected; });
        } else { el.value = ""; }
      });
      ["identity", "region"].forEach(function (name) {
        var el = form.querySelector("[name=" + name + "]:checked, select[name=" + name + "]");
        if (el) { changed(el); }
      });
      document.getElementById("draft-restored").hidden = true;
      document.getElementById("narrative").focus();
    });
  }
  enhance();
  restoreDraft();
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  // The summary's links take the complainant to the field and its label (GOV.UK).
  form.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    var label = form.querySelector("label[for='" + target.id + "']") || target.closest("fieldset");
    (label || target).scrollIntoView({block: "start"});
    target.focus({preventScroll: true});
  });

  var sendError = document.getElementById("send-error");
  function button() { return form.querySelector("button[type=submit]"); }
  function showSendError(content) {
    document.getElementById("upload-progress").hidden = true;
    button().disabled = false;
    sendError.textContent = "";
    if (typeof content === "string") { sendError.textContent = content; }
    else { Array.prototype.forEach.call(content.childNodes, function (n) { sendError.appendChild(document.importNode(n, true)); }); }
    sendError.hidden = false;
    sendError.scrollIntoView({block: "center"});
    sendError.focus();
  }
  // The server sent the form back (a field to correct, a part down): its content replaces
  // this form's, without rewriting the page, and what went wrong is shown and focused.
  function showForm(page) {
    var fresh = page.getElementById("complaint-form");
    form.replaceChildren.apply(form, Array.prototype.map.call(fresh.childNodes, function (n) {
      return document.importNode(n, true);
    }));
    if (page.title) { document.title = page.title; }
    sendError = document.getElementById("send-error");
    enhance();
    document.dispatchEvent(new CustomEvent("casework:form-replaced"));
    var first = form.querySelector("#error-summary, #outage") || form.querySelector("[aria-invalid]");
    if (first) {
      first.scrollIntoView({block: "start"});
      first.focus({preventScroll: true});
    }
  }

  // Send with a progress bar.
  form.addEventListener("submit", function (event) {
    sendError.hidden = true;
    event.preventDefault();
    var confirmBox = document.getElementById("confirm_no_evidence");
    if (!files.length && !confirmBox.checked) {
      if (!window.confirm(form.dataset.confirmNoEvidence)) { return; }
      confirmBox.checked = true;
    }
    var data = new FormData(form);
    data.delete("evidence");
    files.forEach(function (f) { data.append("evidence", f, f.name); });
    var progress = document.getElementById("upload-progress");
    var bar = progress.querySelector("progress");
    var label = progress.querySelector(".progress-label");
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round(100 * e.loaded / e.total);
      bar.value = percent;
      label.textContent = form.dataset.uploading + " " + percent + "%";
    });
    request.addEventListener("load", function () {
      if (/\/complaints\/receipt$/.test(request.responseURL)) {
        window.location.assign(request.responseURL);
        return;
      }
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var reason = page.querySelector("#complaint-form [data-send-error]");
      if (!page.getElementById("complaint-form") || reason) {
        // An error page or the limit (too many attempts, too large, a part down): nothing
        // was stored. Keep everything typed and chosen here and say why beside the button.
        var said = reason || page.querySelector(".error-page h1 + p");
        showSendError(said || form.dataset.networkError);
        return;
      }
      showForm(page);
    });
    request.addEventListener("error", function () { showSendError(form.dataset.networkError); });
    progress.hidden = false;
    button().disabled = true;
    request.send(data);
  });
})();
