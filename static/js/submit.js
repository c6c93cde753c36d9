// Submit page: send the form with XMLHttpRequest so the upload shows its progress, then go to the job
// page (or the list of the jobs made). Without JS the form posts normally and the server redirects.
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  if (!form) return;
  var kinds = JSON.parse(document.getElementById("library-kinds").textContent);
  // Job kind -> the kind of library that holds it (e.g. speech is kept in text libraries).
  var held = JSON.parse(document.getElementById("kind-libraries").textContent);
  var library = form.elements.library;
  var mediaType = form.elements.media_type;
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var text = document.getElementById("upload-text");
  var error = document.getElementById("submit-error");
  var button = form.querySelector("button[type=submit]");

  // A library holds one kind of media: preselect it, unless the kind chosen is also held there.
  function followLibrary() {
    var kind = kinds[(library.value || "").replace(/-/g, "")];
    if (kind && held[mediaType.value] !== kind) {
      mediaType.value = kind;
    }
  }
  library.addEventListener("change", followLibrary);
  followLibrary();

  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    var files = form.elements.files.files;
    var limit = Number(form.dataset.maxUpload);
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > limit) {
        error.textContent = files[i].name + " is " + megabytes(files[i].size) + "; the limit is " + megabytes(limit) + ".";
        error.hidden = false;
        return;
      }
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((100 * e.loaded) / e.total);
      bar.value = percent;
      text.textContent = percent + "% (" + megabytes(e.loaded) + " of " + megabytes(e.total) + ")";
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 201 && body.location) {
        text.textContent = "Uploaded; opening the job…";
        window.location.assign(body.location);
        return;
      }
      button.disabled = false;
      box.hidden = true;
      error.textContent = (body.message || "The upload failed (HTTP " + xhr.status + ").") + (body.code ? " (" + body.code + ")" : "");
      error.hidden = false;
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      box.hidden = true;
      error.textContent = "The connection broke during the upload; nothing was submitted. Try again.";
      error.hidden = false;
    });
    button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    text.textContent = files.length ? "Starting…" : "Sending…";
    xhr.send(new FormData(form));
  });
})();
