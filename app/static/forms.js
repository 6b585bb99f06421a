// GOV.UK error summary: move focus to it when the page loads, so a screen reader reads the
// problems first and a keyboard user can follow a link straight to the field.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
