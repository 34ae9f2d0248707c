/* TeleCME lecture player: hls.js with a quality menu, data saver, audio-only and
   speed; heartbeats of the media ranges played, kept in localStorage until the
   server has them, so a dropped link loses no watched time. One tab or device
   counts at a time: when another one takes over, this one says so and offers
   to count here again. In live mode (cfg.live, the watch page of a broadcast,
   lms/static/js/live.js) it plays the live edge, has no speed and keeps no
   ranges: live.js sets the source and beats for presence.

   A recorded lecture fetches nothing but its poster before play (the video has
   preload="none"; hls.js is made on the first play, with autoStartLoad off until
   the start rung is chosen): the first rung is the highest whose first segment
   arrives in START_SECONDS at the throughput last measured on this device, else
   the lowest; hls.js's ABR climbs from there. ?start=eager restores the old
   start (hls.js made as the page opens, loading at once from its own first
   choice): bench/startup.py's baseline. */
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root) return;
  var video = root.querySelector("video");
  var cfg = JSON.parse(root.dataset.config);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var queueKey = "telecme-beats-" + cfg.lectureId;
  var hls = null, session = null, seq = 0, ranges = [], current = null;
  var mode = "video", wantedLevel = -1, wantedCap = -1, wantedHeight = null;
  var quality = root.querySelector("select[name=quality]");
  var speed = root.querySelector("select[name=speed]");
  var status = root.querySelector(".player-status");
  // Quality and speed as this person last chose them on this device.
  var prefsKey = "telecme-player-" + (cfg.userId || "guest");
  // The link's throughput as last measured here (any person: it is the device's).
  var linkKey = "telecme-link";
  var LINK_MAX_AGE_MS = 3 * 24 * 3600 * 1000;  // an older figure says little of today's link
  var START_SECONDS = 3, SEGMENT_SECONDS = 6;  // our ladders' segments (media_pipeline)
  var eager = cfg.live || /[?&]start=eager(&|$)/.test(location.search);
  var started = !!cfg.live;  // live: live.js sets the source
  var linkBps = null;  // this page's own measure of the link

  function say(text) { status.textContent = text || ""; }

  function loadPrefs() {
    try { return JSON.parse(localStorage.getItem(prefsKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function savePrefs() {
    try {
      var value = quality.value;
      // A rung by its height: another lecture's ladder numbers its rungs differently.
      if (/^\d+$/.test(value) && hls && hls.levels[Number(value)]) {
        value = hls.levels[Number(value)].height + "p";
      }
      var prefs = loadPrefs();
      prefs.quality = value;
      if (speed) prefs.speed = speed.value;
      localStorage.setItem(prefsKey, JSON.stringify(prefs));
    } catch (e) { /* private mode: nothing kept */ }
  }
  function rate() { return (speed && Number(speed.value)) || 1; }
  // A new source resets a media element's playbackRate to its defaultPlaybackRate:
  // keep both at the chosen speed (audio-only and back dropped 2x to 1x).
  function applyRate() { video.defaultPlaybackRate = rate(); video.playbackRate = rate(); }
  video.addEventListener("loadedmetadata", applyRate);

  /* --- the link: the throughput this page measured, kept for the next start -- */
  function knownThroughput() {
    try {
      var link = JSON.parse(localStorage.getItem(linkKey) || "null");
      var age = link && Date.now() - link.at;
      if (link && typeof link.bps === "number" && isFinite(link.bps) && link.bps >= 16000 &&
          age >= 0 && age <= LINK_MAX_AGE_MS) return link.bps;
    } catch (e) { /* unreadable: unknown */ }
    return null;
  }
  function rememberThroughput() {
    if (linkBps === null) return;
    try {
      localStorage.setItem(linkKey, JSON.stringify({ bps: Math.round(linkBps), at: Date.now() }));
    } catch (e) { /* private mode: nothing kept */ }
  }
  // Only a segment that crossed the network says something of the link: one
  // from the browser's cache (segments are cached for good) arrives at once,
  // and a lecture watched again would be remembered as a fast link. Resource
  // Timing tells: a cached answer transfers nothing, a revalidated one only its
  // headers, one fetched its headers and its whole body.
  function fetchedOverNetwork(url) {
    var entries = window.performance && performance.getEntriesByName ? performance.getEntriesByName(url) : [];
    var entry = entries[entries.length - 1];
    return !!entry && entry.encodedBodySize > 0 && entry.transferSize > entry.encodedBodySize;
  }
  // The browser stops recording loads once its buffer is full: start it afresh.
  if (window.performance && performance.clearResourceTimings) {
    performance.addEventListener("resourcetimingbufferfull", function () { performance.clearResourceTimings(); });
  }
  function sampleLink(frag) {
    var stats = frag.stats, ms = stats && stats.loading.end - stats.loading.start;
    if (!(ms > 0) || !(stats.loaded > 0) || !fetchedOverNetwork(frag.url)) return;
    var bps = stats.loaded * 8000 / ms;
    linkBps = linkBps === null ? bps : 0.7 * linkBps + 0.3 * bps;
    rememberThroughput();
  }
  // The highest rung whose first segment (video and audio: a variant's BANDWIDTH
  // counts both) arrives within START_SECONDS at bps; the lowest when none does
  // or the link is unknown. hls.js lists its levels by bitrate, lowest first.
  function startRung(levels, bps) {
    var best = 0;
    if (!bps) return best;
    levels.forEach(function (level, i) {
      if (level.bitrate * SEGMENT_SECONDS <= bps * START_SECONDS) best = i;
    });
    return best;
  }

  function load(url, startAt) {
    if (hls) { hls.destroy(); hls = null; }
    if (window.Hls && Hls.isSupported()) {
      if (eager) {
        // The first fragment already comes from the chosen rung (data saver: the
        // lowest), not from hls.js's bandwidth estimate.
        // Live: from the live edge (-1), not from the window's oldest segment.
        hls = new Hls({ startPosition: cfg.live ? -1 : startAt || 0, capLevelToPlayerSize: true,
                        startLevel: mode === "video" ? wantedLevel : -1 });
      } else {
        // Nothing loads until the start rung is set (no bitrate-test fragment);
        // hls.js's estimate starts from the link as last measured.
        var known = knownThroughput();
        hls = new Hls(Object.assign({ autoStartLoad: false, capLevelToPlayerSize: true, testBandwidth: false },
                                    known ? { abrEwmaDefaultEstimate: known } : {}));
        hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
          if (data.frag.type === "main" && data.frag.sn !== "initSegment") sampleLink(data.frag);
        });
      }
      hls.on(Hls.Events.MANIFEST_PARSED, function () {
        if (mode === "video") {
          fillLevels(); applyLevel();
          if (!eager) hls.startLevel = wantedLevel >= 0 ? wantedLevel : startRung(hls.levels, known);
        }
        if (!eager) hls.startLoad(startAt || 0);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      hls.on(Hls.Events.ERROR, function (_, data) {
        if (data.fatal && cfg.live) {
          // A new push's playlist appears a few seconds after it starts.
          say(cfg.text.reconnecting);
          var url = sourceUrl();
          setTimeout(function () { if (url && url === sourceUrl()) load(url, 0); }, 2000);
        } else if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          say(cfg.text.reconnecting); hls.startLoad();
        }
      });
    } else {
      video.src = url;  // Safari plays HLS itself
      video.addEventListener("loadedmetadata", function () {
        if (startAt) video.currentTime = startAt;
      }, { once: true });
    }
  }

  function fillLevels() {
    var keep = quality.value;
    while (quality.options.length > 3) quality.remove(3);
    hls.levels.forEach(function (level, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = level.height + "p";
      quality.add(option);
    });
    quality.value = keep || "auto";
    if (quality.value !== keep) quality.value = "auto";  // a rung this lecture lacks
    if (wantedHeight) {
      hls.levels.forEach(function (level, i) {
        if (level.height + "p" === wantedHeight) { quality.value = String(i); wantedLevel = i; }
      });
      wantedHeight = null;
    }
  }

  function applyLevel() {
    if (!hls || mode !== "video") return;
    hls.autoLevelCapping = wantedCap;
    hls.currentLevel = wantedLevel;
  }

  function choose(value) {
    // Data saver pins the lowest rung (hls.js sorts levels by bitrate): a cap would
    // not hold, since capLevelToPlayerSize resets autoLevelCapping as it measures.
    wantedLevel = /^\d+$/.test(value) ? Number(value) : value === "saver" ? 0 : -1;
    wantedCap = -1;
    root.classList.toggle("audio-only", value === "audio");
    root.dataset.quality = value;
    return value === "audio" ? "audio" : "video";
  }

  quality.addEventListener("change", function () {
    var value = quality.value, at = video.currentTime, playing = !video.paused;
    var wanted = choose(value);
    savePrefs();
    if (!started) { mode = wanted; return; }  // the first play loads what was chosen
    if (wanted !== mode) {
      // hls.js drops audio-only variants from a master with video: load the
      // audio rendition's own playlist instead, with the poster on screen.
      mode = wanted;
      video.poster = mode === "audio" ? cfg.poster : "";
      load(mode === "audio" ? cfg.audioUrl : cfg.hlsUrl, at);
    } else {
      applyLevel();
    }
    if (playing) video.play();
  });

  if (speed) speed.addEventListener("change", function () { applyRate(); savePrefs(); });

  // What this person chose last time on this device (a numbered rung is not kept
  // across lectures: their ladders differ).
  (function restore() {
    var prefs = loadPrefs();
    if (speed && Array.prototype.some.call(speed.options, function (o) { return o.value === prefs.speed; })) {
      speed.value = prefs.speed;
    }
    if (/^\d+p$/.test(prefs.quality || "")) wantedHeight = prefs.quality;
    if (prefs.quality === "saver" || prefs.quality === "audio") {
      quality.value = prefs.quality;
      mode = choose(prefs.quality);
      if (mode === "audio") video.poster = cfg.poster;
    }
    applyRate();
  })();
  function sourceUrl() { return mode === "audio" ? cfg.audioUrl : cfg.hlsUrl; }

  /* --- played ranges and heartbeats ------------------------------------------ */
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime;
    if (current && t >= current[1] && t - current[1] < 3) { current[1] = t; }
    else { if (current) ranges.push(current); current = [t, t]; }
  });
  video.addEventListener("seeking", function () {
    if (current) { ranges.push(current); current = null; }
  });

  function takeRanges() {
    if (current) { ranges.push(current); current = [current[1], current[1]]; }
    var out = ranges.filter(function (r) { return r[1] - r[0] >= 0.25; })
      .map(function (r) { return [Math.round(r[0] * 1000) / 1000, Math.round(r[1] * 1000) / 1000]; });
    ranges = [];
    return out;
  }

  function queued() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(items) { localStorage.setItem(queueKey, JSON.stringify(items)); }
  // By identity, not position: another tab of this lecture shares the queue.
  function drop(item) {
    saveQueue(queued().filter(function (i) {
      return !(i.play_session === item.play_session && i.seq === item.seq);
    }));
  }

  function beat() {
    rememberThroughput();
    if (!session) return;
    var played = takeRanges();
    if (played.length) {
      seq += 1;
      var items = queued();
      items.push({ play_session: session, seq: seq, ranges: played, position: video.currentTime });
      saveQueue(items);
    }
    flush();
  }

  /* Sends the kept beats one at a time, in order. Resolves when the queue is
     empty, or when the link is down (the beats stay kept). */
  var flushing = null;
  function flush() {
    if (!flushing) {
      flushing = sendKept().then(function (result) { flushing = null; return result; });
    }
    return flushing;
  }

  function sendKept() {
    var items = queued();
    if (!items.length) return Promise.resolve(true);
    var item = items[0];
    return fetch(cfg.progressUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(item), keepalive: true
    }).then(function (response) {
      if (response.ok) {
        drop(item);
        return response.json().then(showProgress).then(sendKept);
      }
      if (response.status === 409) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if ((body.error || {}).code !== "play_session_superseded") {
            drop(item);
            return sendKept();
          }
          // Another tab or device counts now: nothing of this play session will.
          saveQueue(queued().filter(function (i) { return i.play_session !== item.play_session; }));
          if (item.play_session === session) superseded();
          return sendKept();
        });
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        drop(item);  // refused for good: never resend
        return sendKept();
      }
      say(cfg.text.offline);
      return false;
    }).catch(function () { say(cfg.text.offline); return false; });
  }

  function showProgress(state) {
    say("");
    var pct = state.duration ? Math.round(100 * state.covered_seconds / state.duration) : 0;
    root.querySelector(".player-progress").textContent = cfg.text.watched.replace("%s", pct);
    root.dataset.covered = String(state.covered_seconds);
    if (state.complete) root.classList.add("complete");
  }

  /* --- one counting stream per learner: the newest play session wins ---------- */
  var takeover = root.querySelector(".player-takeover");

  function superseded() {
    session = null;
    root.classList.add("superseded");
    takeover.hidden = false;
    video.pause();
  }

  if (takeover) takeover.querySelector("button").addEventListener("click", function () {
    takeover.hidden = true;
    root.classList.remove("superseded");
    takeRanges();  // what played while this tab did not count stays uncounted
    startSession().then(function (ok) { if (ok) video.play(); });
  });

  function startSession() {
    return fetch(cfg.sessionUrl, { method: "POST", credentials: "same-origin",
                                   headers: { "X-CSRFToken": csrf } })
      .then(function (r) {
        if (!r.ok) throw new Error("play session refused: " + r.status);
        return r.json();
      })
      .then(function (data) {
        session = data.play_session;
        seq = 0;
        showProgress(data.progress);
        return data;
      })
      .catch(function () { say(cfg.text.offline); return null; });
  }

  function begin(at) {
    if (started) return;
    started = true;
    load(sourceUrl(), at);
  }

  function start() {
    if (cfg.live) { if (sourceUrl()) load(sourceUrl(), 0); return; }  // live.js beats
    // Beats kept from an earlier visit go first, while their play session may
    // still be the one that counts; a new play session takes over after them.
    // A lecturer's preview (not tracked) starts at 0 and counts nothing.
    var ready = !cfg.tracked ? Promise.resolve(0) : flush().then(startSession).then(function (data) {
      return data ? data.progress.resume_position : 0;
    });
    if (eager) { ready.then(begin); return; }
    // Nothing is fetched before play: the first play makes the player (also a
    // play pressed while this script was still on its way).
    if (!video.paused) { ready.then(begin); return; }
    video.addEventListener("play", function () { ready.then(begin); }, { once: true });
  }

  ["pause", "ended"].forEach(function (name) { video.addEventListener(name, beat); });
  // At the end of a lecture: the link to the next one, or to the post-test.
  var nextLink = root.querySelector(".lecture-next");
  if (nextLink) {
    video.addEventListener("ended", function () {
      nextLink.hidden = false;
      nextLink.querySelector("a").focus();
    });
  }
  document.addEventListener("visibilitychange", function () { if (document.hidden) beat(); });
  window.addEventListener("pagehide", beat);
  window.addEventListener("online", function () {
    flush();
    // A play session that could not start while offline starts now.
    if (cfg.tracked && !cfg.live && !session && takeover.hidden) startSession();
  });
  setInterval(beat, (cfg.heartbeatSeconds || 15) * 1000);
  start();
  window.telecmePlayer = {
    video: video, beat: beat, hls: function () { return hls; },
    session: function () { return session; },
    // Live mode: a new push (run) has new URLs; an ended broadcast stops.
    setSource: function (hlsUrl, audioUrl) {
      cfg.hlsUrl = hlsUrl; cfg.audioUrl = audioUrl;
      if (hlsUrl) { load(sourceUrl(), 0); } else if (hls) { hls.destroy(); hls = null; }
    },
    say: say
  };
})();
