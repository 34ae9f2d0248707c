/* TeleCME live viewing (the watch page of a broadcast): player.js plays the
   stream in live mode; this script follows the broadcast's state (a new push
   after a drop has new URLs; the end stops the player), shows LIVE and the
   delay behind the live edge, and for a learner starts a viewing and beats for
   presence while the video plays. One counting stream per learner: when
   another tab, device or lecture takes over, this page says so and offers to
   count here again. */
(function () {
  "use strict";
  var root = document.getElementById("player");
  var player = window.telecmePlayer;
  if (!root || !player) return;
  var cfg = JSON.parse(root.dataset.config);
  var video = player.video;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var badge = document.querySelector(".live-badge");
  var delay = root.querySelector(".live-delay");
  var presence = root.querySelector(".live-presence");
  var idle = root.querySelector(".live-idle");
  var ended = root.querySelector(".live-ended");
  var takeover = root.querySelector(".live-takeover");
  var state = cfg.state || {}, viewing = null, seq = 0, every = 15, timer = null;

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body ? JSON.stringify(body) : undefined
    });
  }

  function apply(live) {
    if (!live) return;
    var before = state;
    state = live;
    root.dataset.state = live.state;
    badge.hidden = live.state !== "live";
    idle.hidden = live.state !== "idle";
    ended.hidden = live.state !== "ended";
    if (live.hls_url !== before.hls_url) {
      player.setSource(live.hls_url, live.audio_url);
      if (live.hls_url) start();
    }
  }

  function start() {
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () { /* press play */ });
  }

  // The delay behind the live edge, as the player sees it.
  setInterval(function () {
    var n = video.seekable.length;
    if (state.state !== "live" || !n || video.paused) { delay.textContent = ""; return; }
    var behind = Math.max(0, video.seekable.end(n - 1) - video.currentTime);
    delay.textContent = cfg.text.behind.replace("%s", Math.round(behind));
  }, 1000);

  /* --- presence: a learner's viewing and its beats ------------------------- */
  function showPresence(p) {
    if (p && p.source === "live") presence.textContent = cfg.text.present.replace("%s", p.minutes || 0);
  }

  function startViewing() {
    return post(cfg.viewingUrl).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var code = (body.error || {}).code;
          player.say(cfg.text.errors[code] || (body.error || {}).message || "");
          return;
        }
        viewing = body.viewing; seq = 0; every = body.beat_seconds || every;
        apply(body.live);
        beat();
      });
    }).catch(function () { player.say(cfg.text.offline); });
  }

  function beat() {
    if (!viewing) return poll();
    if (video.paused && state.state === "live") return poll();  // not watching: nothing counts
    seq += 1;
    return post(cfg.beatUrl, { viewing: viewing, seq: seq }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) { player.say(""); showPresence(body.presence); apply(body.live); return; }
        var code = (body.error || {}).code;
        if (code === "viewing_superseded") {
          viewing = null;
          takeover.hidden = false;
          video.pause();
          return;
        }
        player.say(cfg.text.errors[code] || (body.error || {}).message || "");
        if (response.status === 409 || response.status === 403) viewing = null;
      });
    }).catch(function () { player.say(cfg.text.offline); });
  }

  // Those who do not earn presence (hosts, coordinators, the office) follow the
  // broadcast's state from the session itself.
  function poll() {
    return fetch(cfg.sessionUrl, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json().then(function (s) { apply(s.live); }) : null;
    }).catch(function () { player.say(cfg.text.offline); });
  }

  takeover.querySelector("button").addEventListener("click", function () {
    takeover.hidden = true;
    startViewing().then(start);
  });

  function tick() {
    timer = setTimeout(function () { Promise.resolve(beat()).then(tick); }, every * 1000);
  }

  if (state.hls_url) start();
  if (cfg.tracked) startViewing(); else poll();
  tick();
  window.telecmeLive = {
    state: function () { return state; }, viewing: function () { return viewing; },
    beat: beat
  };
})();
