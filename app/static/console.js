/* The chair's live console: refresh the numbers from console.json every few seconds.
 * Progressive enhancement: the server-rendered page is complete; this only keeps it current.
 * Elements opt in with data attributes:
 *   data-field="a.b.c"    text set to that value of the JSON
 *   data-flag="a.b.c"     text set to the container's data-true / data-false words
 *   data-meter="a.b"      a <meter> whose value becomes min(a.b.cast, a.b.needed)
 *   data-rows="key"       a <tbody> rebuilt from the JSON list `key`, one cell per name in
 *                         data-columns; the column named in data-header becomes a row header.
 */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-console-url");
  var words = { "true": root.getAttribute("data-true"), "false": root.getAttribute("data-false") };
  var status = root.querySelector("[data-status]");
  var every = 5000;
  var timer = null;

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? undefined : value[key];
    }, data);
  }

  function show(value) {
    if (value === true || value === false) { return words[String(value)]; }
    return value === null || value === undefined ? "" : String(value);
  }

  function setText(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
  }

  function rebuild(tbody, rows) {
    var columns = (tbody.getAttribute("data-columns") || "").split(" ");
    var header = tbody.getAttribute("data-header");
    var fresh = document.createDocumentFragment();
    (rows || []).forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (name) {
        var cell = document.createElement(name === header ? "th" : "td");
        if (name === header) { cell.setAttribute("scope", "row"); }
        if (typeof row[name] === "number") { cell.className = "num"; }
        cell.textContent = show(row[name]);
        tr.appendChild(cell);
      });
      fresh.appendChild(tr);
    });
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    tbody.appendChild(fresh);
    var empty = root.querySelector('[data-empty="' + tbody.getAttribute("data-rows") + '"]');
    if (empty) { empty.hidden = (rows || []).length > 0; }
  }

  function apply(data) {
    root.querySelectorAll("[data-field]").forEach(function (node) {
      setText(node, show(lookup(data, node.getAttribute("data-field"))));
    });
    root.querySelectorAll("[data-flag]").forEach(function (node) {
      setText(node, show(Boolean(lookup(data, node.getAttribute("data-flag")))));
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
        apply(data);
        note("");
        if (data.state !== "open") { window.clearInterval(timer); }
      })
      .catch(function () {
        note(root.getAttribute("data-offline") || "…");
      });
  }

  timer = window.setInterval(refresh, every);
}());
