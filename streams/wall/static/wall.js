/* Flashpoint wall: plain JavaScript, no build step, no dependencies.
 *
 * One file for the three pages (body[data-page] = wall | event | watchlists).
 *
 * Token: a wall started with a token needs it on every API call.  Open a page once
 * as /?token=SECRET: the token is kept in localStorage and removed from the address
 * bar; /?token= (empty) forgets it.  fetch() sends it as "Authorization: Bearer";
 * EventSource cannot send headers, so the stream gets ?access_token=.
 *
 * Ages ("12 min ago") are in stream time: relative to the newest event time (ts)
 * the page has seen, not the wall clock, so a replayed stream reads like a live one.
 *
 * All text from the API goes into the page through textContent, never as HTML.
 */
"use strict";

(function () {
  const TOKEN_KEY = "flashpoint.wall.token";
  const BY_KEY = "flashpoint.wall.by";
  const SEVERITY_RANK = { critical: 3, warning: 2, info: 1 };
  const STATE_RANK = { emerging: 3, active: 3, fading: 2, resolved: 1 };
  const SVG = "http://www.w3.org/2000/svg";
  const memory = {};

  // -- storage, token ------------------------------------------------------------------------

  function stored(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key) || memory[key] || "";
      if (value === null) { localStorage.removeItem(key); delete memory[key]; return ""; }
      localStorage.setItem(key, value);
    } catch (e) {
      if (value === undefined) return memory[key] || "";
      if (value === null) delete memory[key]; else memory[key] = value;
    }
    return value;
  }

  function initToken() {
    const url = new URL(window.location.href);
    if (url.searchParams.has("token")) {
      const given = url.searchParams.get("token");
      stored(TOKEN_KEY, given ? given : null);
      url.searchParams.delete("token");
      history.replaceState(null, "", url.pathname + (url.search || "") + url.hash);
    }
    return stored(TOKEN_KEY);
  }
  const token = initToken();

  // -- helpers -------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  /** el("span.kw", {dir: "auto"}, "text", child...) */
  function el(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split(".");
    const node = document.createElement(tag);
    if (classes.length) node.className = classes.join(" ");
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function notice(text) {
    const n = $("notice");
    if (!n) return;
    n.textContent = text || "";
    n.hidden = !text;
  }

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || ("HTTP " + status));
      this.status = status;
      this.field = err.field;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers);
    if (token) opts.headers.Authorization = "Bearer " + token;
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const resp = await fetch(path, opts);
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) {
      const error = new ApiError(resp.status, body);
      if (resp.status === 401) {
        notice("This wall needs its access token: open it once as /?token=YOUR_TOKEN (it is then remembered).");
      }
      throw error;
    }
    return body;
  }

  function parseTs(iso) {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t : null;
  }

  // Stream time: the newest event time seen.
  let streamNow = null;
  function seeTs(iso) {
    const t = parseTs(iso);
    if (t !== null && (streamNow === null || t > streamNow)) {
      streamNow = t;
      const c = $("clock");
      if (c) {
        c.textContent = "stream time " + new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
      }
    }
  }

  function ago(iso) {
    const t = parseTs(iso);
    if (t === null) return "";
    const now = streamNow === null ? Date.now() : streamNow;
    const s = Math.max(0, Math.round((now - t) / 1000));
    if (s < 60) return "just now";
    const m = Math.round(s / 60);
    if (m < 60) return m + " min ago";
    const h = Math.floor(m / 60);
    if (h < 48) return h + " h " + (m % 60 ? (m % 60) + " min " : "") + "ago";
    return Math.round(h / 24) + " days ago";
  }

  function shortTime(iso) {
    const t = parseTs(iso);
    return t === null ? (iso || "") : new Date(t).toISOString().slice(0, 16).replace("T", " ");
  }

  /** Volume as [time_ms, n] with the missing buckets (no posts) filled with zeros. */
  function series(volume) {
    const pts = (volume || []).map(([iso, n]) => [parseTs(iso), Number(n) || 0]).filter(p => p[0] !== null);
    pts.sort((a, b) => a[0] - b[0]);
    if (pts.length < 2) return pts;
    let step = Infinity;
    for (let i = 1; i < pts.length; i++) {
      const d = pts[i][0] - pts[i - 1][0];
      if (d > 0 && d < step) step = d;
    }
    if (!Number.isFinite(step) || (pts[pts.length - 1][0] - pts[0][0]) / step > 600) return pts;
    const byTime = new Map(pts);
    const out = [];
    for (let t = pts[0][0]; t <= pts[pts.length - 1][0]; t += step) out.push([t, byTime.get(t) || 0]);
    return out;
  }

  function sparkline(volume, width, height) {
    const w = width || 220, h = height || 44, pad = 2;
    const pts = series(volume);
    const root = svg("svg", { class: "spark", viewBox: `0 0 ${w} ${h}`, width: w, height: h,
                              role: "img", "aria-label": "posts over time" });
    if (!pts.length) return root;
    const max = Math.max(1, ...pts.map(p => p[1]));
    const x = i => pts.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (pts.length - 1);
    const y = n => h - pad - (n / max) * (h - 2 * pad);
    const line = pts.map((p, i) => `${x(i).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    root.append(svg("polygon", { class: "area", points: `${x(0).toFixed(1)},${h - pad} ${line} ${x(pts.length - 1).toFixed(1)},${h - pad}` }));
    root.append(svg("polyline", { class: "line", points: line }));
    const last = pts[pts.length - 1];
    root.append(svg("circle", { class: "dot", cx: x(pts.length - 1).toFixed(1), cy: y(last[1]).toFixed(1), r: 2.5 }));
    const title = svg("title");
    title.textContent = `${pts.reduce((s, p) => s + p[1], 0)} posts in ${pts.length} buckets, peak ${max}`;
    root.append(title);
    return root;
  }

  function barChart(volume) {
    const pts = series(volume);
    const w = 900, h = 240, left = 44, bottom = 26, top = 10;
    const root = svg("svg", { class: "bars", viewBox: `0 0 ${w} ${h}`,
                              role: "img", "aria-label": "posts per bucket" });
    if (!pts.length) return root;
    const max = Math.max(1, ...pts.map(p => p[1]));
    const inner = w - left - 4, bw = inner / pts.length;
    const y = n => top + (h - top - bottom) * (1 - n / max);
    for (const frac of [0, 0.5, 1]) {
      const yy = y(max * frac);
      root.append(svg("line", { class: "grid", x1: left, x2: w - 4, y1: yy, y2: yy }));
      const label = svg("text", { class: "axis", x: left - 6, y: yy + 4, "text-anchor": "end" });
      label.textContent = String(Math.round(max * frac));
      root.append(label);
    }
    pts.forEach((p, i) => {
      const bar = svg("rect", { class: "bar", x: (left + i * bw + 1).toFixed(1), y: y(p[1]).toFixed(1),
                                width: Math.max(1, bw - 2).toFixed(1), height: (h - bottom - y(p[1])).toFixed(1) });
      const t = svg("title");
      t.textContent = `${new Date(p[0]).toISOString().slice(11, 16)} UTC: ${p[1]} posts`;
      bar.append(t);
      root.append(bar);
    });
    const first = svg("text", { class: "axis", x: left, y: h - 6 });
    first.textContent = shortTime(new Date(pts[0][0]).toISOString()) + " UTC";
    const last = svg("text", { class: "axis", x: w - 4, y: h - 6, "text-anchor": "end" });
    last.textContent = shortTime(new Date(pts[pts.length - 1][0]).toISOString()) + " UTC";
    root.append(first, last);
    return root;
  }

  function badge(text, kind) { return el("span.badge." + kind, {}, text); }

  function statusBadges(status) {
    const out = [];
    if (!status) return out;
    if (status.false_alarm) out.push(badge("false alarm", "st-false"));
    else if (status.muted) out.push(badge("muted", "st-muted"));
    else if (status.recurrence_of) out.push(badge("recurrence of a muted story", "st-muted"));
    if (status.acknowledged) {
      out.push(badge("ack" + (status.acknowledged.by ? " · " + status.acknowledged.by : ""), "st-ack"));
    }
    return out;
  }

  function keywordList(keywords, n) {
    return (keywords || []).slice(0, n).map(k => el("span.kw", { dir: "auto" }, k));
  }

  function pct(n, total) {
    const p = (100 * n) / total;
    return p > 0 && p < 1 ? "<1%" : Math.round(p) + "%";
  }

  function languageList(languages, n) {
    const entries = Object.entries(languages || {}).sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((s, [, c]) => s + c, 0) || 1;
    return entries.slice(0, n).map(([lang, c]) =>
      el("span.lang", { title: `${c} posts` }, `${lang} ${pct(c, total)}`));
  }

  function sampleItem(s) {
    return el("li.sample", {},
      el("span.meta", {}, [s.lang || "?", s.author ? "@" + s.author : null, s.ts ? shortTime(s.ts) : null]
        .filter(Boolean).join(" · ")),
      el("q", { dir: "auto", lang: s.lang || "" }, s.text || ""));
  }

  function eventUrl(id) { return "/events/" + encodeURIComponent(id); }

  function textOf(rec) {
    return [rec.id, ...(rec.keywords || []), ...(rec.samples || []).map(s => s.text || ""), rec.team || "",
            rec.watchlist || ""].join("\n").toLowerCase();
  }

  // -- live stream ---------------------------------------------------------------------------

  function openStream(handlers) {
    const live = $("live");
    const set = (state, text) => { if (live) { live.dataset.live = state; live.textContent = text; } };
    let es = null, retry = null;
    const connect = () => {
      const url = "/api/stream" + (token ? "?access_token=" + encodeURIComponent(token) : "");
      es = new EventSource(url);
      es.addEventListener("open", () => { set("on", "live"); if (handlers.open) handlers.open(); });
      es.addEventListener("error", () => {
        if (es.readyState === EventSource.CLOSED) {  // e.g. 401: the browser gives up; we retry slowly
          set("off", "offline");
          clearTimeout(retry);
          retry = setTimeout(connect, 10000);
        } else {
          set("connecting", "reconnecting…");
        }
      });
      es.addEventListener("event", e => handlers.event && handlers.event(JSON.parse(e.data)));
      es.addEventListener("action", e => handlers.action && handlers.action(JSON.parse(e.data)));
    };
    connect();
    window.addEventListener("beforeunload", () => es && es.close());
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  // -- the wall ------------------------------------------------------------------------------

  function wallPage() {
    const events = new Map();  // id -> latest record (with status)
    const cards = new Map();   // id -> [key, element]
    const list = $("events"), q = $("q"), teamSel = $("team"), stateSel = $("state");
    let loaded = false;

    function filters() {
      return {
        q: q.value.trim(),
        team: teamSel.value,
        states: stateSel.value ? stateSel.value.split(",") : null,
      };
    }

    function matches(rec) {
      const f = filters();
      if (f.states && !f.states.includes(rec.state)) return false;
      if (f.team && rec.team !== f.team) return false;
      if (f.q) {
        const body = textOf(rec);
        for (const term of f.q.toLowerCase().split(/\s+/)) if (term && !body.includes(term)) return false;
      }
      return true;
    }

    function upsert(rec) {
      const old = events.get(rec.id);
      if (old && old.version > rec.version) return false;
      if (old && old.version === rec.version && !rec.status) return false;
      events.set(rec.id, rec);
      seeTs(rec.ts);
      return true;
    }

    function card(rec) {
      const status = rec.status || {};
      const classes = ["card", "sev-" + (rec.severity || "info"), "state-" + (rec.state || "")];
      if (status.suppressed) classes.push("quiet");
      const li = el("li", { class: classes.join(" "), dataset: { id: rec.id, version: rec.version } },
        el("a.cover", { href: eventUrl(rec.id), "aria-label": "open event " + rec.id }),
        el("div.top", {},
          badge(rec.severity || "info", "sev"),
          badge(rec.state || "", "state"),
          el("h2.keywords", {}, keywordList(rec.keywords, 6)),
          el("span.age", { title: "first seen " + shortTime(rec.first_seen) + " UTC" },
            rec.first_seen ? ago(rec.first_seen) : "")),
        el("div.mid", {},
          sparkline(rec.volume),
          el("div.numbers", {},
            el("span", {}, el("b", {}, rec.posts ?? 0), " posts"),
            el("span", {}, el("b", {}, rec.voices ?? 0), " voices"),
            el("span", {}, el("b", {}, rec.communities ?? 0), " communities")),
          el("div.langs", {}, languageList(rec.languages, 5)),
          el("div.badges", {}, statusBadges(status),
            rec.team ? badge(rec.team + (rec.watchlist ? " / " + rec.watchlist : ""), "team") : null)),
        el("ul.samples", {}, (rec.samples || []).slice(0, 2).map(sampleItem)),
        el("div.updated", {}, "updated " + ago(rec.ts) + " · v" + rec.version));
      return li;
    }

    function sorted() {
      return [...events.values()].filter(matches).sort((a, b) =>
        ((a.status && a.status.suppressed) ? 1 : 0) - ((b.status && b.status.suppressed) ? 1 : 0) ||
        (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0) ||
        (STATE_RANK[b.state] || 0) - (STATE_RANK[a.state] || 0) ||
        (parseTs(b.ts) || 0) - (parseTs(a.ts) || 0));
    }

    function render(fresh) {
      const recs = sorted();
      const keep = new Set();
      recs.forEach((rec, i) => {
        const key = rec.version + "|" + JSON.stringify(rec.status || {}) + "|" + streamNow;
        let entry = cards.get(rec.id);
        if (!entry || entry[0] !== key) {
          const node = card(rec);
          if (entry) entry[1].replaceWith(node);
          if (fresh && fresh.has(rec.id)) node.classList.add("flash");
          entry = [key, node];
          cards.set(rec.id, entry);
        }
        keep.add(rec.id);
        if (list.children[i] !== entry[1]) list.insertBefore(entry[1], list.children[i] || null);
      });
      for (const [id, entry] of cards) {
        if (!keep.has(id)) { entry[1].remove(); cards.delete(id); }
      }
      $("empty").hidden = !loaded || recs.length > 0;
      document.title = `Flashpoint · ${recs.length} event${recs.length === 1 ? "" : "s"}`;
    }

    async function load() {
      const f = filters();
      const params = new URLSearchParams({ limit: "200" });
      if (f.q) params.set("q", f.q);
      if (f.team) params.set("team", f.team);
      if (f.states) params.set("state", f.states.join(","));
      try {
        const body = await api("/api/events?" + params);
        if (body.newest_ts) seeTs(body.newest_ts);
        const seen = new Set(body.events.map(r => r.id));
        for (const [id, rec] of events) if (!seen.has(id) && !matches(rec)) events.delete(id);
        if (f.q) {  // the server decides what matches a search
          for (const id of [...events.keys()]) if (!seen.has(id)) events.delete(id);
        }
        body.events.forEach(upsert);
        loaded = true;
        notice("");
        render();
      } catch (e) {
        if (e.status !== 401) notice("Could not load events: " + e.message);
      }
    }

    async function loadTeams() {
      try {
        const body = await api("/api/watchlists");
        for (const team of body.teams || []) {
          if (![...teamSel.options].some(o => o.value === team)) teamSel.append(el("option", { value: team }, team));
        }
      } catch (e) { /* the wall works without watchlists */ }
    }

    const reload = debounce(load, 250);
    $("filters").addEventListener("submit", e => { e.preventDefault(); load(); });
    q.addEventListener("input", reload);
    teamSel.addEventListener("change", load);
    stateSel.addEventListener("change", load);

    openStream({
      open: () => { load(); },  // (re)connected: anything missed while away comes with the list
      event: rec => {
        if (upsert(rec)) {
          if (rec.team && ![...teamSel.options].some(o => o.value === rec.team)) {
            teamSel.append(el("option", { value: rec.team }, rec.team));
          }
          render(new Set([rec.id]));
        }
      },
      action: act => {
        const rec = events.get(act.event_id);
        if (act.status && rec) { rec.status = act.status; }
        load();  // a mute can change whether other events are recurrences
      },
    });
    load();
    loadTeams();
  }

  // -- the event page ------------------------------------------------------------------------

  function eventPage() {
    const id = decodeURIComponent(window.location.pathname.replace(/^\/events\//, ""));
    const byInput = $("by"), noteInput = $("note");
    byInput.value = stored(BY_KEY);
    byInput.addEventListener("change", () => stored(BY_KEY, byInput.value.trim() || null));

    function facts(ev) {
      const dl = $("facts");
      const rows = [
        ["id", ev.id],
        ["first seen", ev.first_seen ? shortTime(ev.first_seen) + " UTC (" + ago(ev.first_seen) + ")" : "—"],
        ["updated", shortTime(ev.ts) + " UTC (" + ago(ev.ts) + ")"],
        ["score", ev.score],
        ["posts", ev.posts], ["voices", ev.voices], ["communities", ev.communities],
      ];
      if (ev.team) rows.push(["team", ev.team + (ev.watchlist ? " / " + ev.watchlist : "")]);
      const children = [];
      for (const [k, v] of rows) children.push(el("dt", {}, k), el("dd", { dir: "auto" }, v ?? "—"));
      children.push(el("dt", {}, "languages"), el("dd", {}, languageList(ev.languages, 8)));
      if (ev.crisis && typeof ev.crisis === "object") {
        children.push(el("dt", {}, "crisis"), el("dd", {}, Object.entries(ev.crisis).map(([k, v]) =>
          el("span.lang", {}, `${k} ${typeof v === "number" ? Math.round(v * 100) / 100 : v}`))));
      }
      dl.replaceChildren(...children);
    }

    function statusView(status) {
      const box = $("status");
      const parts = [];
      if (status.acknowledged) {
        parts.push(el("p.st-ack", {}, "Acknowledged" + (status.acknowledged.by ? " by " + status.acknowledged.by : "") +
          " at " + shortTime(status.acknowledged.at) + " UTC"));
      }
      if (status.false_alarm) parts.push(el("p.st-false", {}, "Marked a false alarm: it and its recurrences stay quiet."));
      else if (status.muted) parts.push(el("p.st-muted", {}, "Muted: it and its recurrences stay quiet."));
      else if (status.recurrence_of) {
        parts.push(el("p.st-muted", {}, "Quiet: a recurrence of muted story ",
          el("a", { href: eventUrl(status.recurrence_of) }, status.recurrence_of)));
      }
      if (!parts.length) parts.push(el("p.st-none", {}, "No action yet."));
      box.replaceChildren(...parts);
      box.dataset.acknowledged = status.acknowledged ? "yes" : "no";
      box.dataset.muted = status.muted ? "yes" : "no";
      box.dataset.falseAlarm = status.false_alarm ? "yes" : "no";
      const quiet = status.muted || status.false_alarm;
      $("act-mute").hidden = !!quiet;
      $("act-unmute").hidden = !quiet;
      $("act-false_alarm").disabled = !!status.false_alarm;
    }

    function render(body) {
      const ev = body.event;
      seeTs(ev.ts);
      document.title = "Flashpoint · " + (ev.keywords || []).slice(0, 3).join(" ");
      const article = $("event");
      article.hidden = false;
      article.className = "sev-" + (ev.severity || "info");
      $("title").replaceChildren(...keywordList(ev.keywords, 10));
      $("badges").replaceChildren(badge(ev.severity || "info", "sev"), badge(ev.state || "", "state"),
        badge("v" + ev.version, "state"), ...statusBadges(ev.status));
      facts(ev);
      $("chart").replaceChildren(barChart(ev.volume));
      statusView(ev.status || {});
      $("samples").replaceChildren(...(ev.samples || []).map(sampleItem));
      const rows = [...body.history].reverse().map(h => el("tr", {},
        el("td", {}, h.version), el("td", {}, shortTime(h.ts)), el("td", {}, h.type || ""),
        el("td", {}, h.state || ""), el("td", {}, badge(h.severity || "", "sev-" + (h.severity || "info"))),
        el("td.num", {}, h.score ?? ""), el("td.num", {}, h.posts ?? ""), el("td.num", {}, h.voices ?? ""),
        el("td", {}, el("span.keywords", {}, keywordList(h.keywords, 5)))));
      $("history").replaceChildren(...rows);
      $("action-log").replaceChildren(...[...body.actions].reverse().map(a => el("li", { dataset: { action: a.action } },
        el("b", {}, a.action.replace("_", " ")), " · " + (a.by || "anonymous") + " · " + shortTime(a.at) + " UTC",
        a.note ? el("span.note", { dir: "auto" }, " — " + a.note) : null)));
    }

    async function load() {
      try {
        render(await api("/api/events/" + encodeURIComponent(id)));
        notice("");
      } catch (e) {
        if (e.status === 404) notice("No event " + id + " (yet).");
        else if (e.status !== 401) notice("Could not load the event: " + e.message);
      }
    }

    for (const button of document.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", async () => {
        const payload = { action: button.dataset.action };
        const by = byInput.value.trim(), note = noteInput.value.trim();
        if (by) { payload.by = by; stored(BY_KEY, by); }
        if (note) payload.note = note;
        button.disabled = true;
        try {
          const body = await api("/api/events/" + encodeURIComponent(id) + "/actions", { method: "POST", json: payload });
          noteInput.value = "";
          button.disabled = false;
          statusView(body.status);
        } catch (e) {
          button.disabled = false;
          if (e.status !== 401) notice("Action failed: " + e.message + (e.field ? " (" + e.field + ")" : ""));
        }
        await load();
      });
    }

    const reload = debounce(load, 200);
    openStream({
      open: reload,
      event: rec => { seeTs(rec.ts); if (rec.id === id) reload(); },
      action: act => { if (act.event_id === id) reload(); },
    });
    load();
  }

  // -- the watchlists ------------------------------------------------------------------------

  function watchlistsPage() {
    // A query: a string, or detectors.watchlist_queries' {"terms": [...], "hashtags": [...], ...}
    // (terms: all of them; the other clauses: any of them).
    function query(qr) {
      if (typeof qr === "string") return el("code.query", { dir: "auto" }, qr);
      if (!qr || typeof qr !== "object") return el("code.query", {}, String(qr));
      const parts = Object.entries(qr).filter(([, v]) => v !== null && v !== "" && !(Array.isArray(v) && !v.length))
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(k === "terms" ? " + " : " | ") : v}`);
      return el("code.query", { dir: "auto", title: JSON.stringify(qr) }, parts.join("  ·  "));
    }

    function eventRow(ev) {
      return el("li", { class: "mini sev-" + (ev.severity || "info") + (ev.status && ev.status.suppressed ? " quiet" : ""),
                        dataset: { id: ev.id } },
        badge(ev.severity || "info", "sev"), badge(ev.state || "", "state"),
        el("a.keywords", { href: eventUrl(ev.id) }, keywordList(ev.keywords, 5)),
        sparkline(ev.volume, 120, 26),
        el("span.age", {}, ev.first_seen ? ago(ev.first_seen) : ""),
        ...statusBadges(ev.status));
    }

    async function load() {
      try {
        const body = await api("/api/watchlists");
        const byTeam = new Map();
        for (const w of body.watchlists) {
          for (const ev of w.events || []) seeTs(ev.ts);
          const team = w.team || "(no team)";
          if (!byTeam.has(team)) byTeam.set(team, []);
          byTeam.get(team).push(w);
        }
        const sections = [...byTeam.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([team, lists]) =>
          el("section.team", { dataset: { team } },
            el("h2", { dir: "auto" }, team),
            el("div.lists", {}, lists.map(w => el("article.watchlist", { dataset: { name: w.name || "" } },
              el("h3", { dir: "auto" }, w.name || "(unnamed)",
                el("span.count", {}, ` ${(w.events || []).length} current`)),
              w.description ? el("p.description", { dir: "auto" }, w.description) : null,
              el("div.queries", {}, (w.queries || []).map(query)),
              (w.events || []).length ? el("ul.minis", {}, w.events.map(eventRow))
                                       : el("p.empty", {}, "Nothing current."))))));
        $("teams").replaceChildren(...sections);
        $("empty").hidden = body.watchlists.length > 0;
        notice("");
      } catch (e) {
        if (e.status !== 401) notice("Could not load the watchlists: " + e.message);
      }
    }

    const reload = debounce(load, 500);
    openStream({ open: reload, event: reload, action: reload });
    load();
  }

  const page = document.body.dataset.page;
  if (page === "wall") wallPage();
  else if (page === "event") eventPage();
  else if (page === "watchlists") watchlistsPage();
})();
