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

  // "Billing address same as the contractor's" (the apply form): while checked, the billing inputs
  // show the contractor's values and follow them; the server copies them too, so this is a courtesy.
  function billingPairs(box) {
    return (box.getAttribute("data-copy-fields") || "").split(" ").filter(Boolean).map(function (pair) {
      var ids = pair.split(":");
      return { to: document.getElementById(ids[0]), from: document.getElementById(ids[1]) };
    }).filter(function (pair) { return pair.to && pair.from; });
  }

  function billingSync(box) {
    billingPairs(box).forEach(function (pair) {
      if (box.checked) {
        pair.to.value = pair.from.value;
      }
      pair.to.readOnly = box.checked;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-copy-fields]")) {
      billingSync(event.target);
    }
  });
  document.addEventListener("input", function (event) {
    document.querySelectorAll("[data-copy-fields]").forEach(function (box) {
      if (box.checked && box.form && box.form.contains(event.target)) {
        billingSync(box);
      }
    });
  });

  // Postcode → address (the apply form): seven digits typed in a postcode input with
  // data-postcode-fills ask the portal (offline postcode data) and fill the address input, unless the
  // user has typed an address of their own there.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-postcode-fills]")) {
      return;
    }
    var digits = input.value.normalize("NFKC").replace(/[^0-9]/g, "");
    var target = document.getElementById(input.getAttribute("data-postcode-fills"));
    if (digits.length !== 7 || !target) {
      return;
    }
    if (target.value && target.value !== target.getAttribute("data-filled")) {
      return;
    }
    fetch(input.getAttribute("data-postcode-url") + "?code=" + digits, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        // Never into a field the person is typing in now, nor over an address they typed.
        if (!found || document.activeElement === target ||
            (target.value && target.value !== target.getAttribute("data-filled"))) {
          return;
        }
        target.value = found.address;
        target.setAttribute("data-filled", found.address);
        target.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () { /* no address: the user types it */ });
  });

  // Staff notices (the desk's navigation): a badge with data-poll-url asks every minute how many
  // notices are unread and shows the number — without reloading the page, and hidden at zero.
  function pollBadge(badge) {
    fetch(badge.getAttribute("data-poll-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (!found) {
          return;
        }
        badge.querySelector("[data-count]").textContent = String(found.unread);
        badge.hidden = found.unread === 0;
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function pollBadges() {
    document.querySelectorAll("[data-poll-url]").forEach(function (badge) {
      window.setInterval(function () { pollBadge(badge); }, 60000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", pollBadges);
  } else {
    pollBadges();
  }

  function billingSyncAll() {
    document.querySelectorAll("[data-copy-fields]").forEach(billingSync);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", billingSyncAll);
  } else {
    billingSyncAll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusMarked);
  } else {
    focusMarked();
  }
})();
