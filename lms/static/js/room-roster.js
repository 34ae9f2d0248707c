// The coordinator's roster keeps working through a network outage: each vouch
// or headcount is queued in localStorage with a client_ref, sent in order, and
// dropped from the queue only once the server answered it on its merits (an
// action whose answer was lost is sent again: the server changes nothing the
// second time). An answer about the sender, not the action (signed out, a stale
// form token, too many requests), keeps the queue until the person signs in
// again. The queue is the signed-in person's own: another person signing in on
// the same device neither sends nor sees it.
(function () {
  "use strict";
  var roster = document.getElementById("roster");
  if (!roster) { return; }
  var KEY = "telecme-roster-queue-" + roster.dataset.session + "-" + roster.dataset.user;
  // Answers about the sender, not the action: keep the action queued.
  // (400: the page's form token went stale; 401: signed out.)
  var KEEP = {400: true, 401: true, 408: true, 429: true};
  var sync = document.getElementById("roster-sync");
  var token = document.querySelector("meta[name=csrf-token]").content;
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }
  function ref() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function hhmm(iso) {
    var d = new Date(iso);
    // Shown in Beijing time, as the page is.
    var local = new Date(d.getTime() + 8 * 3600 * 1000);
    return local.toISOString().slice(11, 16);
  }

  function showQueue(message) {
    var queue = load();
    var parts = [];
    var offline = !navigator.onLine;
    if (offline) { parts.push(roster.dataset.msgOffline); }
    if (queue.length) { parts.push(roster.dataset.msgPending + " " + queue.length + "."); }
    // Offline says it already; online, a failed send says it was kept.
    if (message && !(offline && message === roster.dataset.msgQueued)) { parts.push(message); }
    sync.textContent = parts.join(" ");
    roster.dataset.pending = String(queue.length);
  }

  function rowOf(item) {
    return item.person ? roster.querySelector("tr[data-person='" + item.person + "']") : null;
  }

  function applied(item, body) {
    var row = rowOf(item);
    if (!row || item.kind !== "vouch") { return; }
    row.querySelector(".roster-status").textContent =
      roster.dataset.msgVouched + " " + hhmm(body.signed_in_at) + "–" + hhmm(body.signed_out_at);
    row.querySelector(".roster-minutes").textContent = String(body.minutes);
    row.dataset.synced = "true";
  }

  function refused(item, message) {
    var row = rowOf(item);
    var target = row ? row.querySelector(".roster-status") : sync;
    target.textContent = message;
  }

  function send() {
    if (sending) { return; }
    var queue = load();
    if (!queue.length) { showQueue(); return; }
    sending = true;
    var item = queue[0];
    fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token},
      body: JSON.stringify(item.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status >= 500) { throw new Error("server " + response.status); }
        if (KEEP[response.status]) {
          sending = false;
          showQueue(roster.dataset.msgSignIn);
          return;  // sent again once the person has signed in again (a reload)
        }
        // Answered: done with it, applied or refused (a refusal will not change).
        save(load().filter(function (other) { return other.ref !== item.ref; }));
        if (response.ok) { applied(item, body); }
        else { refused(item, body.error ? body.error.message : String(response.status)); }
        sending = false;
        showQueue(response.ok ? roster.dataset.msgSynced : "");
        send();
      });
    }).catch(function () {
      sending = false;
      showQueue(roster.dataset.msgQueued);
    });
  }

  function at(time) {
    // A day past midnight (22:00-02:00 +1): a time before its start is the next date's.
    var date = time < roster.dataset.startTime ? roster.dataset.endDate : roster.dataset.date;
    return date + "T" + time + ":00+08:00";
  }

  roster.querySelectorAll("form[data-kind]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = {ref: ref(), kind: form.dataset.kind};
      var day = Number(roster.dataset.day);
      if (item.kind === "vouch") {
        item.person = form.dataset.user;
        item.url = roster.dataset.vouchUrl;
        item.body = {
          user_id: Number(form.dataset.user), day: day,
          signed_in_at: at(form.elements.signed_in.value),
          signed_out_at: at(form.elements.signed_out.value),
          reason: form.elements.reason.value, client_ref: item.ref
        };
      } else {
        item.url = roster.dataset.headcountUrl;
        item.body = {day: day, headcount: Number(form.elements.headcount.value),
                     room: form.dataset.room ? Number(form.dataset.room) : null};
      }
      var queue = load();
      queue.push(item);
      save(queue);
      var row = rowOf(item);
      if (row) {
        row.dataset.synced = "false";
        row.querySelector(".roster-status").textContent = roster.dataset.msgWaiting;
      }
      showQueue(navigator.onLine ? "" : roster.dataset.msgQueued);
      send();
    });
  });

  window.addEventListener("online", send);
  window.addEventListener("offline", function () { showQueue(); });
  setInterval(send, 10000);
  send();
})();
