// The motion form: show only the parts that apply to the chosen method, and add option rows.
// Without this script every part is shown and the server refuses what the method does not take.
(function () {
  "use strict";
  var form = document.querySelector("form.motion-form");
  if (!form) {
    return;
  }
  form.classList.add("js-enabled");

  function chosenMethod() {
    var checked = form.querySelector('input[name="method"]:checked');
    return checked ? checked.value : "";
  }

  // A hidden part is also disabled, so it is not posted and the server takes its default.
  function showWhatApplies() {
    var method = chosenMethod();
    form.querySelectorAll("[data-methods]").forEach(function (part) {
      var applies = part.getAttribute("data-methods").split(" ").indexOf(method) !== -1;
      part.hidden = !applies;
      part.querySelectorAll("input, select, textarea, button").forEach(function (control) {
        control.disabled = !applies;
      });
    });
  }

  function renumber(row, index) {
    var prefix = /^options-\d+-/;
    var next = "options-" + index + "-";
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && prefix.test(value)) {
          element.setAttribute(attribute, value.replace(prefix, next));
        }
      });
    });
  }

  // Legends and "Remove" buttons say the row's number; field names keep their index, which the
  // server only uses to keep rows apart.
  function numberRows() {
    form.querySelectorAll(".option-row").forEach(function (row, position) {
      row.querySelectorAll("legend, .remove-option").forEach(function (label) {
        label.textContent = label.textContent.replace(/\d+/, String(position + 1));
      });
    });
  }

  function nextIndex() {
    var highest = -1;
    form.querySelectorAll('.option-row input[name$="-en"]').forEach(function (input) {
      var match = /^options-(\d+)-/.exec(input.name);
      if (match) {
        highest = Math.max(highest, Number(match[1]));
      }
    });
    return highest + 1;
  }

  // GOV.UK "add another": each row can be removed, as long as two rows remain.
  function enableRemove(row) {
    var remove = row.querySelector(".remove-option");
    remove.hidden = false;
    remove.addEventListener("click", function () {
      var rows = form.querySelectorAll(".option-row");
      if (rows.length <= 2) {
        row.querySelectorAll('input:not([type="hidden"])').forEach(function (input) {
          input.value = "";
        });
        row.querySelector('input:not([type="hidden"])').focus();
        return;
      }
      var neighbour = row.nextElementSibling && row.nextElementSibling.classList.contains("option-row")
        ? row.nextElementSibling : rows[rows.length - 2];
      row.remove();
      numberRows();
      neighbour.querySelector('input:not([type="hidden"])').focus();
    });
  }
  form.querySelectorAll(".option-row").forEach(enableRemove);

  // GOV.UK "add another": a new empty row after the last, with focus on its first field.
  var add = form.querySelector('[name="add_option"]');
  if (add) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var rows = form.querySelectorAll(".option-row");
      var last = rows[rows.length - 1];
      var row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.removeAttribute("aria-invalid");
      });
      row.querySelectorAll(".help").forEach(function (help) {
        help.remove();
      });
      row.querySelectorAll("[aria-describedby]").forEach(function (element) {
        element.removeAttribute("aria-describedby");
      });
      row.querySelectorAll(".has-error").forEach(function (element) {
        element.classList.remove("has-error");
      });
      renumber(row, nextIndex());
      last.after(row);
      numberRows();
      enableRemove(row);
      row.querySelector('input:not([type="hidden"])').focus();
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "method") {
      showWhatApplies();
    }
  });
  showWhatApplies();
})();
