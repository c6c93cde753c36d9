// Jobs list: rows of jobs still queuing or running follow their jobs (one API request every two
// seconds for all of them), so a list opened right after an upload does not keep saying "Queuing".
(function () {
  "use strict";
  var script = document.currentScript;
  var api = script && script.dataset.api;
  var labels = { queuing: "Queuing", analysing: "Analysing", success: "Success", fail: "Failed", cancelled: "Cancelled" };
  var finished = ["success", "fail", "cancelled"];

  function open() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-job]")).filter(function (row) {
      return finished.indexOf(row.dataset.status) < 0;
    });
  }

  function show(row, job) {
    var cell = row.querySelector(".job-status");
    cell.textContent = "";
    var status = document.createElement("span");
    status.className = "status st-" + job.status;
    status.textContent = labels[job.status] || job.status;
    cell.appendChild(status);
    if (job.code) {
      var code = document.createElement("code");
      code.textContent = job.code;
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(code);
    }
    if (job.status === "analysing") cell.appendChild(document.createTextNode(" " + job.progress + "%"));
    if (job.result) row.querySelector(".job-matches").textContent = job.result.matches.length;
    row.dataset.status = job.status;
  }

  function poll() {
    var rows = open();
    if (!api || !rows.length) return;
    var ids = rows.map(function (row) { return row.dataset.job; }).join(",");
    fetch(api + "?page_size=100&ids=" + ids, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (answer) {
        var byId = {};
        (answer.results || []).forEach(function (job) { byId[job.id] = job; });
        rows.forEach(function (row) { if (byId[row.dataset.job]) show(row, byId[row.dataset.job]); });
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
