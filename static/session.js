// The idle-timeout warning (WCAG 2.2.1): shown `data-warn-seconds` before the session would end,
// with a button that extends it. The pages work without this script.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var warn = parseInt(body.getAttribute("data-warn-seconds"), 10);
  var csrf = body.getAttribute("data-csrf");
  var box = document.getElementById("timeout-warning");
  var button = document.getElementById("timeout-continue");
  if (!idle || !box || !button) return;
  var timer = null;
  var returnFocus = null;

  function schedule(seconds) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () {
      returnFocus = document.activeElement;
      box.hidden = false;
      button.focus();
    }, Math.max(seconds - warn, 1) * 1000);
  }

  button.addEventListener("click", function () {
    var form = new URLSearchParams();
    form.set("csrf", csrf);
    fetch("/session/forlang", { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { window.location.assign("/logga-in?slut=1"); return; }
        box.hidden = true;
        if (returnFocus && returnFocus.focus) returnFocus.focus();
        schedule(idle);
      })
      .catch(function () { /* offline: the warning stays visible */ });
  });
  schedule(idle);
})();
