/* The chair's live pages (console, projector view): refresh the numbers from their JSON every
 * few seconds and count down to the scheduled close.
 * Progressive enhancement: the server-rendered page is complete; this only keeps it current.
 * The root element (#console) names the JSON in data-console-url and the state it was rendered
 * in (data-state), and the projector view the motion it shows (data-motion); when either changes
 * (the motion closed, the meeting moved on), the page is loaded again and the server shows it. Elements opt in with data attributes:
 *   data-field="a.b.c"    text set to that value of the JSON
 *   data-flag="a.b.c"     text set to the element's (or else the root's) data-true / data-false
 *   data-hidden-when="a.b" hidden while that value of the JSON is true
 *   data-meter="a.b"      a <meter> whose value becomes min(a.b.cast, a.b.needed)
 *   data-rows="key"       a <tbody> rebuilt from the JSON list `key`, one cell per name in
 *                         data-columns; the column named in data-header becomes a row header,
 *                         those in data-numeric are right-aligned numbers.
 *   data-groups="key"     a list of {label, members: [{name}]} shown as a heading and a list each
 *   data-empty="key"      shown only while the list `key` is empty; data-filled="key" only while it is not
 *   data-countdown="a.b"  seconds left to the close (from the JSON), counted down every second
 *                         with the server's figure as the start, so the visitor's clock is not used
 */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-console-url");
  var renderedState = root.getAttribute("data-state");
  var renderedMotion = root.getAttribute("data-motion");
  var status = root.querySelector("[data-status]");
  var every = 5000;
  var timer = null;
  var deadlines = [];

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? undefined : value[key];
    }, data);
  }

  function word(node, value) {
    var name = value ? "data-true" : "data-false";
    return node.getAttribute(name) || root.getAttribute(name) || "";
  }

  function show(value) {
    if (value === true || value === false) { return word(root, value); }
    return value === null || value === undefined ? "" : String(value);
  }

  function setText(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
  }

  function rebuild(tbody, rows) {
    var columns = (tbody.getAttribute("data-columns") || "").split(" ");
    var numeric = (tbody.getAttribute("data-numeric") || "").split(" ");
    var header = tbody.getAttribute("data-header");
    // Column headings, repeated on each cell for tables stacked on a phone (table.stack).
    var headings = [];
    var table = tbody.closest("table");
    if (table) {
      table.querySelectorAll("thead th").forEach(function (th) { headings.push(th.textContent.trim()); });
    }
    var fresh = document.createDocumentFragment();
    (rows || []).forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (name, position) {
        var cell = document.createElement(name === header ? "th" : "td");
        if (name === header) { cell.setAttribute("scope", "row"); }
        else if (headings[position]) { cell.setAttribute("data-label", headings[position]); }
        if (numeric.indexOf(name) >= 0) { cell.className = "num"; }
        cell.textContent = show(row[name]);
        tr.appendChild(cell);
      });
      fresh.appendChild(tr);
    });
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    tbody.appendChild(fresh);
    showEmpty(tbody.getAttribute("data-rows"), rows);
  }

  function regroup(container, groups) {
    var level = container.getAttribute("data-heading") || "h3";
    var fresh = document.createDocumentFragment();
    (groups || []).forEach(function (group) {
      var heading = document.createElement(level);
      heading.textContent = group.label + " (" + group.members.length + ")";
      var list = document.createElement("ul");
      list.className = "names";
      group.members.forEach(function (member) {
        var item = document.createElement("li");
        item.textContent = member.name;
        list.appendChild(item);
      });
      fresh.appendChild(heading);
      fresh.appendChild(list);
    });
    while (container.firstChild) { container.removeChild(container.firstChild); }
    container.appendChild(fresh);
    showEmpty(container.getAttribute("data-groups"), groups);
  }

  // "No ballots yet" shows when the list is empty, and the table (data-filled) only when it is not.
  function showEmpty(key, list) {
    var filled = (list || []).length > 0;
    var empty = root.querySelector('[data-empty="' + key + '"]');
    if (empty) { empty.hidden = filled; }
    root.querySelectorAll('[data-filled="' + key + '"]').forEach(function (table) { table.hidden = !filled; });
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function timeLeft(node, seconds) {
    if (seconds <= 0) { return node.getAttribute("data-over") || "0"; }
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var clock = two(Math.floor(rest / 3600)) + ":" + two(Math.floor(rest % 3600 / 60)) + ":" + two(rest % 60);
    if (!days) { return clock; }
    var template = node.getAttribute(days === 1 ? "data-days-one" : "data-days-many") || "%(days)s %(clock)s";
    return template.replace("%(days)s", String(days)).replace("%(clock)s", clock);
  }

  function setDeadlines(data) {
    deadlines = [];
    root.querySelectorAll("[data-countdown]").forEach(function (node) {
      var seconds = data ? lookup(data, node.getAttribute("data-countdown")) : Number(node.getAttribute("data-seconds"));
      if (typeof seconds === "number" && !isNaN(seconds)) {
        deadlines.push({ node: node, at: Date.now() + seconds * 1000 });
      }
    });
  }

  function tick() {
    deadlines.forEach(function (d) {
      setText(d.node, timeLeft(d.node, Math.max(0, Math.round((d.at - Date.now()) / 1000))));
    });
  }

  function apply(data) {
    root.querySelectorAll("[data-field]").forEach(function (node) {
      setText(node, show(lookup(data, node.getAttribute("data-field"))));
    });
    root.querySelectorAll("[data-flag]").forEach(function (node) {
      setText(node, word(node, Boolean(lookup(data, node.getAttribute("data-flag")))));
    });
    root.querySelectorAll("[data-hidden-when]").forEach(function (node) {
      node.hidden = Boolean(lookup(data, node.getAttribute("data-hidden-when")));
    });
    root.querySelectorAll("[data-meter]").forEach(function (node) {
      var q = lookup(data, node.getAttribute("data-meter"));
      if (!q) { return; }
      node.max = q.needed;
      node.value = Math.min(q.cast, q.needed);
      setText(node, q.cast + " / " + q.needed);
    });
    root.querySelectorAll("tbody[data-rows]").forEach(function (tbody) {
      var rows = lookup(data, tbody.getAttribute("data-rows"));
      if (Array.isArray(rows)) { rebuild(tbody, rows); }
    });
    root.querySelectorAll("[data-groups]").forEach(function (container) {
      var groups = lookup(data, container.getAttribute("data-groups"));
      if (Array.isArray(groups)) { regroup(container, groups); }
    });
    setDeadlines(data);
    tick();
  }

  function note(text) {
    if (!status) { return; }
    status.hidden = !text;
    status.textContent = text || "";
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var moved = renderedMotion !== null && String(data.motion === null ? "" : data.motion) !== renderedMotion;
        if (moved || (renderedState && data.state !== renderedState)) {
          window.clearInterval(timer);
          window.location.reload();
          return;
        }
        apply(data);
        note("");
      })
      .catch(function () {
        note(root.getAttribute("data-offline") || "…");
      });
  }

  setDeadlines(null);
  window.setInterval(tick, 1000);
  timer = window.setInterval(refresh, every);
}());
