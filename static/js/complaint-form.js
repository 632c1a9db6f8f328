// The complaint form, improved when JavaScript runs: it works without this file.
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }

  // Named or anonymous: show the contact fields only when needed.
  var namedOnly = form.querySelector(".named-only");
  function syncIdentity() {
    var named = form.querySelector("input[name=identity]:checked");
    namedOnly.hidden = !(named && named.value === "named");
  }
  form.querySelectorAll("input[name=identity]").forEach(function (r) { r.addEventListener("change", syncIdentity); });
  syncIdentity();

  // Files: keep a list the person can add to and remove from before sending.
  var input = document.getElementById("evidence");
  var list = document.getElementById("file-list");
  // Files picked before the server sent the form back (a field to correct) are kept.
  var files = window.caseworkPendingFiles || [];
  window.caseworkPendingFiles = null;
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
  function render() {
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
      remove.addEventListener("click", function () { files.splice(index, 1); render(); });
      item.appendChild(label);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }
  input.addEventListener("change", function () {
    Array.prototype.forEach.call(input.files, function (f) { files.push(f); });
    input.value = "";
    render();
  });
  render();

  // Send with a progress bar; the server's answer replaces the page.
  var progress = document.getElementById("upload-progress");
  var bar = progress.querySelector("progress");
  var label = progress.querySelector(".progress-label");
  var confirmBox = document.getElementById("confirm_no_evidence");
  var sendError = document.getElementById("send-error");
  function showSendError(text) {
    progress.hidden = true;
    form.querySelector("button[type=submit]").disabled = false;
    sendError.textContent = text;
    sendError.hidden = false;
    sendError.scrollIntoView({block: "center"});
    sendError.focus();
  }
  form.addEventListener("submit", function (event) {
    sendError.hidden = true;
    event.preventDefault();
    if (!files.length && !confirmBox.checked) {
      if (!window.confirm(form.dataset.confirmNoEvidence)) { return; }
      confirmBox.checked = true;
    }
    var data = new FormData(form);
    data.delete("evidence");
    files.forEach(function (f) { data.append("evidence", f, f.name); });
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
      if (!page.getElementById("complaint-form")) {
        // An error page (a part down, too many attempts, too large): nothing was stored.
        // Keep everything typed and chosen on this page and say why beside the button.
        var said = page.querySelector(".error-page h1 + p");
        showSendError(said ? said.textContent : form.dataset.networkError);
        return;
      }
      window.caseworkPendingFiles = files;  // the page below runs this script again
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () { showSendError(form.dataset.networkError); });
    progress.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    request.send(data);
  });
})();
