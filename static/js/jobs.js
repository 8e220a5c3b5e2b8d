// The job progress page (templates/procurement/job_detail.html): polls the job's JSON status and updates
// the progress bar, the live region and the download link. Without JavaScript the page refreshes itself
// (<noscript> meta refresh) and offers a Refresh link, so this file is a convenience only.
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || root.dataset.finished === "true" || !window.fetch) { return; }
  var url = root.dataset.jobStatusUrl;
  var every = Math.max(1, parseInt(root.dataset.pollSeconds, 10) || 2) * 1000;
  var bar = root.querySelector("[data-job-bar]");
  var fill = root.querySelector("[data-job-fill]");
  var text = root.querySelector("[data-job-text]");
  var error = root.querySelector("[data-job-error]");
  var result = root.querySelector("[data-job-result]");
  var download = root.querySelector("[data-job-download]");
  var next = root.querySelector("[data-job-next]");
  var refresh = root.querySelector("[data-job-refresh]");
  var lastText = text.textContent;
  if (refresh) { refresh.classList.add("d-none"); }

  function show(state) {
    bar.setAttribute("aria-valuenow", String(state.percent));
    bar.setAttribute("aria-valuetext", state.percent + "% (" + state.status_label + ")");
    fill.style.width = state.percent + "%";
    fill.textContent = state.percent + "%";
    var line = state.status_label + (state.total && !state.finished ? ": " + state.done + " of " + state.total : "") + ".";
    if (state.message) { line += " " + state.message; }
    // The live region speaks only when the words change, not on every poll.
    if (line !== lastText) { text.textContent = line; lastText = line; }
    if (state.finished) {
      fill.classList.remove("progress-bar-striped", "progress-bar-animated");
      fill.classList.add(state.status === "done" ? "bg-success" : "bg-danger");
    }
    if (state.error) { error.textContent = state.error; error.classList.remove("d-none"); }
    if (state.download_url) {
      download.href = state.download_url;
      download.textContent = "Download " + state.download_name;
      download.classList.remove("d-none");
      result.classList.remove("d-none");
    }
    if (state.next_url) {
      next.href = state.next_url;
      next.textContent = state.next_label || "Continue";
      next.classList.remove("d-none");
      result.classList.remove("d-none");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (state) {
        show(state);
        if (!state.finished) { window.setTimeout(poll, every); }
      })
      .catch(function () {
        if (refresh) { refresh.classList.remove("d-none"); }  // fall back to the Refresh link
        window.setTimeout(poll, every * 3);
      });
  }
  window.setTimeout(poll, every / 2);
})();
