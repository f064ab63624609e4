// wagerflow risk board: swaps the sections the server pushes (server-sent events), opens the
// event and player panes on demand, and posts manual commands with the session's CSRF token.
"use strict";
(function () {
  const $ = (sel) => document.querySelector(sel);
  const csrf = document.querySelector('meta[name="csrf"]');
  const state = { updates: 0, lastNoticedMs: 0, lastReceivedMs: 0, openEvent: null };
  window.wagerflowBoard = state;

  function connect() {
    const source = new EventSource("/events");
    source.addEventListener("open", () => { $("#live").textContent = "live"; });
    source.addEventListener("error", () => { $("#live").textContent = "reconnecting…"; });
    source.addEventListener("sections", (msg) => {
      const body = JSON.parse(msg.data);
      for (const [name, html] of Object.entries(body.html)) {
        const el = document.getElementById("s-" + name);
        if (el) { el.innerHTML = html; }
      }
      const err = $("#error");
      err.hidden = !body.error;
      err.textContent = body.error || "";
      state.updates += 1;
      state.lastNoticedMs = body.noticed_ms;
      state.lastReceivedMs = Date.now();
      $("#live").textContent = "live · " + new Date().toLocaleTimeString();
      if (body.html.liabilities !== undefined && state.openEvent) { openEvent(state.openEvent); }
    });
  }

  async function fragment(url, target) {
    const res = await fetch(url, { credentials: "same-origin" });
    $(target).innerHTML = await res.text();
  }

  function openEvent(eventId) {
    state.openEvent = eventId;
    $("#detail").hidden = false;
    return fragment("/fragment/event?event=" + encodeURIComponent(eventId), "#event-sheet");
  }

  async function command(action, event, line, reason) {
    const note = $("#manual-result");
    const res = await fetch("/api/control", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
      body: JSON.stringify({ action, event, line, reason }),
    });
    const body = await res.json();
    const text = res.ok
      ? action + " sent: " + body.command_id + " (" + body.delivered_to + ")"
      : "refused: " + body.error;
    if (note) { note.textContent = text; }
    return res.ok;
  }

  document.addEventListener("click", (e) => {
    const target = e.target.closest("a.event, a.players, button.cmd, #detail-close, #history-load");
    if (!target) { return; }
    e.preventDefault();
    const d = target.dataset;
    if (target.matches("a.event")) {
      openEvent(d.event);
    } else if (target.matches("a.players")) {
      const q = new URLSearchParams({ event: d.event, line: d.line, selection: d.selection });
      fragment("/fragment/players?" + q, "#player-sheet");
    } else if (target.matches("button.cmd")) {
      const reasonInput = document.querySelector('#manual-form input[name="reason"]');
      command(d.action, d.event, d.line, reasonInput ? reasonInput.value : "");
    } else if (target.id === "detail-close") {
      state.openEvent = null;
      $("#detail").hidden = true;
    } else if (target.id === "history-load") {
      $("#history").textContent = "loading…";
      fragment("/fragment/history", "#history");
    }
  });

  const form = $("#manual-form");
  if (form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const action = e.submitter ? e.submitter.value : "suspend";
      command(action, data.get("event"), data.get("line"), data.get("reason"));
    });
  }
  connect();
})();
