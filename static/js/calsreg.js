// Page behaviour of calsreg. It lives in this file, never inline: the Content-Security-Policy runs
// scripts from this site's files only (config/settings.py, CONTENT_SECURITY_POLICY).
(function () {
  "use strict";

  // A page that refused a submission marks its error summary (or refusal notice) with
  // data-focus-on-load; moving the focus there makes screen readers announce it at once.
  function focusMarked() {
    var target =
      document.querySelector(".error-summary[data-focus-on-load]") ||
      document.querySelector("[data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }

  // "Back to the form" (the CSRF failure page): the browser's own back, which keeps what was typed.
  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("[data-history-back]");
    if (back) {
      event.preventDefault();
      window.history.back();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusMarked);
  } else {
    focusMarked();
  }
})();
