// Behaviour that used to be inline (the Content-Security-Policy allows no inline script): wired by data
// attributes, so every page works the same without JavaScript except for these small conveniences.
(function () {
  "use strict";
  // <button data-print>: print the page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // <form data-confirm="Question?">: ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
