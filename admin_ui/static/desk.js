// The desk's "in this state since" counter: state_since (Unix seconds) as
// m:ss, ticking between server updates.
(function () {
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".desk-until[data-until]").forEach(function (el) {
      var left = Math.max(0, Math.ceil(parseFloat(el.getAttribute("data-until")) - now));
      el.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    });
    document.querySelectorAll(".desk-since[data-since]").forEach(function (el) {
      var since = parseFloat(el.getAttribute("data-since"));
      if (!since) { el.textContent = ""; return; }
      var s = Math.max(0, Math.floor(now - since));
      el.textContent = Math.floor(s / 60) + ":" + pad(s % 60);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
