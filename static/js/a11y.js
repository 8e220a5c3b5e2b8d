// After a failed submit the page comes back with an error summary: move the keyboard and screen-reader
// focus to it, so the first thing announced is what went wrong (each error links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
