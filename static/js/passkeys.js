// Passkeys (WebAuthn): registration on /account, sign-in on the login page, confirmation
// on the step-up page. The server sends the options as JSON (binary values in base64url),
// checks what the authenticator answers and says where to go next. No inline script (the
// CSP forbids it): the markup carries the URLs and the messages in data- attributes, and
// the CSRF token in a hidden csrf_token field, as every form does.
(function () {
  "use strict";

  // -- base64url <-> ArrayBuffer ------------------------------------------------------------
  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var copy = Object.assign({}, d);
      copy.id = toBuffer(d.id);
      return copy;
    });
  }

  // Options JSON from the server -> what navigator.credentials.create/get take.
  function creationOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBuffer(json.challenge);
    o.user = Object.assign({}, json.user, { id: toBuffer(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBuffer(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }

  // A PublicKeyCredential -> JSON for the server.
  function credentialJSON(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    }
    if (r.authenticatorData) {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) { response.userHandle = toText(r.userHandle); }
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults() : {}
    };
  }

  // -- talking to the server ----------------------------------------------------------------
  function post(box, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": box.querySelector("input[name=csrf_token]").value },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || box.getAttribute("data-msg-failed"));
        }
        return data;
      });
    });
  }

  function say(box, message) {
    var out = box.querySelector("[data-passkey-message]");
    if (out) { out.textContent = message || ""; out.hidden = !message; }
  }

  function supported() {
    return window.isSecureContext && window.PublicKeyCredential &&
      navigator.credentials && typeof navigator.credentials.create === "function";
  }

  // A rejection by the browser (cancelled, timed out, not allowed) gets the page's own words;
  // a refusal by the server carries its message.
  function failure(box, error) {
    if (error && error.name === "InvalidStateError" && box.getAttribute("data-msg-exists")) {
      return box.getAttribute("data-msg-exists");
    }
    if (error && error.name && error.name !== "Error") {
      return box.getAttribute("data-msg-cancelled") || box.getAttribute("data-msg-failed");
    }
    return (error && error.message) || box.getAttribute("data-msg-failed");
  }

  function run(box, button, steps) {
    if (!supported()) { say(box, box.getAttribute("data-msg-unsupported")); return; }
    button.disabled = true;
    box.setAttribute("aria-busy", "true");
    say(box, "");
    steps().then(function (data) {
      if (data && data.redirect) { window.location.assign(data.redirect); }
    }).catch(function (error) {
      say(box, failure(box, error));
    }).then(function () {
      button.disabled = false;
      box.removeAttribute("aria-busy");
    });
  }

  // -- the three ceremonies -----------------------------------------------------------------
  function register(box, button) {
    var nameField = box.querySelector("[data-passkey-name]");
    var name = nameField ? nameField.value.trim() : "";
    if (!name) {
      say(box, box.getAttribute("data-msg-name"));
      if (nameField) { nameField.focus(); }
      return;
    }
    run(box, button, function () {
      return post(box, box.getAttribute("data-options-url")).then(function (json) {
        return navigator.credentials.create({ publicKey: creationOptions(json) });
      }).then(function (credential) {
        return post(box, box.getAttribute("data-url"),
                    { name: name, credential: credentialJSON(credential) });
      });
    });
  }

  function assert(box, button) {
    run(box, button, function () {
      return post(box, box.getAttribute("data-options-url")).then(function (json) {
        return navigator.credentials.get({ publicKey: requestOptions(json) });
      }).then(function (credential) {
        return post(box, box.getAttribute("data-url"),
                    { credential: credentialJSON(credential),
                      next: box.getAttribute("data-next") || "" });
      });
    });
  }

  function bind(root) {
    (root || document).querySelectorAll("[data-passkey]").forEach(function (box) {
      if (box.getAttribute("data-bound")) { return; }
      box.setAttribute("data-bound", "1");
      var button = box.querySelector("[data-passkey-start]");
      if (!button) { return; }
      if (!supported()) { say(box, box.getAttribute("data-msg-unsupported")); }
      var kind = box.getAttribute("data-passkey");
      button.addEventListener("click", function (event) {
        event.preventDefault();
        if (kind === "register") { register(box, button); } else { assert(box, button); }
      });
    });
  }

  window.caseworkPasskeys = { bind: bind, toBuffer: toBuffer, toText: toText };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bind(document); });
  } else {
    bind(document);
  }
})();
