/* lipvote: progressive enhancement for ranked ballots and receipts.
 *
 * Without JavaScript a ranked ballot is one <select name="rank-<option>"> per option. With it,
 * the selects are hidden (still in the form, still submitted) and replaced by two lists, "Your
 * ranking" and "Not ranked". Options move only by explicit actions: their buttons ("Rank",
 * "Move up", "Move down", "Remove", with visible text; the option's name is added for screen
 * readers) or, with a mouse, drag and drop. Keys have no meaning of their own: a screen-reader
 * user reading the lists with the arrow keys cannot reorder them by accident, and the items
 * themselves are not tab stops, only their buttons. After each change the order is written back
 * into the selects and announced in an aria-live region; the hint mentions dragging only when
 * the device has a mouse (pointer: fine).
 * The widget always numbers the ranking 1, 2, 3...; if the selects it starts from had a gap or a
 * repeated rank (a refused ballot shown again), it says so above the list instead of renumbering
 * silently, so the voter checks the order before submitting it.
 * All texts come from data-text-* attributes on the fieldset, so they are translated server-side.
 *
 * Also: any [data-print] button is shown and prints the page (receipts).
 */
(function () {
  "use strict";

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function enhance(fieldset) {
    var texts = fieldset.dataset;
    var fields = Array.prototype.slice.call(fieldset.querySelectorAll(".rank-field"));
    if (!fields.length) { return; }
    var selects = {};
    var labels = {};
    var optionOrder = fields.map(function (field) { return field.dataset.option; });
    fields.forEach(function (field) {
      selects[field.dataset.option] = field.querySelector("select");
      labels[field.dataset.option] = field.dataset.label;
    });

    var widget = el("div", "ranker");
    var rankedHeading = el("h2", "ranker-heading", texts.textRanked);
    rankedHeading.id = "ranker-ranked-heading";
    var ranked = el("ol", "ranker-list ranker-ranked");
    ranked.setAttribute("aria-labelledby", rankedHeading.id);
    var empty = el("p", "hint ranker-empty", texts.textEmpty);
    var poolHeading = el("h2", "ranker-heading", texts.textPool);
    poolHeading.id = "ranker-pool-heading";
    var pool = el("ul", "ranker-list ranker-pool");
    pool.setAttribute("aria-labelledby", poolHeading.id);
    var keys = el("p", "hint", texts.textHow);
    keys.id = "ranker-keys";
    if (window.matchMedia && window.matchMedia("(pointer: fine)").matches) {
      keys.textContent += " " + texts.textDrag;
    }
    var live = el("p", "visually-hidden");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("role", "status");
    [keys, rankedHeading, ranked, empty, poolHeading, pool, live].forEach(function (n) { widget.appendChild(n); });

    function announce(message) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = message; }, 50);
    }

    function button(action, option) {
      var b = el("button", "button ranker-button");
      b.type = "button";
      b.dataset.action = action;
      var name = { up: "textUp", down: "textDown", add: "textAdd", remove: "textRemove" }[action];
      // "Move {option} up": the words are visible, the option's name is there for screen readers,
      // so the accessible name ("Move Ada up") starts with what is seen.
      var parts = String(texts[name] || "").split("{option}");
      b.appendChild(document.createTextNode(parts[0]));
      if (parts.length > 1) {
        b.appendChild(el("span", "visually-hidden", labels[option]));
        b.appendChild(document.createTextNode(parts.slice(1).join("")));
      }
      return b;
    }

    function item(option) {
      var li = el("li", "ranker-item");
      li.dataset.option = option;
      li.draggable = true;
      var pos = el("span", "ranker-pos");
      pos.setAttribute("aria-hidden", "true");
      li.appendChild(pos);
      li.appendChild(el("span", "ranker-label", labels[option]));
      var tools = el("span", "ranker-tools");
      ["up", "down", "remove", "add"].forEach(function (action) { tools.appendChild(button(action, option)); });
      li.appendChild(tools);
      return li;
    }

    var items = {};
    var order = optionOrder.filter(function (o) { return selects[o].value !== ""; });
    order.sort(function (a, b) { return Number(selects[a].value) - Number(selects[b].value); });
    var renumbered = order.some(function (option, i) { return Number(selects[option].value) !== i + 1; });
    if (renumbered) {
      var notice = el("p", "notice ranker-renumbered", texts.textRenumbered);
      notice.setAttribute("role", "note");
      widget.insertBefore(notice, keys);
    }
    optionOrder.forEach(function (option) { items[option] = item(option); });
    order.forEach(function (option) { ranked.appendChild(items[option]); });
    optionOrder.forEach(function (option) {
      if (order.indexOf(option) < 0) { pool.appendChild(items[option]); }
    });

    function rankedItems() { return Array.prototype.slice.call(ranked.children); }

    function sync() {
      var list = rankedItems();
      optionOrder.forEach(function (option) { selects[option].value = ""; });
      list.forEach(function (li, i) { selects[li.dataset.option].value = String(i + 1); });
      Array.prototype.slice.call(widget.querySelectorAll(".ranker-item")).forEach(function (li) {
        var inRanking = li.parentNode === ranked;
        var index = list.indexOf(li);
        li.querySelector("[data-action=up]").hidden = !inRanking || index === 0;
        li.querySelector("[data-action=down]").hidden = !inRanking || index === list.length - 1;
        li.querySelector("[data-action=remove]").hidden = !inRanking;
        li.querySelector(".ranker-pos").textContent = inRanking ? String(index + 1) + "." : "";
        li.querySelector("[data-action=add]").hidden = inRanking;
      });
      empty.hidden = list.length > 0;
    }

    function describe(li) {
      if (li.parentNode !== ranked) {
        return fmt(texts.textRemoved, { option: labels[li.dataset.option] });
      }
      var list = rankedItems();
      return fmt(texts.textMoved, { option: labels[li.dataset.option], position: list.indexOf(li) + 1, count: list.length });
    }

    function changed(li, focusTarget) {
      sync();
      announce(describe(li));
      // Keep the focus on the button pressed; when it is now hidden (the top item has no "Move up",
      // a ranked item no "Rank"), on the item's first visible button.
      var target = focusTarget;
      if (!target || target.hidden) {
        target = Array.prototype.slice.call(li.querySelectorAll("button")).filter(function (b) { return !b.hidden; })[0];
      }
      if (target) { target.focus(); }
    }

    function move(li, delta) {
      if (li.parentNode !== ranked) { return; }
      var list = rankedItems();
      var index = list.indexOf(li) + delta;
      if (index < 0 || index >= list.length) { return; }
      if (delta < 0) { ranked.insertBefore(li, list[index]); } else { ranked.insertBefore(li, list[index].nextSibling); }
      return true;
    }

    function add(li) { ranked.appendChild(li); }

    function remove(li) {
      var option = li.dataset.option;
      var after = null;
      Array.prototype.slice.call(pool.children).some(function (other) {
        if (optionOrder.indexOf(other.dataset.option) > optionOrder.indexOf(option)) { after = other; return true; }
        return false;
      });
      pool.insertBefore(li, after);
    }

    widget.addEventListener("click", function (event) {
      var b = event.target.closest("button[data-action]");
      if (!b) { return; }
      var li = b.closest(".ranker-item");
      var action = b.dataset.action;
      if (action === "up") { move(li, -1); } else if (action === "down") { move(li, 1); } else if (action === "add") { add(li); } else { remove(li); }
      changed(li, b);
    });

    var dragged = null;
    widget.addEventListener("dragstart", function (event) {
      var li = event.target.closest && event.target.closest(".ranker-item");
      if (!li) { return; }
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.dataset.option);
    });
    widget.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      dragged = null;
    });
    [ranked, pool].forEach(function (list) {
      list.addEventListener("dragover", function (event) {
        if (dragged) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
      });
      list.addEventListener("drop", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        var li = dragged;
        if (list === pool) {
          remove(li);
        } else {
          var target = event.target.closest(".ranker-item");
          if (target && target !== li && target.parentNode === ranked) {
            var box = target.getBoundingClientRect();
            var before = event.clientY < box.top + box.height / 2;
            ranked.insertBefore(li, before ? target : target.nextSibling);
          } else if (!target) {
            ranked.appendChild(li);
          }
        }
        changed(li, null);
      });
    });

    fieldset.querySelector(".rank-fields").hidden = true;
    fieldset.classList.add("js-enhanced");
    fieldset.appendChild(widget);
    sync();
  }

  function ready() {
    Array.prototype.slice.call(document.querySelectorAll("[data-ranking]")).forEach(enhance);
    Array.prototype.slice.call(document.querySelectorAll("[data-print]")).forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
