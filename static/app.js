// Tessera's small progressive enhancements. Everything works without it.
(function () {
  "use strict";
  // Type-the-name confirmations: enable the destructive button only when the
  // typed text matches (the server checks again).
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("[data-confirm-name]")) return;
    var form = input.closest("form");
    var btn = form && form.querySelector("[data-confirm-button]");
    if (btn) btn.disabled = input.value !== input.getAttribute("data-confirm-name");
  });
})();
