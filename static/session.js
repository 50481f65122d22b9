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

// Uploads with a progress bar: a form with data-progress="<progress id>" is sent in the
// background so that the bar can follow the bytes, and the answer replaces the page as a normal
// submit would. Without this script the form is an ordinary upload.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-progress]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      var bar = document.getElementById(form.getAttribute("data-progress"));
      if (!bar) return;
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      bar.parentNode.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== location.href) history.replaceState(null, "", xhr.responseURL);
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(data);
    });
  });
})();

// A question before what cannot be undone ([10] item 2): a form with data-confirm="<question>" asks
// it in a dialog, with the form's data-confirm-yes as the button that goes on and "Avbryt" beside
// it; going on sends the form with bekrafta=ja. Without this script (or without <dialog>) the server
// answers the form with a confirmation page that asks the same.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-confirm]");
  if (!forms.length || typeof HTMLDialogElement !== "function") return;
  var cancelLabel = document.body.getAttribute("data-confirm-cancel") || "Avbryt";

  function button(text, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (className) b.className = className;
    return b;
  }

  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (form.querySelector('input[name="bekrafta"][value="ja"]')) return;
      event.preventDefault();
      var opener = event.submitter || document.activeElement;
      var dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
      var text = document.createElement("p");
      text.id = "confirm-dialog-text";
      text.textContent = form.getAttribute("data-confirm");
      var row = document.createElement("div");
      row.className = "buttons";
      var yes = button(form.getAttribute("data-confirm-yes") || (opener && opener.textContent) || "OK", "danger");
      var no = button(cancelLabel);
      row.appendChild(yes);
      row.appendChild(no);
      dialog.appendChild(text);
      dialog.appendChild(row);
      function close() {
        dialog.close();
        dialog.remove();
        if (opener && opener.focus) opener.focus();
      }
      no.addEventListener("click", close);
      dialog.addEventListener("cancel", function (e) { e.preventDefault(); close(); });
      yes.addEventListener("click", function () {
        var mark = document.createElement("input");
        mark.type = "hidden";
        mark.name = "bekrafta";
        mark.value = "ja";
        form.appendChild(mark);
        dialog.close();
        dialog.remove();
        form.submit();
      });
      document.body.appendChild(dialog);
      dialog.showModal();
      no.focus();  // the safe choice has the focus; Enter does not destroy by accident
    });
  });
})();

// A form answered with errors ([10] item 5): the error summary that the page marks as focusable
// (tabindex="-1") takes the focus, so that the keyboard and a screen reader start at what is wrong.
(function () {
  "use strict";
  var summary = document.querySelector('.error[role="alert"][tabindex="-1"]');
  if (summary && summary.focus) summary.focus();
})();

// "Ny rapport" ([10] item 5): with script, the study periods offered are the chosen education's
// (each <optgroup> names its education in data-education); the others are hidden and disabled.
// Without script every published period is offered and the server says when one does not fit.
(function () {
  "use strict";
  var education = document.querySelector("select#utbildning");
  var period = document.querySelector("select#studieperiod");
  if (!education || !period) return;
  function sync() {
    Array.prototype.forEach.call(period.querySelectorAll("optgroup[data-education]"), function (group) {
      var mine = group.getAttribute("data-education") === education.value;
      group.hidden = !mine;
      group.disabled = !mine;
      var chosen = period.options[period.selectedIndex];
      if (!mine && chosen && chosen.parentNode === group) period.value = "";
    });
  }
  education.addEventListener("change", sync);
  sync();
})();
