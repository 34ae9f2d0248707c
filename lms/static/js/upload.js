/* Resumable upload of a lecture recording: chunks with offsets, so a dropped link
   resumes where the server says it stopped; then the transcode job's progress. */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  document.querySelectorAll("form.upload").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector(".progress span");
    var note = form.querySelector(".upload-status");
    var text = JSON.parse(form.dataset.text);
    var wasReady = form.dataset.state === "ready";  // a ready recording keeps playing

    function api(method, url, body, headers) {
      return fetch(url, { method: method, credentials: "same-origin", body: body,
        headers: Object.assign({ "X-CSRFToken": csrf }, headers || {}) });
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
    // A chunk by XMLHttpRequest, whose upload events tell the bytes sent within it
    // (fetch tells nothing until the whole chunk is answered: minutes on a slow uplink).
    function patch(url, body, headers, onSent) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        xhr.open("PATCH", url);
        xhr.withCredentials = true;
        Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
        xhr.setRequestHeader("X-CSRFToken", csrf);
        xhr.upload.addEventListener("progress", function (event) { onSent(event.loaded); });
        xhr.addEventListener("load", function () {
          resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300,
                    statusText: xhr.statusText,
                    json: function () {
                      try { return Promise.resolve(JSON.parse(xhr.responseText)); }
                      catch (e) { return Promise.resolve({}); }
                    } });
        });
        xhr.addEventListener("error", function () { reject(new Error("network")); });
        xhr.addEventListener("abort", function () { reject(new Error("aborted")); });
        xhr.send(body);
      });
    }

    // tus's Upload-Checksum: the chunk's SHA-256 (WebCrypto), so a chunk damaged on
    // the way is refused (460) and sent again. WebCrypto exists only in secure
    // contexts (HTTPS, localhost); elsewhere chunks go without it.
    function checksum(blob) {
      if (!(window.crypto && crypto.subtle)) return Promise.resolve(null);
      return blob.arrayBuffer().then(function (bytes) {
        return crypto.subtle.digest("SHA-256", bytes);
      }).then(function (digest) {
        return "sha256 " + btoa(String.fromCharCode.apply(null, new Uint8Array(digest)));
      });
    }
    function resume(file, upload, chunk, tries) {
      return api("GET", "/api/v1/uploads/" + upload).then(function (s) { return s.json(); })
        .then(function (s) { return sendFrom(file, upload, s.offset, chunk, tries); });
    }

    function sendFrom(file, upload, offset, chunk, tries) {
      tries = tries || 0;
      if (offset >= file.size) return Promise.resolve(null);
      var body = file.slice(offset, Math.min(file.size, offset + chunk));
      return checksum(body).then(function (sum) {
        var headers = { "Upload-Offset": String(offset),
                        "Content-Type": "application/offset+octet-stream" };
        if (sum) headers["Upload-Checksum"] = sum;
        return patch("/api/v1/uploads/" + upload, body, headers, function (sent) {
          show((offset + Math.min(sent, body.size)) / file.size, text.uploading);
        });
      }).then(function (r) {
          return r.json().then(function (data) {
            var code = data.error && data.error.code;
            if (r.status === 409 && code === "offset_mismatch") {  // resume where it stands
              return sendFrom(file, upload, data.error.offset, chunk, tries);
            }
            if (r.status === 409 && code === "upload_busy" && tries < 30) {
              note.textContent = text.retrying;  // an earlier try of this chunk still runs
              return wait(1000).then(function () { return resume(file, upload, chunk, tries + 1); });
            }
            if (r.status === 460 && tries < 3) {  // damaged on the way: send it again
              return sendFrom(file, upload, offset, chunk, tries + 1);
            }
            if (!r.ok) throw new Error(data.error ? data.error.message : r.statusText);
            show(data.offset / file.size, text.uploading);
            return data.complete ? data.job : sendFrom(file, upload, data.offset, chunk);
          });
        }, function () {  // the link dropped: ask the server where to resume
          note.textContent = text.retrying;
          return wait(2000).then(function () { return resume(file, upload, chunk, tries); });
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
        if (!wasReady) badge("failed");
        return;
      }
      wait(1500).then(function () {
        api("GET", "/api/v1/jobs/" + job.id).then(function (r) { return r.json(); }).then(follow);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files[0];
      if (!file) return;
      form.dataset.state = "uploading";
      api("POST", form.dataset.start, JSON.stringify({ size: file.size, filename: file.name }),
          { "Content-Type": "application/json" })
        .then(function (r) { return r.json().then(function (d) {
          if (!r.ok) throw new Error(d.error.message); return d; }); })
        .then(function (d) { if (!wasReady) badge("processing"); return sendFrom(file, d.upload, d.offset, d.chunk_size); })
        .then(function (job) { if (job) follow(job); })
        .catch(function (error) { form.dataset.state = "failed"; note.textContent = error.message; });
    });
  });
})();
