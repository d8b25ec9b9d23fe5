// Webconsole's own script: column widths, sort-versus-reset clicks, menus, the narrow-screen nav.
// Loaded as a file (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    });
  }

  // Column widths --------------------------------------------------------------------------
  function applyWidths(table) {
    var total = 0;
    table.querySelectorAll("col[data-col]").forEach(function (col) {
      var width = parseInt(col.dataset.width, 10) || parseInt(col.dataset.defaultWidth, 10) || 120;
      col.style.width = width + "px";
      total += width;
      var handle = table.querySelector('.col-resize[data-col="' + col.dataset.col + '"]');
      if (handle) { handle.setAttribute("aria-valuenow", width); }
    });
    table.style.width = total + "px";
  }

  function currentWidths(table) {
    var widths = {};
    table.querySelectorAll("col[data-col]").forEach(function (col) {
      widths[col.dataset.col] = parseInt(col.dataset.width, 10);
    });
    return widths;
  }

  function startResize(event, table, handle) {
    var col = table.querySelector('col[data-col="' + handle.dataset.col + '"]');
    if (!col) { return; }
    event.preventDefault();
    event.stopPropagation();
    var startX = event.clientX;
    var startWidth = parseInt(col.dataset.width, 10);
    var rtl = getComputedStyle(table).direction === "rtl";
    table.classList.add("resizing");
    handle.setPointerCapture(event.pointerId);

    function move(e) {
      var delta = (e.clientX - startX) * (rtl ? -1 : 1);
      col.dataset.width = Math.max(40, Math.min(1200, Math.round(startWidth + delta)));
      applyWidths(table);
    }
    function stop() {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", stop);
      handle.removeEventListener("pointercancel", stop);
      table.classList.remove("resizing");
      if (parseInt(col.dataset.width, 10) !== startWidth) {
        post(table.dataset.widthsUrl, {widths: currentWidths(table)});
      }
    }
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
  }

  // The keyboard's way: arrow keys on a focused column edge widen or narrow its column by 10 px
  // (50 with Shift), saved once the keys rest; Home restores the list's default widths.
  var keySaveTimer = null;

  function keyResize(event, table, handle) {
    var col = table.querySelector('col[data-col="' + handle.dataset.col + '"]');
    if (!col) { return; }
    if (event.key === "Home") {
      event.preventDefault();
      resetWidths(table);
      return;
    }
    var step = {ArrowRight: 1, ArrowLeft: -1}[event.key];
    if (!step) { return; }
    event.preventDefault();
    if (getComputedStyle(table).direction === "rtl") { step = -step; }
    var width = parseInt(col.dataset.width, 10) + step * (event.shiftKey ? 50 : 10);
    col.dataset.width = Math.max(40, Math.min(1200, width));
    applyWidths(table);
    clearTimeout(keySaveTimer);
    keySaveTimer = setTimeout(function () { post(table.dataset.widthsUrl, {widths: currentWidths(table)}); }, 400);
  }

  function resetWidths(table) {
    clearTimeout(keySaveTimer);  // arrow keys just before Home save nothing after it
    table.querySelectorAll("col[data-col]").forEach(function (col) {
      col.dataset.width = col.dataset.defaultWidth;
    });
    applyWidths(table);
    post(table.dataset.resetUrl);
  }

  // A click on a heading sorts, a double-click resets widths: wait briefly to tell them apart.
  var sortTimer = null;

  function initTable(table) {
    if (table.dataset.ready) { return; }
    table.dataset.ready = "1";
    applyWidths(table);
    var head = table.tHead;
    head.addEventListener("pointerdown", function (e) {
      var handle = e.target.closest(".col-resize");
      if (handle) { startResize(e, table, handle); }
    });
    head.addEventListener("click", function (e) {
      if (e.target.closest(".col-resize")) { e.preventDefault(); return; }
      var link = e.target.closest("a.sort");
      if (!link) { return; }
      e.preventDefault();
      clearTimeout(sortTimer);
      if (e.detail > 1) { return; }
      sortTimer = setTimeout(function () {
        if (window.htmx) { window.htmx.trigger(link, "sort"); } else { window.location = link.href; }
      }, e.detail === 0 ? 0 : 250);
    });
    head.addEventListener("keydown", function (e) {
      var handle = e.target.closest(".col-resize");
      if (handle) { keyResize(e, table, handle); }
    });
    head.addEventListener("dblclick", function (e) {
      e.preventDefault();
      clearTimeout(sortTimer);
      resetWidths(table);
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("table.list[data-list]").forEach(initTable);
  }

  // Forms that re-render on a choice (Forensic Search: a field brings its own operators) ------
  document.addEventListener("change", function (e) {
    var select = e.target.closest("[data-autosubmit]");
    if (select && select.form) { select.form.requestSubmit(); }
  });

  // The org tree: a disclosure button asks for its org's children the first time it opens (htmx, on
  // its "expand" event) and takes them away, with everything below them, when it closes.
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".tree-toggle");
    if (!button) { return; }
    var row = button.closest("tr"), path = row.getAttribute("data-path");
    if (button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      if (window.htmx) { window.htmx.trigger(button, "htmx:abort"); }  // children still on their way stay away
      var next = row.nextElementSibling;
      while (next) {
        var under = next.getAttribute("data-path") || "";
        if (under === path || under.indexOf(path) !== 0) { break; }
        var after = next.nextElementSibling;
        next.remove();
        next = after;
      }
    } else if (window.htmx) {
      button.setAttribute("aria-expanded", "true");
      window.htmx.trigger(button, "expand");
    }
  });

  // Menus and navigation ---------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) { menu.removeAttribute("open"); }
    });
    var toggle = e.target.closest(".nav-toggle");
    if (toggle) {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
    document.body.classList.remove("nav-open");
  });

  // Global search: arrow keys move through the drop-down's results, Escape closes it.
  document.addEventListener("keydown", function (e) {
    var box = document.getElementById("global-search-results");
    if (!box || !e.target.closest(".global-search")) { return; }
    var options = Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
    var at = options.indexOf(document.activeElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!options.length) { return; }
      e.preventDefault();
      var next = e.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) { document.getElementById("global-search").focus(); return; }
      options[Math.min(next, options.length - 1)].focus();
    } else if (e.key === "Escape") {
      box.innerHTML = "";
      document.getElementById("global-search").focus();
    }
  });
  document.addEventListener("click", function (e) {
    var box = document.getElementById("global-search-results");
    if (box && !e.target.closest(".global-search")) { box.innerHTML = ""; }
  });

  // The console command line: Ctrl+Shift+X or a double-click on the logo; arrows walk the history.
  var cliHistory = JSON.parse(sessionStorage.getItem("console-history") || "[]");
  var cliAt = cliHistory.length;
  function toggleConsole() {
    var panel = document.getElementById("console-panel");
    if (!panel) { return false; }
    panel.hidden = !panel.hidden;
    if (!panel.hidden) { document.getElementById("console-input").focus(); }
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey && e.shiftKey && (e.key === "X" || e.key === "x")) {
      if (toggleConsole()) { e.preventDefault(); }
      return;
    }
    if (e.target.id !== "console-input") { return; }
    if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      cliAt = Math.max(0, Math.min(cliHistory.length, cliAt + (e.key === "ArrowUp" ? -1 : 1)));
      e.target.value = cliHistory[cliAt] || "";
    } else if (e.key === "Escape") {
      toggleConsole();
    }
  });
  var brandTimer = null;
  document.addEventListener("click", function (e) {
    var brand = e.target.closest(".brand");
    if (!brand || !document.getElementById("console-panel")) { return; }
    // Tell a click (go home) from a double-click (open the console).
    e.preventDefault();
    clearTimeout(brandTimer);
    if (e.detail > 1) { return; }
    brandTimer = setTimeout(function () { window.location = brand.href; }, e.detail === 0 ? 0 : 300);
  });
  document.addEventListener("dblclick", function (e) {
    if (e.target.closest(".brand")) { clearTimeout(brandTimer); toggleConsole(); }
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (!form.classList || !form.classList.contains("console-form")) { return; }
    var line = form.querySelector("#console-input").value.trim();
    if (line && cliHistory[cliHistory.length - 1] !== line) {
      cliHistory.push(line);
      cliHistory = cliHistory.slice(-100);
      sessionStorage.setItem("console-history", JSON.stringify(cliHistory));
    }
    cliAt = cliHistory.length;
  });

  // Panels opened by a button, or (as in the original console) by double-clicking the OS mark.
  function togglePanel(id) {
    var panel = document.getElementById(id);
    if (!panel) { return; }
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      var input = panel.querySelector("input[type=text]");
      if (input) { input.focus(); }
    }
  }
  document.addEventListener("click", function (e) {
    var trigger = e.target.closest("[data-click-toggle]");
    if (trigger) { togglePanel(trigger.dataset.clickToggle); }
  });
  document.addEventListener("dblclick", function (e) {
    var trigger = e.target.closest("[data-dblclick-toggle]");
    if (trigger) { togglePanel(trigger.dataset.dblclickToggle); }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (form.classList && (form.classList.contains("command-form") || form.classList.contains("console-form"))) {
      form.querySelector("input[type=text]").value = "";
    }
  });

  // Keep list URLs short and shareable: empty filters are left out of the query string.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb !== "get" || !e.detail.elt.closest(".list-filters")) { return; }
    Object.keys(e.detail.parameters).forEach(function (name) {
      if (e.detail.parameters[name] === "") { delete e.detail.parameters[name]; }
    });
  });

  // Column choice: come back to the list as it is now (sorting and searching change the URL in place).
  document.addEventListener("submit", function (e) {
    var next = e.target.matches("form[data-keep-location]") && e.target.querySelector("input[name=next]");
    if (next) { next.value = window.location.pathname + window.location.search; }
  });

  // Export progress: each download gets a random token, and the status region asks the server how far
  // that export has got (any server process can answer). Without script the link is a plain download.
  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-export-progress]");
    var status = link && document.getElementById(link.dataset.exportStatus);
    if (!status || !window.htmx || !window.crypto) { return; }
    var token = randomToken();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("progress", token);
    link.href = url.pathname + url.search;  // the browser follows the link as it is after this handler
    var poll = document.createElement("div");
    poll.setAttribute("hx-get", link.dataset.exportProgress + "?token=" + token);
    poll.setAttribute("hx-trigger", "load delay:300ms");
    poll.setAttribute("hx-swap", "outerHTML");
    status.replaceChildren(poll);
    window.htmx.process(poll);
  });

  // A table that scrolls sideways in its own box must be reachable by keyboard to be scrolled: such a
  // box without a link or control of its own joins the tab order while (and only while) it scrolls.
  function focusableScrollBoxes() {
    document.querySelectorAll(".table-wrap, table.plain").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var reachable = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
      if (scrolls && !reachable) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "1";
      } else if (box.dataset.scrollFocus && !scrolls) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }
  var scrollBoxFrame = null;
  function scheduleScrollBoxes() {
    if (scrollBoxFrame) { return; }
    scrollBoxFrame = window.requestAnimationFrame(function () { scrollBoxFrame = null; focusableScrollBoxes(); });
  }
  window.addEventListener("resize", scheduleScrollBoxes);

  // A page's actions on a phone: more than two go behind one "⋯" disclosure button beside the title,
  // as the original console's per-object actions menu (CSS shows the button at phone width only).
  var actionMenus = 0;
  function addActionMenus() {
    var label = document.querySelector('meta[name="actions-label"]');
    document.querySelectorAll(".page-header").forEach(function (header) {
      var groups = header.querySelectorAll(":scope > .page-actions");
      var controls = header.querySelectorAll(":scope > .page-actions :is(a, button)");
      if (header.querySelector(".actions-toggle") || controls.length < 3) { return; }
      actionMenus += 1;
      var ids = [];
      groups.forEach(function (group, n) {
        group.id = group.id || "page-actions-" + actionMenus + "-" + n;
        ids.push(group.id);
      });
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "button actions-toggle";
      toggle.textContent = "\u22ef";
      toggle.setAttribute("aria-label", label ? label.content : "Actions");
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-controls", ids.join(" "));
      header.classList.add("has-action-menu");
      var title = header.firstElementChild;
      if (title.classList.contains("page-actions")) { header.prepend(toggle); } else { title.after(toggle); }
    });
  }
  function closeActionMenus(except) {
    document.querySelectorAll(".page-header.actions-open").forEach(function (header) {
      if (header === except) { return; }
      header.classList.remove("actions-open");
      header.querySelector(".actions-toggle").setAttribute("aria-expanded", "false");
    });
  }
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest(".actions-toggle");
    var header = e.target.closest(".page-header");
    closeActionMenus(header);
    if (!toggle) { return; }
    var open = header.classList.toggle("actions-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (e) {
    var open = e.key === "Escape" && document.querySelector(".page-header.actions-open .actions-toggle");
    if (!open) { return; }
    closeActionMenus(null);
    open.focus();
  });

  document.addEventListener("DOMContentLoaded", function () { initAll(document); focusableScrollBoxes(); addActionMenus(); });
  document.addEventListener("htmx:load", function (e) { initAll(e.target.parentNode || document); scheduleScrollBoxes(); });
})();
