// loganalyzer report: builds the migrations table and the drill-down charts from the embedded
// data. Everything that came from a log is put into the page with textContent or escaped for
// plotly's pseudo-HTML labels; nothing is ever assigned to innerHTML.
"use strict";
(function () {
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
  const FIGURES = JSON.parse(document.getElementById("la-figures").textContent);
  const CONFIG = {displaylogo: false, modeBarButtonsToRemove: ["sendChartToCloud"], responsive: true};
  const MIGRATIONS = DATA.migrations.map(function (m, i) {
    const row = Object.assign({}, m);
    row.predicted_steps = DATA.ramps[m.ramp_ref];
    row.config = DATA.configs[m.config_ref];
    row.index = i;
    return row;
  });

  function esc(text) {  // for plotly labels, which render a subset of HTML
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  // --- fleet charts -----------------------------------------------------------------
  document.querySelectorAll("[data-figure]").forEach(function (div) {
    const figure = FIGURES[div.dataset.figure];
    Plotly.newPlot(div, figure.data, figure.layout, CONFIG);
  });

  // --- migrations table: filter, search, sort ---------------------------------------
  const body = document.getElementById("migrations-body");
  const filters = {host: document.getElementById("filter-host"),
                   outcome: document.getElementById("filter-outcome"),
                   verdict: document.getElementById("filter-verdict"),
                   search: document.getElementById("filter-search")};
  const counter = document.getElementById("migrations-count");
  const COLUMNS = [
    ["instance", function (m) { return m.instance || "-"; }],
    ["source_host", function (m) { return m.source_host || "?"; }],
    ["dest_host", function (m) { return m.dest_host || "?"; }],
    ["start", function (m) { return m.start || ""; }],
    ["duration_s", function (m) { return m.duration_s; }],
    ["outcome", function (m) { return m.outcome; }],
    ["flags", function (m) {
      return [m.timeout_hit ? "timeout" : "", m.post_copy ? "post-copy" : "",
              m.paused ? "paused" : ""].filter(Boolean).join(", ") || "-"; }],
    ["steps", function (m) { return m.observed_steps.length + "/" + m.predicted_steps.length; }],
    ["final_downtime_ms", function (m) { return m.final_downtime_ms; }],
    ["ramp_verdict", function (m) { return m.ramp_verdict; }],
  ];
  let sortKey = "start", sortUp = true;

  function options(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", v)).value = v; });
  }
  const hosts = new Set();
  MIGRATIONS.forEach(function (m) {
    if (m.source_host) hosts.add(m.source_host);
    if (m.dest_host) hosts.add(m.dest_host);
  });
  options(filters.host, Array.from(hosts).sort());
  options(filters.outcome, ["completed", "cancelled", "failed", "unknown"]);
  options(filters.verdict, ["match", "mismatch", "no_ramp", "unknown_config"]);

  function visible(m) {
    const host = filters.host.value, outcome = filters.outcome.value;
    const verdict = filters.verdict.value, term = filters.search.value.trim().toLowerCase();
    if (host && m.source_host !== host && m.dest_host !== host) return false;
    if (outcome && m.outcome !== outcome) return false;
    if (verdict && m.ramp_verdict !== verdict) return false;
    if (term && !(m.instance || "").toLowerCase().includes(term)) return false;
    return true;
  }
  function value(m, key) {
    const column = COLUMNS.find(function (c) { return c[0] === key; });
    return column ? column[1](m) : m[key];
  }
  function render() {
    const rows = MIGRATIONS.filter(visible).sort(function (a, b) {
      const x = value(a, sortKey), y = value(b, sortKey);
      if (x === y) return a.index - b.index;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * (sortUp ? 1 : -1);
    });
    body.replaceChildren();
    const shown = rows.slice(0, 2000);
    shown.forEach(function (m) {
      const tr = document.createElement("tr");
      tr.dataset.index = m.index;
      tr.className = "migration verdict-" + m.ramp_verdict;
      COLUMNS.forEach(function (c) {
        let text = c[1](m);
        if (c[0] === "instance" && text.length > 13) text = text.slice(0, 8) + "…";
        const td = el("td", text === null || text === undefined ? "-" : text);
        if (c[0] === "outcome") td.className = "outcome-" + m.outcome;
        tr.appendChild(td);
      });
      tr.addEventListener("click", function () { drill(m); });
      body.appendChild(tr);
    });
    counter.textContent = rows.length + " of " + MIGRATIONS.length + " migrations" +
      (rows.length > shown.length ? " (first " + shown.length + " listed: filter to see more)" : "");
  }
  Object.values(filters).forEach(function (f) { f.addEventListener("input", render); });
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      if (sortKey === th.dataset.sort) sortUp = !sortUp; else { sortKey = th.dataset.sort; sortUp = true; }
      render();
    });
  });
  render();

  // --- drill-down -----------------------------------------------------------------------
  const panel = document.getElementById("drill");
  function drill(m) {
    panel.hidden = false;
    document.getElementById("drill-title").textContent =
      (m.instance || "(no instance)") + ": " + (m.source_host || "?") + " → " + (m.dest_host || "?") +
      ", " + m.outcome + (m.error ? " (" + m.error + ")" : "");
    const facts = document.getElementById("drill-facts");
    facts.replaceChildren();
    [["start", m.start], ["duration (s)", m.duration_s], ["release", m.release + " [" + m.release_source + "]"],
     ["variant", m.variant], ["data_gb", m.data_gb.value + " [" + m.data_gb.source + "]"],
     ["configuration from", m.config_source], ["verdict", m.ramp_verdict],
     ["completion-timeout limit (s)", m.timeout_limit_s || m.predicted_timeout_s],
     ["switchover", m.switchover ? m.switchover.seconds + " s ± " + m.switchover.uncertainty_s +
       " (" + m.switchover.basis + "; " + m.switchover.note + ")" : "-"],
     ["inferred", m.inferred.downtime === null ? "-" : "downtime " + m.inferred.downtime + ", steps " +
       m.inferred.steps + ", a step every " + m.inferred.step_interval_s + " s" +
       (m.inferred.delay ? ", delay " + m.inferred.delay : "") + " (" + m.inferred.variant + ")"]
    ].forEach(function (pair) {
      facts.appendChild(el("dt", pair[0]));
      facts.appendChild(el("dd", pair[1] === null || pair[1] === undefined ? "-" : pair[1]));
    });
    const list = document.getElementById("drill-findings");
    list.replaceChildren();
    m.findings.forEach(function (f) {
      const li = el("li", null, "severity-" + f.severity);
      li.appendChild(el("strong", f.severity + " " + f.code + ": "));
      li.appendChild(document.createTextNode(f.message));
      list.appendChild(li);
    });
    drawRamp(m);
  }

  function drawRamp(m) {
    const traces = [];
    const predicted = m.predicted_steps;
    if (predicted.length) {
      const end = Math.max(predicted[predicted.length - 1].after_s * 1.1,
                           m.duration_s || 0, predicted[predicted.length - 1].after_s + 60);
      traces.push({x: predicted.map(function (s) { return s.after_s; }).concat([end]),
                   y: predicted.map(function (s) { return s.downtime_ms; })
                     .concat([predicted[predicted.length - 1].downtime_ms]),
                   mode: "lines", line: {shape: "hv", color: "#1565c0"},
                   name: "predicted max downtime (ms)"});
    }
    const observed = m.observed_steps;
    if (observed.length) {
      traces.push({x: observed.map(function (s) { return s.after_s + (s.lag_s || 0); }),
                   y: observed.map(function (s) { return s.downtime_ms; }),
                   mode: "markers", marker: {size: 9, color: "#d84315"},
                   name: "logged step (at its log time)",
                   text: observed.map(function (s) {
                     return esc("after " + s.after_s + " s, lag " + s.lag_s + " s"); }),
                   hovertemplate: "%{y} ms<br>%{text}<extra></extra>"});
    }
    if (m.progress_series && m.progress_series.length) {
      traces.push({x: m.progress_series.map(function (p) { return p[0]; }),
                   y: m.progress_series.map(function (p) { return p[1]; }),
                   yaxis: "y2", mode: "lines+markers", line: {color: "#6a1b9a", dash: "dot"},
                   name: "memory remaining %"});
    }
    const shapes = [], annotations = [];
    const limit = m.timeout_limit_s || m.predicted_timeout_s;
    if (limit) {
      shapes.push({type: "line", x0: limit, x1: limit, yref: "paper", y0: 0, y1: 1,
                   line: {color: "#c62828", dash: "dash"}});
      annotations.push({x: limit, yref: "paper", y: 1.02, text: "completion timeout",
                        showarrow: false, font: {color: "#c62828"}});
    }
    (m.markers || []).forEach(function (mark, i) {
      shapes.push({type: "line", x0: mark[0], x1: mark[0], yref: "paper", y0: 0, y1: 1,
                   line: {color: "#9e9e9e", width: 1}});
      annotations.push({x: mark[0], yref: "paper", y: 0.95 - (i % 4) * 0.07, text: esc(mark[1]),
                        showarrow: false, font: {size: 10}});
    });
    Plotly.newPlot("drill-chart", traces, {
      title: {text: "Downtime steps: logged over predicted"},
      xaxis: {title: {text: "seconds after the migration started"}},
      yaxis: {title: {text: "max downtime (ms)"}, rangemode: "tozero"},
      yaxis2: {title: {text: "memory remaining %"}, overlaying: "y", side: "right", range: [0, 100]},
      shapes: shapes, annotations: annotations, height: 420, template: "plotly_white",
      legend: {orientation: "h", y: -0.2}, font: {family: "system-ui, sans-serif", size: 12}
    }, CONFIG);
    panel.scrollIntoView();
  }
})();
