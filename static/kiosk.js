// "Visa lösenord" (R10): the checkbox shows the typed password in the fields it names. The pages
// work without this script; without it the checkbox is hidden by the stylesheet's .no-js rule.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var boxes = document.querySelectorAll("input[data-show-password]");
  Array.prototype.forEach.call(boxes, function (box) {
    var ids = box.getAttribute("data-show-password").split(" ");
    box.addEventListener("change", function () {
      ids.forEach(function (id) {
        var field = document.getElementById(id);
        if (field) field.type = box.checked ? "text" : "password";
      });
    });
  });
})();
