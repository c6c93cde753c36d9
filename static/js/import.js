// Import page: while the batch runs, ask the API for its progress every two seconds and show it (items
// done, rate, time left, counts by status); once it has ended, reload so the server renders the result.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || ["running", "paused"].indexOf(box.dataset.status) < 0) return;
  var bar = document.getElementById("import-bar");
  function text(id, value) { document.getElementById(id).textContent = value; }

  function poll() {
    fetch(box.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (batch) {
        var p = batch.progress;
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        text("import-done", p.done);
        text("import-total", p.total);
        text("import-rate", p.items_per_second);
        text("import-left", p.seconds_left === null ? "" : ", about " + p.seconds_left + " s left");
        Object.keys(p.counts).forEach(function (state) {
          var el = box.querySelector('[data-count="' + state + '"]');
          if (el) el.textContent = p.counts[state];
        });
        if (batch.status !== box.dataset.status) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
