// While the page shows something running (data-live="true" on #content),
// fetch the page again every second and swap its content in; stop once
// everything on it has ended. No framework, nothing from the network but
// this server.
(function () {
  "use strict";
  function tick() {
    var content = document.getElementById("content");
    if (!content || content.dataset.live !== "true") {
      return;
    }
    fetch(location.href, { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
        if (fresh) {
          content.replaceWith(fresh);
        }
      })
      .catch(function () {})
      .finally(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();
