// The room screen (a projector): swaps in the next code, its QR code and the
// signed-in count at every 20-second step, and counts down to it.
(function () {
  "use strict";
  var main = document.querySelector(".room-screen-main");
  if (!main) { return; }
  var url = main.dataset.codeUrl;
  var qr = document.getElementById("room-qr");
  var code = document.getElementById("room-code");
  var seconds = document.getElementById("room-seconds");
  var progress = document.getElementById("room-progress");
  var count = document.getElementById("room-count");
  var status = document.getElementById("room-status");
  // The server says how long the code lasts: the screen's clock may be off.
  var deadline = Date.now() + Number(seconds.textContent || 0) * 1000;

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    seconds.textContent = String(left);
    progress.value = left;
  }

  function show(state) {
    if (state.code !== code.dataset.code) {
      // Parsed as HTML, as the first one was: inline <svg> lands in the SVG namespace.
      var svg = new DOMParser().parseFromString(state.qr_svg, "text/html").querySelector("svg");
      qr.replaceChildren(document.importNode(svg, true));
      qr.dataset.url = state.qr_url;
      code.dataset.code = state.code;
      code.textContent = state.spaced;
    }
    count.textContent = String(state.signed_in);
    deadline = Date.now() + state.seconds_left * 1000;
    tick();
  }

  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error ? body.error.message : response.status); }
          return body;
        });
      })
      .then(function (state) {
        status.textContent = "";
        // Still the old step (the request raced the boundary)? Its
        // seconds_left is then short, and the next request comes soon.
        show(state);
        schedule(null);
      })
      .catch(function (error) {
        status.textContent = String(error.message || error);
        schedule(2000);
      });
  }

  var timer = null;
  function schedule(delay) {
    clearTimeout(timer);
    if (delay === null) {
      delay = Math.max(0, deadline - Date.now()) + 250;
    }
    timer = setTimeout(refresh, delay);
  }

  // For the projector: one click hides the browser's bars.
  var full = document.getElementById("room-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      full.hidden = Boolean(document.fullscreenElement);
    });
  }

  setInterval(tick, 250);
  schedule(null);
})();
