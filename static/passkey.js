// Passkeys and security keys (WebAuthn, issue [12]): a form marked data-passkey="get" or "create"
// asks the browser for a signature or a new credential and sends what it answers as the form's
// fields. The challenge comes from data-challenge (POSTed with the form's CSRF token). Such forms
// are hidden until this script shows them, and only where the browser has WebAuthn: without it,
// the code path (an app's code or a recovery code) is the way, and needs no script.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromBase64url(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function descriptors(ids) {
    return (ids || []).map(function (id) { return { type: "public-key", id: fromBase64url(id) }; });
  }

  function ask(form, options) {
    if (form.getAttribute("data-passkey") === "create") {
      return navigator.credentials.create({ publicKey: {
        challenge: fromBase64url(options.challenge),
        rp: options.rp,
        user: { id: fromBase64url(options.user.id), name: options.user.name, displayName: options.user.displayName },
        pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -8 }, { type: "public-key", alg: -257 }],
        excludeCredentials: descriptors(options.exclude),
        authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
        attestation: "none",
        timeout: 120000
      } }).then(function (credential) {
        form.elements.client_data.value = toBase64url(credential.response.clientDataJSON);
        form.elements.attestation.value = toBase64url(credential.response.attestationObject);
      });
    }
    return navigator.credentials.get({ publicKey: {
      challenge: fromBase64url(options.challenge),
      rpId: options.rpId,
      allowCredentials: descriptors(options.allow),
      userVerification: options.userVerification || "preferred",
      timeout: 120000
    } }).then(function (credential) {
      form.elements.credential_id.value = toBase64url(credential.rawId);
      form.elements.client_data.value = toBase64url(credential.response.clientDataJSON);
      form.elements.authenticator_data.value = toBase64url(credential.response.authenticatorData);
      form.elements.signature.value = toBase64url(credential.response.signature);
    });
  }

  var forms = document.querySelectorAll("form[data-passkey]");
  Array.prototype.forEach.call(forms, function (form) {
    form.hidden = false;
    var status = form.querySelector("[data-passkey-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (status) status.textContent = "";
      var body = new URLSearchParams();
      body.set("csrf", form.elements.csrf.value);
      fetch(form.getAttribute("data-challenge"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("challenge " + response.status);
          return response.json();
        })
        .then(function (options) { return ask(form, options); })
        .then(function () { HTMLFormElement.prototype.submit.call(form); })
        .catch(function () {
          if (status) status.textContent = status.getAttribute("data-failed");
        });
    });
  });
})();
