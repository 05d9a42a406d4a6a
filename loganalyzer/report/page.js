// loganalyzer report: the migrations table (paged, sorted, filtered), the fleet charts drawn
// from the filtered rows, deep links (#m=INSTANCE[&n=K], #host=NAME, filters) and the
// drill-down panel. Everything that came from a log is put into the page with textContent or
// escaped for plotly's pseudo-HTML labels; nothing is ever assigned to innerHTML.
"use strict";
(function () {
  // --- data --------------------------------------------------------------------------------
  // the compact encoding of loganalyzer.report.data.compact: shared strings, object shapes
  // stored once, columnar lists of objects
  function expand(packed) {
    const strings = packed.strings, shapes = packed.shapes;
    function object(keys, values) {
      const out = {};
      keys.forEach(function (key, i) { out[key] = decode(values[i]); });
      return out;
    }
    function decode(value) {
      if (Array.isArray(value)) {
        if (value[0] === "~d") return object(shapes[value[1]], value.slice(2));
        if (value[0] === "~l") return value.slice(1).map(decode);
        return value.map(decode);
      }
      if (value === null || typeof value !== "object") return value;
      if ("~s" in value) return strings[value["~s"]];
      return value["~r"].map(function (row) { return object(value["~c"], row); });
    }
    return decode(packed.value);
  }
  const DATA = expand(JSON.parse(document.getElementById("la-data").textContent));
  const META = JSON.parse(document.getElementById("la-meta").textContent);
  const CONFIG = {displaylogo: false, responsive: true,
                  modeBarButtonsToRemove: ["sendChartToCloud", "select2d", "lasso2d"]};
  const TIERS = {"qemu-events": "measured by QEMU (STOP → RESUME)",
               "lifecycle-events": "estimated from nova's lifecycle events"};
const DASH = "—";
  const OUTCOME_MARK = {completed: "✓", cancelled: "⊘", failed: "✕", unknown: "?"};
  const VERDICT_MARK = {match: "=", mismatch: "≠"};
  const FLAGS = [["timeout_hit", "timeout"], ["post_copy", "post-copy"], ["paused", "paused"]];
  const PAGE = 50;

  const MIGRATIONS = DATA.migrations.map(function (m, i) {
    const row = Object.assign({}, m);
    row.predicted_steps = DATA.ramps[m.ramp_ref];
    row.running_steps = m.running_ramp_ref === undefined ? null : DATA.ramps[m.running_ramp_ref];
    row.inferred_steps = m.inferred_ramp_ref === undefined ? null : DATA.ramps[m.inferred_ramp_ref];
    row.config = DATA.configs[m.config_ref];
    row.index = i;
    row.flags = FLAGS.filter(function (f) { return m[f[0]]; }).map(function (f) { return f[1]; });
    if (m.ramp_verdict === "mismatch") row.flags.push("mismatch");
    row.search = [m.instance, m.source_host, m.dest_host, m.error, m.error_class]
      .filter(Boolean).join(" ").toLowerCase();
    return row;
  });
  // the K-th migration of each instance, in start order
  const BY_INSTANCE = new Map();
  MIGRATIONS.slice().sort(function (a, b) {
    return (a.start || "").localeCompare(b.start || "") || a.index - b.index;
  }).forEach(function (m) {
    const key = m.instance || "";
    if (!BY_INSTANCE.has(key)) BY_INSTANCE.set(key, []);
    BY_INSTANCE.get(key).push(m);
    m.nth = BY_INSTANCE.get(key).length;
  });

  // --- formatting: one number format, "—" with a reason for every missing value --------------
  function num(v, unit) {
    if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) return null;
    const digits = Number.isInteger(v) || Math.abs(v) >= 100 ? 0 : 1;
    const text = v.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    return unit ? text + " " + unit : text;
  }
  function show(v, reason) {
    if (v === null || v === undefined || v === "" || (typeof v === "number" && !isFinite(v)))
      return DASH + (reason ? " (" + reason + ")" : "");
    return typeof v === "number" ? num(v) : String(v);
  }
  function durationText(m, unit) {
    const d = m.duration;
    if (!d) return DASH + " (no start or end logged)";
    return (d.whole ? "" : "≥ ") + num(d.s, unit);
  }
  function esc(text) {  // for plotly labels, which render a subset of HTML
    return String(text === null || text === undefined ? DASH : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function short(id) { return id ? (id.length > 13 ? id.slice(0, 8) : id) : DASH; }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function colours() {
    return {completed: css("--ok"), cancelled: css("--warn"), failed: css("--bad"),
            unknown: css("--unknown"), fg: css("--fg"), line: css("--line"), info: css("--info")};
  }
  function baseLayout(title, extra) {
    const c = colours();
    const text = (Array.isArray(title) ? title : [title]).map(esc).join("<br>");
    return Object.assign({title: {text: text, font: {size: 14}},
      font: {family: "system-ui, sans-serif", size: 12, color: c.fg},
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      margin: {l: 90, r: 20, t: 40, b: 40},
      xaxis: {gridcolor: c.line, zerolinecolor: c.line},
      yaxis: {gridcolor: c.line, zerolinecolor: c.line}}, extra || {});
  }

  // --- filters and the table ------------------------------------------------------------------
  const body = document.getElementById("migrations-body");
  const filters = {host: document.getElementById("filter-host"),
                   outcome: document.getElementById("filter-outcome"),
                   verdict: document.getElementById("filter-verdict"),
                   flag: document.getElementById("filter-flag"),
                   q: document.getElementById("filter-search")};
  const counter = document.getElementById("migrations-count");
  const pageInfo = document.getElementById("page-info");
  function options(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", v)).value = v; });
  }
  const hostSet = new Set();
  MIGRATIONS.forEach(function (m) {
    if (m.source_host) hostSet.add(m.source_host);
    if (m.dest_host) hostSet.add(m.dest_host);
  });
  options(filters.host, Array.from(hostSet).sort());
  options(filters.outcome, ["completed", "cancelled", "failed", "unknown"]);
  options(filters.verdict, ["match", "mismatch", "no_ramp", "unknown_config"]);
  options(filters.flag, ["timeout", "post-copy", "paused", "mismatch"]);

  const COLUMNS = {  // display text and sort key
    instance: [function (m) { return short(m.instance) + (m.nth > 1 || (BY_INSTANCE.get(m.instance || "") || []).length > 1 ? " #" + m.nth : ""); },
               function (m) { return (m.instance || "") + " " + String(m.nth).padStart(4, "0"); }],
    route: [function (m) { return (m.source_host || "?") + " → " + (m.dest_host || "?"); },
            function (m) { return (m.source_host || "") + " " + (m.dest_host || ""); }],
    start: [function (m) { return show(m.start, "not logged"); }, function (m) { return m.start; }],
    duration: [function (m) { return durationText(m); },
               function (m) { return m.duration ? m.duration.s : null; }],
    outcome: [function (m) { return (OUTCOME_MARK[m.outcome] || "") + " " + m.outcome; },
              function (m) { return m.outcome; }],
    flags: [function (m) { return m.flags.filter(function (f) { return f !== "mismatch"; }).join(", ") || DASH; },
            function (m) { return m.flags.join(","); }],
    steps: [function (m) { return m.observed_steps.length + "/" + m.predicted_steps.length; },
            function (m) { return m.observed_steps.length; }],
    final_downtime_ms: [function (m) { return m.final_downtime_ms === null || m.final_downtime_ms === undefined ? DASH + " (no step)" : num(m.final_downtime_ms); },
                        function (m) { return m.final_downtime_ms; }],
    error: [function (m) { return m.error ? (m.error_class || "error") + ": " + m.error : DASH; },
            function (m) { return m.error_class ? m.error_class + " " + m.error : (m.error || null); }],
    ramp_verdict: [function (m) { return (VERDICT_MARK[m.ramp_verdict] || "·") + " " + m.ramp_verdict; },
                   function (m) { return m.ramp_verdict; }],
  };
  const ORDER = ["instance", "route", "start", "duration", "outcome", "flags", "steps",
                 "final_downtime_ms", "error", "ramp_verdict"];
  // each column's sort order as one integer rank per migration (missing values last), so a
  // click sorts integers; computed when the page is idle, or on first use
  const RANKS = {};
  function rank(name) {
    if (RANKS[name]) return RANKS[name];
    const keys = MIGRATIONS.map(COLUMNS[name][1]);
    const order = MIGRATIONS.map(function (m) { return m.index; }).sort(function (a, b) {
      const x = keys[a], y = keys[b];
      const xm = x === null || x === undefined, ym = y === null || y === undefined;
      if (xm || ym) return xm === ym ? a - b : (xm ? 1 : -1);
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const ranks = new Int32Array(MIGRATIONS.length), missing = new Uint8Array(MIGRATIONS.length);
    let value = 0;
    order.forEach(function (index, i) {
      const x = keys[index];
      if (i > 0 && x !== keys[order[i - 1]]) value++;
      ranks[index] = value;
      missing[index] = x === null || x === undefined ? 1 : 0;
    });
    RANKS[name] = {ranks: ranks, missing: missing};
    return RANKS[name];
  }
  let sortKey = "start", sortUp = true, page = 0, current = MIGRATIONS;
  let durRange = null;  // [low, high] s of whole durations: a histogram bin clicked
  const durChip = document.getElementById("filter-dur");

  function visible(m, state) {
    if (state.host && m.source_host !== state.host && m.dest_host !== state.host) return false;
    if (state.outcome && m.outcome !== state.outcome) return false;
    if (state.verdict && m.ramp_verdict !== state.verdict) return false;
    if (state.flag && m.flags.indexOf(state.flag) < 0) return false;
    if (state.q && m.search.indexOf(state.q) < 0) return false;
    if (durRange && !(m.duration && m.duration.whole && m.duration.s >= durRange[0] && m.duration.s <= durRange[1])) return false;
    return true;
  }
  function setDuration(range) {
    durRange = range;
    durChip.hidden = !range;
    durChip.textContent = range ? "duration " + num(range[0]) + "–" + num(range[1]) + " s ✕" : "";
    durChip.setAttribute("aria-label", range ? "remove the duration filter " + durChip.textContent : "");
  }
  durChip.addEventListener("click", function () { setDuration(null); update(); });
  function filterState() {
    return {host: filters.host.value, outcome: filters.outcome.value, verdict: filters.verdict.value,
            flag: filters.flag.value, q: filters.q.value.trim().toLowerCase(),
            dur: durRange ? durRange.join("-") : ""};
  }
  function compare(a, b) {
    const r = rank(sortKey), x = r.ranks[a.index], y = r.ranks[b.index];
    if (x === y) return a.index - b.index;
    if (r.missing[a.index] !== r.missing[b.index]) return r.missing[a.index] ? 1 : -1;  // "—" last
    return (x - y) * (sortUp ? 1 : -1);
  }
  function selectRows() {
    const state = filterState();
    current = MIGRATIONS.filter(function (m) { return visible(m, state); }).sort(compare);
  }
  function renderTable() {
    const pages = Math.max(1, Math.ceil(current.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    const shown = current.slice(page * PAGE, page * PAGE + PAGE);
    const fragment = document.createDocumentFragment();
    shown.forEach(function (m) {
      const tr = document.createElement("tr");
      tr.dataset.index = m.index;
      tr.className = "migration";
      ORDER.forEach(function (name) {
        const text = COLUMNS[name][0](m);
        const td = document.createElement("td");
        if (name === "instance") {
          const button = el("button", text, "open");
          button.type = "button";
          button.setAttribute("aria-label", "open migration " + m.nth + " of instance " + (m.instance || "unknown"));
          td.appendChild(button);
        } else td.textContent = text;
        td.title = name === "instance" ? (m.instance || "") : text;
        if (name === "outcome") td.className = "outcome-" + m.outcome;
        if (name === "ramp_verdict") td.className = m.ramp_verdict === "match" || m.ramp_verdict === "mismatch" ? "verdict-" + m.ramp_verdict : "verdict-other";
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    counter.textContent = current.length + " of " + MIGRATIONS.length + " migrations";
    pageInfo.textContent = "rows " + (current.length ? page * PAGE + 1 : 0) + "–" +
      (page * PAGE + shown.length) + " of " + current.length + " (page " + (page + 1) + " of " + pages + ")";
    document.getElementById("page-prev").disabled = page === 0;
    document.getElementById("page-next").disabled = page >= pages - 1;
  }
  body.addEventListener("click", function (event) {
    const tr = event.target.closest("tr.migration");
    if (tr) openMigration(MIGRATIONS[Number(tr.dataset.index)], tr.querySelector("button.open"));
  });
  let chartTimer = null;
  function update(options) {  // the table now; the charts right after
    selectRows();
    if (!(options && options.keepPage)) page = 0;
    renderTable();
    if (!(options && options.keepAddress)) writeAddress(false);
    clearTimeout(chartTimer);
    chartTimer = setTimeout(drawFleet, 0);
  }
  Object.values(filters).forEach(function (f) { f.addEventListener("input", function () { update(); }); });
  document.getElementById("filter-clear").addEventListener("click", function () {
    Object.values(filters).forEach(function (f) { f.value = ""; });
    setDuration(null);
    update();
  });
  document.getElementById("page-prev").addEventListener("click", function () { page--; renderTable(); });
  document.getElementById("page-next").addEventListener("click", function () { page++; renderTable(); });
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      if (sortKey === th.dataset.sort) sortUp = !sortUp; else { sortKey = th.dataset.sort; sortUp = true; }
      document.querySelectorAll("th[data-sort]").forEach(function (other) {
        other.setAttribute("aria-sort", other === th ? (sortUp ? "ascending" : "descending") : "none");
      });
      current.sort(compare);
      page = 0;
      renderTable();
    });
  });

  // --- CSV of the filtered rows --------------------------------------------------------------
  function csvCell(value) {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) || /^[=+\-@]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  document.getElementById("csv").addEventListener("click", function () {
    const head = ["instance", "n", "source_host", "dest_host", "start", "end", "duration_s",
                  "duration_is_lower_bound", "outcome", "flags", "steps_logged", "steps_predicted",
                  "final_downtime_ms", "error_class", "error", "ramp_verdict"];
    const lines = [head.join(",")];
    current.forEach(function (m) {
      lines.push([m.instance, m.nth, m.source_host, m.dest_host, m.start, m.end,
                  m.duration ? m.duration.s : null, m.duration ? !m.duration.whole : null,
                  m.outcome, m.flags.join(" "), m.observed_steps.length, m.predicted_steps.length,
                  m.final_downtime_ms, m.error_class, m.error, m.ramp_verdict].map(csvCell).join(","));
    });
    const link = el("a");
    link.href = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], {type: "text/csv"}));
    link.download = "migrations.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  // --- fleet charts, drawn from the filtered rows -------------------------------------------
  function onPick(div, handler) {
    if (div.__picked) return;
    div.__picked = true;
    div.on("plotly_click", function (event) {
      const point = event && event.points && event.points[0];
      if (point && point.customdata !== undefined && point.customdata !== null) handler(point.customdata);
    });
  }
  function addSeconds(start, seconds) {
    const t = new Date(start.replace(" ", "T") + "Z");
    return new Date(t.getTime() + seconds * 1000).toISOString().replace("T", " ").replace("Z", "");
  }
  function hoverText(m) {
    const sw = m.switchover;
    return esc(short(m.instance) + " #" + m.nth + ": " + (m.source_host || "?") + " → " + (m.dest_host || "?")) +
      "<br>" + esc("start " + show(m.start, "not logged") + ", duration " + durationText(m, "s")) +
      "<br>" + esc(m.outcome + (m.error_class ? " (" + m.error_class + ")" : "") + "; ramp " + m.ramp_verdict) +
      (m.flags.length ? "<br>" + esc("flags: " + m.flags.join(", ")) : "") +
      (sw && sw.seconds !== null && sw.seconds !== undefined ? "<br>" + esc("switch-over ≈ " + num(sw.seconds, "s")) : "") +
      "<br>" + esc("final max downtime " + show(num(m.final_downtime_ms, "ms"), "no step logged"));
  }
  function drawTimeline(rows, c) {
    const div = document.getElementById("chart-timeline");
    const dated = rows.filter(function (m) { return m.start; });
    const hosts = Array.from(new Set(dated.map(function (m) { return m.source_host || "?"; }))).sort();
    const traces = [];
    ["completed", "cancelled", "failed", "unknown"].forEach(function (outcome) {
      ["whole", "bound"].forEach(function (kind) {
        const xs = [], ys = [];
        dated.forEach(function (m) {
          if (m.outcome !== outcome || !m.duration || (kind === "whole") !== m.duration.whole) return;
          xs.push(m.start, addSeconds(m.start, m.duration.s), null);
          ys.push(m.source_host || "?", m.source_host || "?", null);
        });
        if (xs.length) traces.push({type: "scatter", mode: "lines", x: xs, y: ys, hoverinfo: "skip",
          name: outcome + (kind === "bound" ? " (partial log: at least)" : ""), legendgroup: outcome,
          line: {color: c[outcome], width: hosts.length > 60 ? 4 : 7, dash: kind === "bound" ? "dot" : "solid"}});
      });
    });
    const symbol = function (m) {
      if (m.outcome === "failed") return "x";
      if (m.paused) return "square";
      if (m.post_copy) return "diamond";
      if (m.ramp_verdict === "mismatch") return "triangle-up";
      return "circle";
    };
    traces.push({type: "scatter", mode: "markers", name: "start (✕ failed, ■ paused, ◆ post-copy, ▲ ramp mismatch)",
      x: dated.map(function (m) { return m.start; }), y: dated.map(function (m) { return m.source_host || "?"; }),
      customdata: dated.map(function (m) { return m.index; }),
      hovertext: dated.map(hoverText), hoverinfo: "text",
      marker: {size: dated.length > 3000 ? 6 : 9, symbol: dated.map(symbol),
               color: dated.map(function (m) { return c[m.outcome] || c.unknown; }),
               line: {width: 1, color: c.fg}}});
    const missing = rows.length - dated.length;
    Plotly.react(div, traces, baseLayout("Migrations over time by source host" + (missing ? " (" + missing + " without a start time not drawn)" : ""), {
      height: Math.max(260, 140 + (hosts.length > 60 ? 14 : 24) * hosts.length),
      xaxis: {type: "date", gridcolor: c.line, title: {text: "time as logged"}},
      yaxis: {type: "category", categoryorder: "array", categoryarray: hosts.slice().reverse(), gridcolor: c.line, automargin: true},
      title: {text: esc("Migrations over time by source host" + (missing ? " (" + missing + " without a start time not drawn)" : "")),
              font: {size: 14}, yref: "container", y: 1, yanchor: "top", pad: {t: 8}},
      legend: {orientation: "h", y: 1.01, yanchor: "bottom", x: 0}, margin: {l: 90, r: 20, t: 96, b: 40},
      hovermode: "closest", showlegend: true}), CONFIG);
    onPick(div, function (index) { openMigration(MIGRATIONS[index]); });
  }
  const DURATION_TICKS = [0.1, 1, 10, 100, 1000, 10000, 100000];
  function drawDurations(rows, c) {
    const div = document.getElementById("chart-durations");
    const traces = [];
    let whole = 0;
    const members = [];
    ["completed", "cancelled", "failed", "unknown"].forEach(function (outcome) {
      const mine = rows.filter(function (m) {
        return m.outcome === outcome && m.duration && m.duration.whole && m.duration.s > 0;
      });
      whole += mine.length;
      if (!mine.length) return;
      members.push(mine);
      traces.push({type: "histogram", x: mine.map(function (m) { return Math.log10(m.duration.s); }), name: outcome,
        marker: {color: c[outcome]}, xbins: {size: 0.1},
        hovertemplate: "%{y} " + outcome + " (click: show them)<extra></extra>"});
    });
    div.__members = members;
    const bounds = rows.filter(function (m) { return m.duration && !m.duration.whole; }).length;
    Plotly.react(div, traces, baseLayout("Durations (log scale): " + whole + " whole" + (bounds ? ", " + bounds + " partial not drawn" : ""), {
      barmode: "stack", height: 300,
      xaxis: {title: {text: "seconds"}, tickvals: DURATION_TICKS.map(Math.log10), ticktext: DURATION_TICKS.map(String), gridcolor: c.line},
      yaxis: {title: {text: "migrations"}, gridcolor: c.line},
      legend: {orientation: "h", y: -0.3}, margin: {l: 60, r: 20, t: 40, b: 40}}), CONFIG);
    if (!div.__binClicks) {  // a bin: its one migration opens, several filter to its range
      div.__binClicks = true;
      div.on("plotly_click", function (event) {
        const point = event && event.points && event.points[0];
        const mine = point && div.__members[point.curveNumber];
        if (!mine || !point.pointNumbers || !point.pointNumbers.length) return;
        const picked = point.pointNumbers.map(function (i) { return mine[i]; });
        if (picked.length === 1) { openMigration(picked[0]); return; }
        const seconds = picked.map(function (m) { return m.duration.s; });
        setDuration([Math.min.apply(null, seconds), Math.max.apply(null, seconds)]);
        update();
      });
    }
  }
  function nearestRank(values, q) {
    const ordered = values.slice().sort(function (a, b) { return a - b; });
    return ordered[Math.max(0, Math.ceil(q * ordered.length) - 1)];
  }
  function drawFinalDowntime(rows, c) {
    const div = document.getElementById("chart-final-downtime");
    const byHost = new Map();
    rows.forEach(function (m) {
      if (m.final_downtime_ms === null || m.final_downtime_ms === undefined) return;
      const host = m.source_host || "?";
      if (!byHost.has(host)) byHost.set(host, []);
      byHost.get(host).push(m);
    });
    const hosts = Array.from(byHost.keys()).map(function (host) {
      const items = byHost.get(host);
      const values = items.map(function (m) { return m.final_downtime_ms; });
      const top = items.reduce(function (a, b) { return b.final_downtime_ms > a.final_downtime_ms ? b : a; });
      return {host: host, max: top.final_downtime_ms, top: top, median: nearestRank(values, 0.5), n: values.length};
    }).sort(function (a, b) { return b.max - a.max || a.host.localeCompare(b.host); });
    const shown = hosts.slice(0, 15).reverse();
    const drifted = new Set(META.drifted);
    Plotly.react(div, [
      {type: "bar", orientation: "h", name: "max (click: that migration)", y: shown.map(function (h) { return h.host; }),
       x: shown.map(function (h) { return h.max; }), customdata: shown.map(function (h) { return h.top.index; }),
       marker: {color: shown.map(function (h) { return drifted.has(h.host) ? c.failed : c.info; })},
       hovertext: shown.map(function (h) { return esc(h.host + (drifted.has(h.host) ? " (drifted)" : "") + ": max " + num(h.max, "ms") + ", median " + num(h.median, "ms") + ", n = " + h.n); }),
       hoverinfo: "text"},
      {type: "scatter", mode: "markers", name: "median", y: shown.map(function (h) { return h.host; }),
       x: shown.map(function (h) { return h.median; }), hoverinfo: "skip",
       marker: {symbol: "line-ns-open", size: 16, color: c.fg, line: {width: 2, color: c.fg}}}
    ], baseLayout("Final max downtime per source host, top " + shown.length + " of " + hosts.length + " by max (ms; red: drifted)", {
      height: Math.max(240, 90 + 24 * shown.length), xaxis: {gridcolor: c.line, rangemode: "tozero", ticksuffix: " ms"},
      yaxis: {type: "category", automargin: true, gridcolor: c.line}, legend: {orientation: "h", y: -0.25},
      margin: {l: 90, r: 20, t: 40, b: 40}}), CONFIG);
    onPick(div, function (index) { openMigration(MIGRATIONS[index]); });
  }
  function untabbable(div) {  // chart toolbars stay for the mouse, off the Tab path
    div.querySelectorAll(".modebar-btn, a").forEach(function (a) { a.setAttribute("tabindex", "-1"); });
  }
  function drawFleet() {
    const c = colours();
    drawTimeline(current, c);
    drawDurations(current, c);
    drawFinalDowntime(current, c);
    document.querySelectorAll(".charts .chart").forEach(untabbable);
  }

  // --- the address: #host=…&outcome=…&q=…&m=INSTANCE&n=K -------------------------------------
  let drillOpen = null, pushedDrill = false, opener = null;
  function addressFor(withDrill) {
    const params = new URLSearchParams();
    const state = filterState();
    ["host", "outcome", "verdict", "flag"].forEach(function (k) { if (state[k]) params.set(k, state[k]); });
    if (filters.q.value.trim()) params.set("q", filters.q.value.trim());
    if (durRange) params.set("dur", durRange.join("-"));
    if (withDrill && drillOpen) {
      params.set("m", drillOpen.instance || "");
      params.set("n", String(drillOpen.nth));
    }
    const text = params.toString();
    return text ? "#" + text : location.pathname + location.search;
  }
  function writeAddress(push) {
    const target = addressFor(true);
    if ((location.hash || location.pathname + location.search) === target) return;
    if (push) history.pushState({drill: Boolean(drillOpen)}, "", target);
    else history.replaceState(history.state, "", target);
  }
  function readAddress() {
    const hash = location.hash.replace(/^#/, "");
    if (hash && hash.indexOf("=") < 0) return;  // a plain anchor (#findings)
    const params = new URLSearchParams(hash);
    const before = JSON.stringify(filterState());
    filters.host.value = params.get("host") || "";
    filters.outcome.value = params.get("outcome") || "";
    filters.verdict.value = params.get("verdict") || "";
    filters.flag.value = params.get("flag") || "";
    filters.q.value = params.get("q") || "";
    const dur = (params.get("dur") || "").split("-").map(Number);
    setDuration(dur.length === 2 && dur.every(isFinite) && dur[0] <= dur[1] ? dur : null);
    if (JSON.stringify(filterState()) !== before) update({keepAddress: true});
    const wanted = params.get("m");
    if (wanted === null) { closeDrill(false); return; }
    const m = findMigration(wanted, params.get("n"));
    if (m) showDrill(m); else {
      closeDrill(false);
      counter.textContent = "No migration of an instance starting with " + JSON.stringify(wanted) + "; " + counter.textContent;
    }
  }
  function findMigration(prefix, n) {
    const lower = prefix.toLowerCase();
    const ids = Array.from(BY_INSTANCE.keys()).filter(function (id) { return id.toLowerCase().indexOf(lower) === 0; }).sort();
    if (!ids.length) return null;
    const list = BY_INSTANCE.get(ids[0]);
    const k = n ? parseInt(n, 10) : list.length;
    return list[Math.min(Math.max(isFinite(k) ? k : list.length, 1), list.length) - 1];
  }
  window.addEventListener("popstate", readAddress);
  window.addEventListener("hashchange", readAddress);

  // --- drill-down -----------------------------------------------------------------------------
  const panel = document.getElementById("drill");
  let openerIndex = null;
  function openMigration(m, from) {
    opener = from || document.activeElement;
    const tr = opener && opener.closest ? opener.closest("tr.migration") : null;
    openerIndex = tr ? tr.dataset.index : null;
    showDrill(m);
    writeAddress(true);
    pushedDrill = true;
  }
  function closeDrill(viaButton) {
    if (!drillOpen) return;
    panel.hidden = true;
    drillOpen = null;
    if (viaButton) {
      if (pushedDrill && history.state && history.state.drill) history.back();
      else writeAddress(false);
    }
    pushedDrill = false;
    if (opener && !document.contains(opener) && opener.closest) opener = null;
    const row = openerIndex === null ? null :
      body.querySelector("tr[data-index='" + openerIndex + "'] button.open");
    (row || opener || document.getElementById("migrations-title")).focus();
  }
  document.getElementById("drill-close").addEventListener("click", function () { closeDrill(true); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drillOpen) closeDrill(true);
  });
  function fact(list, name, value, reason) {
    list.appendChild(el("dt", name));
    list.appendChild(el("dd", show(value, reason)));
  }
  function showDrill(m) {
    drillOpen = m;
    panel.hidden = false;
    const count = (BY_INSTANCE.get(m.instance || "") || []).length;
    document.getElementById("drill-title").textContent =
      (m.instance || "(no instance)") + " — migration " + m.nth + " of " + count + ": " +
      (m.source_host || "?") + " → " + (m.dest_host || "?") + ", " + (OUTCOME_MARK[m.outcome] || "") + " " + m.outcome +
      (m.error ? " (" + m.error + ")" : "");
    const facts = document.getElementById("drill-facts");
    facts.replaceChildren();
    const sw = m.switchover;
    const inf = m.inferred || {};
    const size = m.data_gb || {};
    fact(facts, "start – end (as logged)", (m.start || DASH + " (start not logged)") + " – " + (m.end || DASH + " (end not logged)"));
    fact(facts, "duration", m.duration ? durationText(m, "s") + (m.duration.whole ? "" : " — lower bound: " + m.duration.why) : null, "neither end logged");
    fact(facts, "error", m.error ? (m.error_class || "error") + ": " + m.error : null, "none logged");
    fact(facts, "release", m.release ? m.release + (m.release_source ? " [" + m.release_source + "]" : "") : null, "no release evidence");
    fact(facts, "ramp arithmetic", m.variant, "unknown release");
    fact(facts, "data_gb", size.value !== null && size.value !== undefined ? num(size.value) + " GiB [" + show(size.source, "source not said") + "]" : null, "guest size unknown: no progress line, step spacing or timeout limit");
    fact(facts, "configuration from", m.config_source, "not said");
    fact(facts, "ramp verdict", (VERDICT_MARK[m.ramp_verdict] || "·") + " " + m.ramp_verdict);
    const limit = m.timeout_limit_s || m.predicted_timeout_s;
    fact(facts, "completion-timeout limit", limit ? num(limit, "s") + (m.timeout_limit_s ? " (logged)" : " (predicted)") : null, "no timeout (0) or guest size unknown");
    fact(facts, "switch-over", sw && sw.seconds !== null && sw.seconds !== undefined ?
      "≈ " + num(sw.seconds, "s") + (sw.uncertainty_s !== null && sw.uncertainty_s !== undefined ? " ± " + num(sw.uncertainty_s, "s") : " (uncertainty unknown: no clock-offset bound)") +
      ", " + (TIERS[sw.evidence || "lifecycle-events"] || sw.evidence) + " — " + show(sw.basis, "basis not said") + "; " + show(sw.note, "") : null,
      "no pause/resume pair logged on both hosts");
    if (m.qemu_downtime_ms !== undefined && m.qemu_downtime_ms !== null)
      fact(facts, "QEMU downtime", num(m.qemu_downtime_ms, "ms") + (m.qemu_downtime_limit_ms ? " (limit " + num(m.qemu_downtime_limit_ms, "ms") + ")" : ""));
    fact(facts, "inferred from the logged ramp", inf.downtime !== null && inf.downtime !== undefined ?
      "downtime ≈ " + num(inf.downtime, "ms") + (inf.downtime_range && inf.downtime_range[0] !== inf.downtime_range[1] ? " (" + inf.downtime_range.join("–") + ")" : "") +
      ", " + show(inf.steps) + " steps, a step every " + show(num(inf.step_interval_s, "s"), "unknown") +
      ", delay " + show(inf.delay, "unknown: guest size unknown") + " (" + show(inf.variant, "variant unknown") + ")" +
      ((inf.alternatives || []).length ? "; also fits: " + inf.alternatives.map(function (a) {
        return a.steps + " steps, " + (a.downtime_range || []).join("–") + " ms (" + a.variant + ")"; }).join("; ") : "") : null,
      "too few logged steps to infer");
    renderFindings(m);
    renderLog(m);
    drawRamp(m, false);
    panel.scrollTop = 0;
    document.getElementById("drill-title").focus();
  }

  // step-value mismatches of one migration collapsed into one sentence
  function collapseSteps(m, items) {
    const predicted = new Map(m.predicted_steps.map(function (s) { return [s.after_s, s.downtime_ms]; }));
    const ratios = [];
    m.observed_steps.forEach(function (s) {
      const p = predicted.get(s.after_s);
      if (p !== undefined && p !== s.downtime_ms && p > 0) ratios.push(s.downtime_ms / p);
    });
    if (!ratios.length) return items.length + " step values differ from the prediction";
    const lo = Math.min.apply(null, ratios), hi = Math.max.apply(null, ratios);
    const factor = function (r) { return (Math.round(r * 100) / 100).toLocaleString("en-US") + "×"; };
    return ratios.length + " of " + m.observed_steps.length + " logged steps at " +
      (hi - lo <= 0.05 * hi ? factor(nearestRank(ratios, 0.5)) : factor(lo) + "–" + factor(hi)) + " the predicted value";
  }
  function renderFindings(m) {
    const list = document.getElementById("drill-findings");
    list.replaceChildren();
    const groups = new Map();
    m.findings.forEach(function (f) {
      if (!groups.has(f.code)) groups.set(f.code, []);
      groups.get(f.code).push(f);
    });
    if (!groups.size) list.appendChild(el("li", "none"));
    groups.forEach(function (items, code) {
      const li = el("li", null, "severity-" + items[0].severity);
      li.appendChild(el("strong", items[0].severity + " " + code + (items.length > 1 ? " ×" + items.length : "") + ": "));
      if (items.length === 1) {
        li.appendChild(document.createTextNode(items[0].message));
      } else {
        li.appendChild(document.createTextNode(code === "step-value-mismatch" ? collapseSteps(m, items) :
          items[0].message + " (and " + (items.length - 1) + " more like it)"));
        const details = el("details");
        details.appendChild(el("summary", "each of the " + items.length));
        const inner = el("ul");
        items.forEach(function (f) { inner.appendChild(el("li", f.message)); });
        details.appendChild(inner);
        li.appendChild(details);
      }
      list.appendChild(li);
    });
  }
  function renderLog(m) {
    const tbody = document.getElementById("drill-log-body");
    const fragment = document.createDocumentFragment();
    const logs = META.logs;
    const lines = logs.lines[m.index] || [];
    if (!lines.length) {
      const tr = el("tr");
      const td = el("td", DASH + (logs.lines[m.index] === null && logs.left_out ?
        " (not embedded: the report holds at most " + num(logs.budget) + " log lines, given to the migrations that need action first; " +
        "loganalyzer show PATHS --instance " + (m.instance || "ID") + " --n " + m.nth + " prints them)" :
        " (no log line of this migration was kept)"));
      td.colSpan = 6;
      tr.appendChild(td);
      fragment.appendChild(tr);
    }
    lines.forEach(function (line) {
      const tr = el("tr");
      const host = logs.hosts[line[1]], file = logs.files[line[5]];
      [line[0] === null ? "…" : line[0], show(host, "host unknown"), line[0] === null ? "" : show(line[2], "no level"), show(line[3]), show(line[4], "no text"),
       file ? file + (line[6] !== null && line[6] !== undefined ? ":" + line[6] : "") : DASH + (line[0] === null ? "" : " (stdin)")]
        .forEach(function (text, i) {
          const td = el("td", text);
          if (i === 5) td.className = "mono";
          tr.appendChild(td);
        });
      fragment.appendChild(tr);
    });
    tbody.replaceChildren(fragment);
  }

  // labels placed in rows so that none overlaps its neighbour
  function staggered(marks, span) {
    const rows = [];
    return marks.slice().sort(function (a, b) { return a[0] - b[0]; }).map(function (mark) {
      const width = span * (0.012 * Math.min(String(mark[1]).length, 24) + 0.02);
      let row = 0;
      while (rows[row] !== undefined && mark[0] - rows[row] < width) row++;
      rows[row] = mark[0];
      return {x: mark[0], text: mark[1], row: row};
    });
  }
  let wholeRamp = false;
  document.getElementById("drill-zoom").addEventListener("click", function () {
    if (drillOpen) drawRamp(drillOpen, !wholeRamp);
  });
  function rampTrace(steps, end, name, colour, dash) {
    const last = steps[steps.length - 1];
    return {x: steps.map(function (s) { return s.after_s; }).concat([Math.max(end, last.after_s)]),
            y: steps.map(function (s) { return s.downtime_ms; }).concat([last.downtime_ms]),
            mode: "lines", line: {shape: "hv", color: colour, dash: dash || "solid", width: 2}, name: name,
            hovertemplate: esc(name) + ": %{y} ms from %{x} s<extra></extra>"};
  }
  function drawRamp(m, whole) {
    wholeRamp = whole;
    document.getElementById("drill-zoom").textContent = whole ? "zoom to this migration" : "show the whole predicted ramp";
    const c = colours();
    const predicted = m.predicted_steps, observed = m.observed_steps;
    const rampEnd = predicted.length ? predicted[predicted.length - 1].after_s : 0;
    const own = Math.max(m.duration ? m.duration.s : 0,
      observed.reduce(function (a, s) { return Math.max(a, s.after_s + (s.lag_s || 0)); }, 0),
      (m.markers || []).reduce(function (a, mk) { return Math.max(a, mk[0]); }, 0), 1,
      m.duration && !m.duration.whole && m.timeout_limit_s ? m.timeout_limit_s * 1.02 : 0);
    const limit = m.timeout_limit_s || m.predicted_timeout_s;
    const fullEnd = Math.max(rampEnd * 1.1, own, limit || 0, rampEnd + 60);
    const xEnd = whole ? fullEnd : own * 1.08;
    const traces = [];
    if (predicted.length) traces.push(rampTrace(predicted, fullEnd, "predicted (" + show(m.config_source, "configuration") + ")", c.info));
    if (m.running_steps && m.running_steps.length) traces.push(rampTrace(m.running_steps, fullEnd, "running (start-up dump)", c.cancelled, "dash"));
    if (m.inferred_steps && m.inferred_steps.length) traces.push(rampTrace(m.inferred_steps, fullEnd, "inferred from the logged steps", c.completed, "dot"));
    if (observed.length) {
      const byAfter = new Map(predicted.map(function (s, i) { return [s.after_s, [i, s.downtime_ms]]; }));
      traces.push({x: observed.map(function (s) { return s.after_s + (s.lag_s || 0); }),
        y: observed.map(function (s) { return s.downtime_ms; }), mode: "markers", name: "logged step (at its log time)",
        marker: {size: 10, color: c.failed, symbol: observed.map(function (s) {
          const p = byAfter.get(s.after_s); return p && p[1] === s.downtime_ms ? "circle" : "x"; })},
        hovertext: observed.map(function (s) {
          const p = byAfter.get(s.after_s);
          const diff = p ? s.downtime_ms - p[1] : null;
          return esc("logged " + num(s.downtime_ms, "ms") + " after " + num(s.after_s, "s") +
            (s.lag_s !== null && s.lag_s !== undefined ? " (applied " + num(s.lag_s, "s") + " late)" : " (lag unknown)")) + "<br>" +
            esc(p ? "predicted step " + p[0] + ": " + num(p[1], "ms") + (diff ? "; difference " + (diff > 0 ? "+" : "") + num(diff, "ms") + " (" + (Math.round(s.downtime_ms / p[1] * 100) / 100) + "×)" : "; equal") :
              "no predicted step at " + num(s.after_s, "s"));
        }), hoverinfo: "text"});
    }
    if (m.progress_series && m.progress_series.length) {
      traces.push({x: m.progress_series.map(function (p) { return p[0]; }), y: m.progress_series.map(function (p) { return p[1]; }),
        yaxis: "y2", mode: "lines+markers", line: {color: c.unknown, dash: "dot"}, name: "memory remaining %",
        hovertemplate: "%{y} % remaining at %{x} s<extra></extra>"});
    }
    // markers count from the first line logged; when the log starts mid-way, nova's own
    // completion-timeout line (logged at the limit) places them on the migration's clock
    let shift = 0;
    const timeoutMark = (m.markers || []).find(function (mk) { return mk[1] === "completion timeout"; });
    if (m.duration && !m.duration.whole && m.timeout_limit_s && timeoutMark && timeoutMark[0] < m.timeout_limit_s)
      shift = m.timeout_limit_s - timeoutMark[0];
    const marks = (m.markers || []).map(function (mk) { return [mk[0] + shift, mk[1]]; });
    if (limit && !marks.some(function (mk) { return mk[1] === "completion timeout"; })) marks.push([limit, "completion timeout"]);
    const visibleMarks = marks.filter(function (mk) { return mk[0] <= xEnd; });
    const placed = staggered(visibleMarks, xEnd);
    const shapes = placed.map(function (p) {
      return {type: "line", x0: p.x, x1: p.x, yref: "paper", y0: 0, y1: 1,
              line: {color: p.text === "completion timeout" ? c.failed : c.unknown, width: 1, dash: p.text === "completion timeout" ? "dash" : "dot"}};
    });
    const LABEL_ROWS = 6;  // more crowded marks keep their label in the hover only
    const annotations = placed.filter(function (p) { return p.row < LABEL_ROWS; }).map(function (p) {
      return {x: p.x, yref: "paper", y: 1 - p.row * 0.075, yanchor: "top", text: esc(String(p.text).slice(0, 24)),
              showarrow: false, font: {size: 10, color: c.fg}, bgcolor: css("--bg"),
              xanchor: p.x > 0.75 * xEnd ? "right" : "left"};
    });
    if (visibleMarks.length) {
      traces.push({x: visibleMarks.map(function (mk) { return mk[0]; }), y: visibleMarks.map(function () { return 0; }),
        mode: "markers", marker: {size: 8, symbol: "line-ns", color: c.unknown, line: {width: 1, color: c.unknown}},
        name: "events", hovertext: visibleMarks.map(function (mk) { return esc(mk[1] + " at " + num(mk[0], "s")); }), hoverinfo: "text"});
    }
    const hidden = marks.length - visibleMarks.length;
    Plotly.react("drill-chart", traces, baseLayout(["Downtime steps: logged over predicted" +
      (whole ? "" : " (zoomed to this migration" + (hidden ? "; " + hidden + " later mark(s) beyond" : "") + ")") +
      "", shift ? "the log starts about " + num(shift, "s") + " into the migration: events placed by nova's timeout line" : ""].filter(Boolean), {
      xaxis: {title: {text: "seconds after the migration started"}, range: [0, xEnd], gridcolor: c.line},
      yaxis: {title: {text: "max downtime (ms)"}, rangemode: "tozero", gridcolor: c.line},
      yaxis2: {title: {text: "memory remaining %"}, overlaying: "y", side: "right", range: [0, 100], dtick: 25, showgrid: false},
      shapes: shapes, annotations: annotations, height: 440, hovermode: "closest",
      legend: {orientation: "h", y: -0.22}, margin: {l: 70, r: 60, t: 50, b: 40}}), CONFIG);
    untabbable(document.getElementById("drill-chart"));
  }

  // --- the drift table's toggle ----------------------------------------------------------------
  const driftAll = document.getElementById("drift-all");
  if (driftAll) driftAll.addEventListener("change", function () {
    document.getElementById("drift").classList.toggle("show-all", driftAll.checked);
  });

  // --- print: charts laid out at the A4 text width, back to the window's width afterwards ---------
  const PRINT_WIDTH = 680;
  function forPrint(on) {
    document.querySelectorAll(".js-plotly-plot").forEach(function (div) {
      if (on && div.__screenWidth === undefined) div.__screenWidth = div._fullLayout.width;
      if (!on && div.__screenWidth === undefined) return;
      Plotly.relayout(div, {width: on ? PRINT_WIDTH : div.__screenWidth});
      if (!on) delete div.__screenWidth;
    });
  }
  window.matchMedia("print").addEventListener("change", function (e) { forPrint(e.matches); });
  window.addEventListener("beforeprint", function () { forPrint(true); });
  window.addEventListener("afterprint", function () { forPrint(false); });

  // --- start -----------------------------------------------------------------------------------
  selectRows();
  renderTable();
  if (location.hash && location.hash.indexOf("=") >= 0) readAddress(); else drawFleet();
  ORDER.forEach(function (name, i) { setTimeout(function () { rank(name); }, 50 * (i + 1)); });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
    drawFleet();
    if (drillOpen) drawRamp(drillOpen, wholeRamp);
  });
  // for tests and benchmarks: the filtered row count, open the i-th migration, sort
  window.__report = {update: update, rows: function () { return current.length; },
                     open: function (i) { openMigration(MIGRATIONS[i]); },
                     sortBy: function (key) { document.querySelector("th[data-sort='" + key + "'] button").click(); }};
})();
