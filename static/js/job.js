// Job page: while the job queues or runs, ask the API for its state every two seconds and show the
// progress; once it has finished, reload so the server renders the result.
(function () {
  "use strict";
  var state = document.getElementById("job-state");
  if (!state) return;
  var statusEl = document.getElementById("job-status");
  var progress = document.getElementById("job-progress");
  var progressText = document.getElementById("job-progress-text");
  var labels = { queuing: "Queuing", analysing: "Analysing", success: "Success", fail: "Failed", cancelled: "Cancelled" };
  var finished = ["success", "fail", "cancelled"];

  function poll() {
    fetch(state.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        if (finished.indexOf(job.status) >= 0) { window.location.reload(); return; }
        statusEl.textContent = labels[job.status] || job.status;
        statusEl.className = "status st-" + job.status;
        state.dataset.status = job.status;
        if (progress) { progress.value = job.progress; progressText.textContent = job.progress + "%"; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
