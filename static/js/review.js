// Match review page. The server draws every bar and row (with data-start / data-library-start in
// seconds); this script makes them act: a click seeks both players to the segment's two starts, "play
// match" plays both in step through the segment, audio timelines get their waveforms, and a video the
// browser cannot decode is shown as two strips of frames along the segment instead.
(function () {
  "use strict";
  var review = document.getElementById("review");
  if (!review) return;
  var kind = review.dataset.kind;
  var query = document.getElementById("query-player");
  var library = document.getElementById("library-player");
  var selectedText = document.getElementById("selected");
  var playButton = document.getElementById("play-match");
  var segments = Array.prototype.slice.call(document.querySelectorAll(".seg-row"));
  var thumbs = document.getElementById("thumbs");
  var current = null; // the selected segment: {n, start, end, libraryStart, libraryEnd}
  var syncTimer = null;
  var DRIFT = 0.25; // seconds the library player may drift before it is nudged back in step

  function read(el) {
    return {
      n: el.dataset.seg,
      start: parseFloat(el.dataset.start),
      end: parseFloat(el.dataset.end),
      libraryStart: parseFloat(el.dataset.libraryStart),
      libraryEnd: parseFloat(el.dataset.libraryEnd),
    };
  }

  function seek(player, seconds) {
    if (!player || isNaN(seconds)) return;
    player.currentTime = seconds;
  }

  function select(seg) {
    current = seg;
    document.querySelectorAll("[data-seg]").forEach(function (el) {
      el.classList.toggle("selected", el.dataset.seg === seg.n);
      if (el.tagName === "BUTTON" && el.classList.contains("seg")) {
        el.setAttribute("aria-pressed", el.dataset.seg === seg.n ? "true" : "false");
      }
    });
    if (selectedText) selectedText.textContent = "Segment " + seg.n + " selected";
    if (thumbs && !thumbs.hidden) showThumbs();
  }

  function go(seg) {
    stop();
    select(seg);
    seek(query, seg.start);
    seek(library, seg.libraryStart);
  }

  review.addEventListener("click", function (event) {
    var target = event.target.closest(".seg, .seg-row");
    if (!target || kind === "text") return;
    go(read(target));
  });

  // Playing a match: both players start at the segment, the library player follows the query's clock.
  function stop() {
    if (syncTimer) window.clearInterval(syncTimer);
    syncTimer = null;
    [query, library].forEach(function (p) { if (p && !p.paused) p.pause(); });
    if (playButton) playButton.textContent = "▶ Play match";
  }

  function play() {
    if (!current && segments.length) select(read(segments[0]));
    if (!current) return;
    var seg = current;
    seek(query, seg.start);
    seek(library, seg.libraryStart);
    [query, library].forEach(function (p) { if (p) p.play().catch(function () {}); });
    playButton.textContent = "❚❚ Pause";
    var rate = (seg.libraryEnd - seg.libraryStart) / Math.max(0.001, seg.end - seg.start);
    syncTimer = window.setInterval(function () {
      if (!query || !library) return;
      var want = seg.libraryStart + (query.currentTime - seg.start) * rate;
      if (Math.abs(library.currentTime - want) > DRIFT) library.currentTime = want;
      if (query.currentTime >= seg.end || query.ended) stop();
    }, 200);
  }

  if (playButton) {
    playButton.addEventListener("click", function () { if (syncTimer) stop(); else play(); });
  }

  // Playheads follow the players.
  [["query", query], ["library", library]].forEach(function (pair) {
    var player = pair[1];
    var line = document.querySelector('.timeline[data-side="' + pair[0] + '"] .playhead');
    if (!player || !line) return;
    var length = parseFloat(line.parentNode.dataset.length) || 0;
    player.addEventListener("timeupdate", function () {
      if (length > 0) line.style.left = Math.min(100, (100 * player.currentTime) / length) + "%";
    });
  });

  // Keyboard: c/d/e decide, n or s skip to the next, u undo, p play, j/k next/previous segment
  // (not while typing a note).
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || tag === "select") return;
    var form = document.getElementById("decision-form");
    var decisions = { c: "confirmed", d: "dismissed", e: "escalated" };
    if (decisions[event.key] && form) {
      event.preventDefault();
      var button = form.querySelector('button[value="' + decisions[event.key] + '"]');
      if (form.requestSubmit) form.requestSubmit(button); else button.click();
    } else if (event.key === "n" || event.key === "s") {
      var skip = document.getElementById("skip-form");
      if (skip) { event.preventDefault(); skip.submit(); }
    } else if (event.key === "u") {
      var undo = document.getElementById("undo-form");
      if (undo) { event.preventDefault(); undo.submit(); }
    } else if (event.key === "p" && playButton) {
      event.preventDefault();
      playButton.click();
    } else if ((event.key === "j" || event.key === "k") && segments.length) {
      var index = current ? segments.findIndex(function (r) { return r.dataset.seg === current.n; }) : -1;
      index = event.key === "j" ? Math.min(segments.length - 1, index + 1) : Math.max(0, index - 1);
      if (kind === "text") showPassage(segments[index].dataset.seg);
      else go(read(segments[index]));
    }
  });

  // Waveforms under the audio timelines.
  document.querySelectorAll("canvas.wave").forEach(function (canvas) {
    if (!canvas.dataset.src) return;
    fetch(canvas.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (wave) {
        var box = canvas.getBoundingClientRect();
        var scale = window.devicePixelRatio || 1;
        canvas.width = Math.max(1, Math.round(box.width * scale));
        canvas.height = Math.max(1, Math.round(box.height * scale));
        var ctx = canvas.getContext("2d");
        var length = parseFloat(canvas.parentNode.dataset.length) || wave.duration || 1;
        var usedWidth = canvas.width * Math.min(1, (wave.duration || length) / length);
        var mid = canvas.height / 2;
        ctx.fillStyle = "rgba(13, 27, 42, 0.35)";
        var n = wave.peaks.length;
        for (var i = 0; i < n; i++) {
          var x = (i / n) * usedWidth;
          var h = Math.max(1, wave.peaks[i] * mid * 0.95);
          ctx.fillRect(x, mid - h, Math.max(1, usedWidth / n), 2 * h);
        }
        canvas.parentNode.classList.add("has-wave");
      })
      .catch(function () {});
  });

  // Frames instead of a player the browser cannot decode: the same instants of the segment side by side.
  function showThumbs() {
    if (!thumbs || !current) return;
    thumbs.hidden = false;
    [["thumbs-query", query, current.start, current.end], ["thumbs-library", library, current.libraryStart, current.libraryEnd]].forEach(function (row) {
      var strip = document.getElementById(row[0]);
      var player = row[1];
      strip.textContent = "";
      if (!player || !player.dataset.thumbs) return;
      var count = 6;
      for (var i = 0; i < count; i++) {
        var t = row[2] + ((row[3] - row[2]) * (i + 0.5)) / count;
        var img = document.createElement("img");
        img.loading = "lazy";
        img.src = player.dataset.thumbs + "?t=" + t.toFixed(2);
        img.alt = (row[0] === "thumbs-query" ? "Query" : "Library") + " frame at " + t.toFixed(1) + " s";
        strip.appendChild(img);
      }
    });
  }
  if (kind === "video") {
    [query, library].forEach(function (player) {
      if (!player) return;
      var fallBack = function () {
        if (player.classList.contains("undecodable")) return;
        player.classList.add("undecodable");
        var note = document.createElement("p");
        note.className = "player-note";
        note.textContent = "This browser cannot play this file; frames along the selected segment are shown below the timelines.";
        player.parentNode.insertBefore(note, player.nextSibling);
        if (!current && segments.length) select(read(segments[0]));
        showThumbs();
      };
      player.addEventListener("error", fallBack);
      // This deferred script can run after the browser has already given up on the file (a slow page
      // load): the error event is then gone, its mark stays.
      if (player.error) fallBack();
    });
  }

  // Text: a passage chosen (clicked on either side or in the table, or with j/k) is marked and
  // scrolled into view in both panes (the panes scroll, not the page).
  function showPassage(n) {
    current = { n: n };
    document.querySelectorAll("[data-seg]").forEach(function (el) {
      el.classList.toggle("selected", el.dataset.seg === n);
    });
    [["query-text", "q-seg-"], ["library-text", "m-seg-"]].forEach(function (pair) {
      var pane = document.getElementById(pair[0]), mark = document.getElementById(pair[1] + n);
      if (pane && mark) pane.scrollTop = Math.max(0, mark.offsetTop - pane.offsetTop - 24);
    });
    if (selectedText) selectedText.textContent = "Passage " + n + " selected";
  }
  if (kind === "text") {
    review.addEventListener("click", function (event) {
      var mark = event.target.closest("mark[data-seg], .seg-row");
      if (mark) showPassage(mark.dataset.seg);
    });
  }

  // Evidence first: the players open at the first matched segment, each text pane at the first passage
  // (the pane scrolls, not the page).
  if (segments.length && kind !== "text") {
    var first = read(segments[0]);
    select(first);
    [[query, first.start], [library, first.libraryStart]].forEach(function (pair) {
      var player = pair[0];
      if (!player) return;
      if (player.readyState >= 1) seek(player, pair[1]);
      else player.addEventListener("loadedmetadata", function () {
        if (player.currentTime === 0) seek(player, pair[1]);
      }, { once: true });
    });
  }
  if (kind === "text" && segments.length) showPassage(segments[0].dataset.seg);
  // A passage's word diff opens at its first change (the box scrolls, not the page).
  document.querySelectorAll("details[id^=diff-]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      var box = details.querySelector(".diff"), change = details.querySelector(".diff del, .diff ins");
      if (details.open && box && change) box.scrollTop = Math.max(0, change.offsetTop - box.offsetTop - 40);
    });
  });
})();
