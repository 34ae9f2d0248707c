/* Resumable upload of a lecture recording in tus 1.0 (tus-js-client, vendored):
   chunks at offsets, so a dropped link resumes where the server says it stopped
   (a reload too: the client keeps the upload's URL in localStorage); each chunk
   with its SHA-256 (Upload-Checksum); then the transcode job's progress. */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
  document.querySelectorAll("form.upload").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector(".progress span");
    var note = form.querySelector(".upload-status");
    var text = JSON.parse(form.dataset.text);
    var chunkSize = parseInt(form.dataset.chunkSize, 10);

    function api(method, url) {
      return fetch(url, { method: method, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf } });
    }
    function show(fraction, message) {
      bar.style.width = Math.round(fraction * 100) + "%";
      bar.parentNode.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
      note.textContent = message;
    }
    function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
    // The recording's badge follows the job, without a reload.
    function badge(status) {
      var node = form.querySelector(".badge");
      if (!node || !text.badges || !text.badges[status]) return;
      node.className = "badge badge-" + status;
      node.textContent = text.badges[status];
    }
    function statusOf(error) {
      return error && error.originalResponse ? error.originalResponse.getStatus() : 0;
    }
    function messageOf(error) {
      try { return JSON.parse(error.originalResponse.getBody()).error.message; }
      catch (e) { return error && error.message ? error.message : String(error); }
    }

    // tus's Upload-Checksum: the chunk's SHA-256 (WebCrypto), so a chunk damaged on
    // the way is refused (460) and sent again. A PATCH's body is the file from its
    // Upload-Offset, one chunk long. WebCrypto exists only in secure contexts
    // (HTTPS, localhost); elsewhere chunks go without it.
    function addChecksum(file, request) {
      if (request.getMethod() !== "PATCH" || !(window.crypto && crypto.subtle)) {
        return Promise.resolve();
      }
      var offset = parseInt(request.getHeader("Upload-Offset"), 10);
      var chunk = file.slice(offset, Math.min(file.size, offset + chunkSize));
      return chunk.arrayBuffer().then(function (bytes) {
        return crypto.subtle.digest("SHA-256", bytes);
      }).then(function (digest) {
        request.setHeader("Upload-Checksum", "sha256 " +
          btoa(String.fromCharCode.apply(null, new Uint8Array(digest))));
      });
    }

    function follow(job) {
      show(job.progress, text[job.state] || job.state);
      if (job.state === "succeeded" && job.review === "pending") {
        form.dataset.state = "review"; note.textContent = text.review; return;
      }
      if (job.state === "succeeded") { form.dataset.state = "ready"; badge("ready"); return; }
      if (job.state === "failed" || job.state === "cancelled") {
        // The reason as the server words it in this page's language, never ffmpeg's English.
        form.dataset.state = job.state;
        note.textContent = job.state === "cancelled" ? text.cancelled
          : text.failed + " " + (job.error_message || "");
        badge("failed");
        return;
      }
      wait(1500).then(function () {
        api("GET", "/api/v1/jobs/" + job.id).then(function (r) { return r.json(); }).then(follow);
      });
    }

    function failed(message) {
      form.dataset.state = "failed";
      note.textContent = message;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files[0];
      if (!file) return;
      form.dataset.state = "uploading";
      show(0, text.uploading);
      var upload = new tus.Upload(file, {
        endpoint: form.dataset.start,
        chunkSize: chunkSize,
        retryDelays: RETRY_DELAYS,
        metadata: { filename: file.name, filetype: file.type },
        headers: { "X-CSRFToken": csrf },
        removeFingerprintOnSuccess: true,
        onBeforeRequest: function (request) { return addChecksum(file, request); },
        onShouldRetry: function (error, attempt) {
          var status = statusOf(error);
          // Damaged on the way (460): send it again, a few times.
          var retry = status === 460 ? attempt < 3
            : !status || status >= 500 || status === 409 || status === 423 || status === 429;
          if (retry) note.textContent = text.retrying;
          return retry;
        },
        onProgress: function (sent, total) { show(sent / total, text.uploading); },
        onSuccess: function () {
          badge("processing");
          api("GET", upload.url)
            .then(function (r) { return r.json().then(function (d) {
              if (!r.ok) throw new Error(d.error.message); return d; }); })
            .then(function (d) { if (d.job) follow(d.job); })
            .catch(function (error) { failed(error.message); });
        },
        onError: function (error) { failed(messageOf(error)); },
      });
      // A reload or a new tab continues an upload of the same file to this lecture.
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    });
  });
})();
