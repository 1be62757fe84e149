// Page behaviour the templates ask for with data-* attributes.  It lives
// here because the Content-Security-Policy allows no inline script: no
// on*= or hx-on attributes, no <script> blocks, no htmx trigger filters.
(function () {
  "use strict";

  // <select data-submit-on-change>: choosing an option submits its form
  // (the language switch; a <noscript> button does it without JavaScript).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });

  // data-swap-statuses="404 422" on an ancestor of a form: a refused form
  // answers with one of these statuses and its partial (values kept, the
  // reason shown).  htmx does not swap 4xx answers by default; these it does.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var holder = event.target instanceof Element ? event.target.closest("[data-swap-statuses]") : null;
    if (!holder) return;
    var statuses = holder.getAttribute("data-swap-statuses").split(/\s+/);
    if (statuses.indexOf(String(event.detail.xhr.status)) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // data-poll-unless-playing on an element that polls (hx-trigger="every
  // ..."): skip a refresh while one of its <audio> players is playing, so a
  // message being listened to is not cut off by the refresh.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.target;
    if (!(element instanceof Element) || !element.hasAttribute("data-poll-unless-playing")) return;
    var players = element.querySelectorAll("audio");
    for (var i = 0; i < players.length; i += 1) {
      if (!players[i].paused) {
        event.preventDefault();
        return;
      }
    }
  });
})();
