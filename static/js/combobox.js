/* Searchable choice lists (order information fields at checkout): an ARIA 1.2 combobox over a text
 * input with data-combobox-url. Typing asks the server (JSON, one page at a time) for matching
 * choices; arrows move through them, Enter or a click picks one, Escape closes. Without JavaScript the
 * plain text input stays and the server validates what is typed. */
(function () {
  "use strict";
  var counter = 0;

  function setup(input) {
    var url = input.getAttribute("data-combobox-url");
    var id = "combobox-list-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "list-group combobox-list position-absolute w-100 shadow-sm d-none";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "Choices"));
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-controls", id);
    input.parentNode.classList.add("position-relative");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    var timer = null, active = -1, page = 1, query = "", seq = 0;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.classList.add("d-none");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var opts = options();
      if (!opts.length) { return; }
      active = (index + opts.length) % opts.length;
      opts.forEach(function (o, i) {
        o.setAttribute("aria-selected", i === active ? "true" : "false");
        o.classList.toggle("active", i === active);
      });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function pick(option) {
      input.value = option.getAttribute("data-value");
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(data, append) {
      if (!append) { list.textContent = ""; }
      var more = list.querySelector(".combobox-more");
      if (more) { more.remove(); }
      data.results.forEach(function (r) {
        var li = document.createElement("li");
        li.id = id + "-" + list.children.length;
        li.className = "list-group-item list-group-item-action combobox-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-value", r.value);
        li.textContent = r.label ? r.value + " · " + r.label : r.value;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(li); });
        list.appendChild(li);
      });
      if (data.more) {
        var li = document.createElement("li");
        li.className = "list-group-item list-group-item-action combobox-more text-primary";
        li.textContent = "Show more";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); fetchPage(page + 1, true); });
        list.appendChild(li);
      }
      var count = options().length;
      if (!count) {
        var none = document.createElement("li");
        none.className = "list-group-item text-body-secondary";
        none.textContent = "No match. Check the value, or ask your business admin to add it.";
        list.appendChild(none);
      }
      status.textContent = count ? count + (data.more ? "+" : "") + " choices" : "No choices match";
      list.classList.remove("d-none");
      input.setAttribute("aria-expanded", "true");
    }

    function fetchPage(wanted, append) {
      var mine = ++seq;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(query) + "&page=" + wanted, {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data || mine !== seq) { return; }
        page = data.page;
        render(data, append);
      }).catch(function () { /* the plain input still works; the server validates it */ });
    }

    input.addEventListener("input", function () {
      query = input.value.trim();
      clearTimeout(timer);
      timer = setTimeout(function () { fetchPage(1, false); }, 200);
    });
    input.addEventListener("focus", function () {
      if (!input.value) { query = ""; fetchPage(1, false); }
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.classList.contains("d-none");
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open) { query = input.value.trim(); fetchPage(1, false); } else { highlight(active + 1); }
      } else if (e.key === "ArrowUp" && open) {
        e.preventDefault(); highlight(active - 1);
      } else if (e.key === "Enter" && open && active >= 0) {
        e.preventDefault(); pick(options()[active]);
      } else if (e.key === "Escape" && open) {
        e.preventDefault(); close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-combobox-url]").forEach(setup);
})();
