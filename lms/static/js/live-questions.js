// Questions during a broadcast. A viewer's panel sends a question through the
// API and keeps the list of shown questions (and their own) current; the
// moderator's page lists every question and shows, answers or hides each
// without reloading. Both poll GET .../questions?since= and merge by id: a
// poll repeats the last half minute, so merging twice changes nothing.
(function () {
  "use strict";
  var panel = document.getElementById("live-questions");
  if (!panel) { return; }
  var isModerator = panel.dataset.role === "moderator";
  var list = panel.querySelector(".live-q-list");
  var status = panel.querySelector(".live-q-status");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var POLL_MS = isModerator ? 4000 : 8000;
  var questions = {};  // id -> question (the API's shape)
  var since = null;
  var timer = null;

  function hhmm(iso) {
    // Beijing time, as the pages show it.
    var local = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return local.toISOString().slice(11, 16);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function errorOf(response, body) {
    // The page's own words for the refusals it knows (the API speaks English).
    var code = body && body.error ? body.error.code : "";
    var key = "msg" + code.replace(/(^|_)([a-z])/g, function (m, s, c) { return c.toUpperCase(); });
    return (code && panel.dataset[key]) || (body && body.error && body.error.message) ||
      String(response.status);
  }

  function send(method, url, data) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json"}};
    if (data) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrf;
      options.body = JSON.stringify(data);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) { throw new Error(errorOf(response, body)); }
        return body;
      });
    });
  }

  function actionsOf(question) {
    var box = el("div", "actions live-q-actions");
    ["shown", "answered", "hidden"].forEach(function (state) {
      if (state === question.state) { return; }
      var button = el("button", "button small" + (state === "hidden" ? " secondary" : ""),
                      panel.dataset["action" + state.charAt(0).toUpperCase() + state.slice(1)]);
      button.type = "button";
      button.addEventListener("click", function () { moderate(question.id, state, button); });
      box.appendChild(button);
    });
    return box;
  }

  function itemOf(question) {
    var item = el("li", "live-q live-q-" + question.state);
    item.dataset.id = String(question.id);
    item.dataset.state = question.state;
    item.appendChild(el("p", "live-q-text", question.text));
    var meta = el("p", "live-q-meta");
    if (isModerator || question.state !== "shown") {
      meta.appendChild(el("span", "badge badge-question-" + question.state,
                          panel.dataset["label" + question.state.charAt(0).toUpperCase() + question.state.slice(1)]));
      meta.appendChild(document.createTextNode(" "));
    }
    var who = [];
    if (question.asker) {
      who.push(question.asker.name + (question.asker.hospital ? " · " + question.asker.hospital : ""));
    } else if (question.is_mine) {
      who.push(panel.dataset.labelMine);
    }
    who.push(hhmm(question.asked_at));
    meta.appendChild(document.createTextNode(who.join(" · ")));
    item.appendChild(meta);
    if (isModerator) { item.appendChild(actionsOf(question)); }
    return item;
  }

  function render() {
    var ordered = Object.keys(questions).map(function (id) { return questions[id]; });
    ordered.sort(function (a, b) {
      return a.asked_at < b.asked_at ? 1 : a.asked_at > b.asked_at ? -1 : b.id - a.id;
    });
    var items = ordered.map(itemOf);
    if (!items.length) { items.push(el("li", "empty", panel.dataset.msgEmpty)); }
    list.replaceChildren.apply(list, items);
  }

  function merge(answer) {
    answer.questions.forEach(function (question) { questions[question.id] = question; });
    (answer.removed || []).forEach(function (id) { delete questions[id]; });
    since = answer.now;
    render();
  }

  function poll() {
    // A tab in the background asks nothing (a hall of viewers polls enough);
    // it catches up, from `since`, once shown again.
    if (document.hidden) { schedule(POLL_MS); return; }
    var url = panel.dataset.listUrl + (since ? "?since=" + encodeURIComponent(since) : "");
    send("GET", url).then(function (answer) {
      if (isModerator && status.dataset.error) { status.textContent = ""; }
      delete status.dataset.error;
      merge(answer);
      schedule(POLL_MS);
    }).catch(function () {
      status.textContent = panel.dataset.msgOffline;
      status.dataset.error = "1";
      schedule(POLL_MS * 2);
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function moderate(id, state, button) {
    button.disabled = true;
    var url = panel.dataset.stateUrl.replace(/\/0\/state$/, "/" + id + "/state");
    send("POST", url, {state: state}).then(function (question) {
      questions[question.id] = question;
      status.textContent = "";
      render();
    }).catch(function (error) {
      button.disabled = false;
      status.textContent = error.message;
    });
  }

  var form = panel.querySelector(".live-q-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector("textarea");
      var submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      send("POST", panel.dataset.askUrl, {text: box.value}).then(function (question) {
        questions[question.id] = question;
        box.value = "";
        status.textContent = panel.dataset.msgSent;
        render();
      }).catch(function (error) {
        status.textContent = error.message;
      }).then(function () { submit.disabled = false; });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { schedule(0); }
  });
  poll();
})();
