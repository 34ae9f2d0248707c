/* Previews for the CME office: each video[data-src] plays its HLS master through
   hls.js (or natively where the browser plays HLS itself). No progress is kept. */
(function () {
  "use strict";
  document.querySelectorAll("video[data-src]").forEach(function (video) {
    var url = video.dataset.src;
    if (window.Hls && Hls.isSupported()) {
      var hls = new Hls({ capLevelToPlayerSize: true, autoStartLoad: video.preload !== "none" });
      hls.loadSource(url);
      hls.attachMedia(video);
      video.addEventListener("play", function () { hls.startLoad(); }, { once: true });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
    }
  });
})();
