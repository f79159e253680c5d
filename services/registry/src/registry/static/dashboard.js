"use strict";
// Reads /v1/reports/provinces and /v1/reports/progress from this same origin and draws them
// as inline SVG. "No data" (null) is always drawn apart from 0 %.
(function () {
  const STATES = [["registered", "#8aa4c1"], ["active", "#2e8b57"], ["suspended", "#e0a030"], ["cancelled", "#b0b0b0"]];
  const RATES = [["completeness", "Complete", "#17324d"], ["handlers", "Handlers verified", "#2e8b57"],
    ["holders", "Holders signed", "#e0a030"], ["combing", "Whitelist combing", "#8e44ad"]];
  const BURN = [["line", "Outstanding (pending + overdue)", "#c0392b"], ["dash", "Even pace to the deadline", "#8a94a0"],
    ["line", "Deadline", "#17324d"]];
  const NO_DATA = "no data 无数据";
  const $ = (id) => document.getElementById(id);
  const status = (text, bad) => { $("status").textContent = text; $("status").className = bad ? "error" : ""; };

  function el(name, attrs, text) {
    const node = document.createElementNS($("states").namespaceURI, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pct(rate) { return rate === null || rate === undefined ? NO_DATA : (rate * 100).toFixed(1) + "%"; }

  function legend(id, entries) {
    $(id).replaceChildren(...entries.map(([kind, label, colour]) => {
      const span = document.createElement("span"), swatch = document.createElement("i");
      if (kind === "dash") swatch.className = "dash";
      else if (kind === "hatch") swatch.className = "hatch";
      else { swatch.style.background = colour; if (kind === "line") swatch.className = "line"; }
      span.append(swatch, label);
      return span;
    }));
  }

  function drawStates(items) {
    const svg = $("states"), row = 18, left = 70, width = 900;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${width} ${items.length * row + 10}`);
    const max = Math.max(1, ...items.map((i) => i.sub_ports.total));
    items.forEach((item, n) => {
      const y = n * row + 5, total = item.sub_ports.total;
      svg.appendChild(el("text", { x: 0, y: y + 12 }, `${item.province} ${item.name}`));
      let x = left;
      for (const [state, colour] of STATES) {
        const w = (item.sub_ports[state] / max) * (width - left - 120);
        if (w > 0) {
          const bar = el("rect", { x, y, width: w, height: row - 4, fill: colour });
          bar.appendChild(el("title", {}, `${state}: ${item.sub_ports[state]} (${pct(item.sub_ports[state] / total)})`));
          svg.appendChild(bar);
        }
        x += w;
      }
      const active = total ? pct(item.sub_ports.active / total) + " active" : NO_DATA;
      svg.appendChild(el("text", { x: x + 4, y: y + 12, class: total ? "" : "nodata" }, `${total} · ${active}`));
    });
    legend("legend", STATES.map(([state, colour]) => ["box", state, colour]));
  }

  function drawRates(items) {
    const svg = $("rates"), bar = 7, row = RATES.length * (bar + 1) + 8, left = 70, width = 900, span = width - left - 110;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${width} ${items.length * row + 10}`);
    items.forEach((item, n) => {
      const y = n * row + 5;
      svg.appendChild(el("text", { x: 0, y: y + 14 }, `${item.province} ${item.name}`));
      RATES.forEach(([key, label, colour], k) => {
        const rate = item[key] ? item[key].rate : null, top = y + k * (bar + 1);
        const shape = rate === null || rate === undefined
          ? el("rect", { x: left, y: top, width: span, height: bar, fill: "url(#nodata)" })
          : el("rect", { x: left, y: top, width: Math.max(rate * span, 0.5), height: bar, fill: colour });
        shape.appendChild(el("title", {}, `${label}: ${pct(rate)}`));
        svg.appendChild(shape);
        svg.appendChild(el("text", { x: left + span + 6, y: top + bar, class: rate == null ? "nodata" : "", "font-size": 8 },
          `${label}: ${pct(rate)}`));
      });
    });
    const defs = el("defs", {}), hatch = el("pattern", { id: "nodata", width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    hatch.appendChild(el("rect", { width: 4, height: 4, fill: "#fff" }));
    hatch.appendChild(el("rect", { width: 2, height: 4, fill: "#d5dbe2" }));
    defs.appendChild(hatch);
    svg.prepend(defs);
    legend("rates-legend", [...RATES.map(([, label, colour]) => ["box", label, colour]), ["hatch", NO_DATA]]);
  }

  // Whitelist's combing counts ride on the province report; null there means whitelist
  // could not be asked (no data), which is not the same as nothing combed (0 %).
  function combingText(combing) {
    return combing ? `${combing.combed}/${combing.customers} (${pct(combing.rate)})` : NO_DATA;
  }

  function burnChart(points, campaign) {
    const w = 260, h = 130, pad = 24, svg = el("svg", { viewBox: `0 0 ${w} ${h}`, role: "img" });
    const day = (s) => Date.parse(s.slice(0, 10) + "T00:00:00Z");
    const deadline = campaign ? day(campaign.deadline) : null;
    const xs = points.map((p) => day(p.day)).concat(deadline ? [deadline] : []);
    const x0 = Math.min(...xs), x1 = Math.max(x0 + 86400000, ...xs);
    const out = points.map((p) => p.pending + p.overdue);
    const top = Math.max(1, ...out);
    const X = (t) => pad + ((t - x0) / (x1 - x0)) * (w - 2 * pad), Y = (v) => h - pad - (v / top) * (h - 2 * pad);
    svg.appendChild(el("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#c0c8d2" }));
    svg.appendChild(el("text", { x: 2, y: pad }, String(top)));
    svg.appendChild(el("text", { x: 2, y: h - pad }, "0"));
    if (deadline && points.length) {
      svg.appendChild(el("line", { x1: X(day(points[0].day)), y1: Y(out[0]), x2: X(deadline), y2: Y(0),
        stroke: "#8a94a0", "stroke-dasharray": "4 3" }));
    }
    if (deadline) {
      svg.appendChild(el("line", { x1: X(deadline), y1: pad / 2, x2: X(deadline), y2: h - pad, stroke: "#17324d" }));
      svg.appendChild(el("text", { x: X(deadline) - 30, y: h - 6 }, campaign.deadline.slice(0, 10)));
    }
    const path = points.map((p, i) => `${X(day(p.day)).toFixed(1)},${Y(out[i]).toFixed(1)}`).join(" ");
    svg.appendChild(el("polyline", { points: path, fill: "none", stroke: "#c0392b", "stroke-width": 2 }));
    points.forEach((p, i) => {
      const dot = el("circle", { cx: X(day(p.day)), cy: Y(out[i]), r: 2.5, fill: "#c0392b" });
      dot.appendChild(el("title", {}, `${p.day}: ${out[i]} outstanding, ${pct(p.live ? p.complete / p.live : null)} complete`));
      svg.appendChild(dot);
    });
    return svg;
  }

  function drawBurndown(items, series) {
    const figures = items.filter((item) => (series[item.province] || []).length || item.campaign).map((item) => {
      const points = series[item.province] || [], last = points[points.length - 1];
      const figure = document.createElement("figure"), caption = document.createElement("figcaption");
      const rate = last ? pct(last.live ? last.complete / last.live : null) + " complete" : NO_DATA;
      const due = item.campaign ? ` · deadline ${item.campaign.deadline.slice(0, 10)} (${item.campaign.days_left} days left)` : " · no deadline set";
      caption.textContent = `${item.province} ${item.name}: ${rate}${due}`;
      figure.append(caption);
      if (points.length) figure.append(burnChart(points, item.campaign));
      else { const p = document.createElement("p"); p.className = "nodata"; p.textContent = NO_DATA; figure.append(p); }
      return figure;
    });
    if (!figures.length) { const p = document.createElement("p"); p.className = "nodata"; p.textContent = NO_DATA; figures.push(p); }
    $("burndown").replaceChildren(...figures);
    legend("burndown-legend", BURN);
  }

  function drawTable(items) {
    const body = $("table").tBodies[0];
    body.replaceChildren(...items.map((item) => {
      const tr = document.createElement("tr");
      const cells = [`${item.province} ${item.name}`, item.sub_ports.registered, item.sub_ports.active,
        item.sub_ports.suspended, item.sub_ports.cancelled,
        `${item.completeness.complete}/${item.completeness.total} (${pct(item.completeness.rate)})`,
        `${item.handlers.verified}/${item.handlers.total} (${pct(item.handlers.rate)})`,
        `${item.holders.signed}/${item.holders.total} (${pct(item.holders.rate)})`,
        item.campaign ? item.campaign.deadline.slice(0, 10) : "—",
        item.campaign ? item.campaign.days_left : "—", combingText(item.combing)];
      for (const value of cells) { const td = document.createElement("td"); td.textContent = String(value); tr.appendChild(td); }
      return tr;
    }));
  }

  // A problem's detail says what to do about it; the title alone rarely does.
  function problemText(response, body) {
    const title = (body && body.title) || response.statusText || "error";
    return `${response.status} ${title}${body && body.detail ? ": " + body.detail : ""}`;
  }

  async function getJson(path, token) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
    let body = null;
    try { body = await response.json(); } catch (err) { body = null; }
    if (!response.ok) throw new Error(problemText(response, body));
    return body;
  }

  async function progress(token) {
    const to = new Date(), from = new Date(to.getTime() - 120 * 86400000), byProvince = {};
    let cursor = null;
    do {
      const query = new URLSearchParams({ from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), limit: "500" });
      if (cursor) query.set("cursor", cursor);
      const page = await getJson("/v1/reports/progress?" + query, token);
      for (const point of page.items) (byProvince[point.province] = byProvince[point.province] || []).push(point);
      cursor = page.next_cursor;
    } while (cursor);
    return byProvince;
  }

  async function load() {
    const token = $("token").value.trim() || sessionStorage.getItem("porttrust.token") || "";
    if (!token) { status("Paste a token first.", true); return; }
    sessionStorage.setItem("porttrust.token", token);
    status("Loading…");
    try {
      // The figures come even when the series cannot: its trouble is shown, not fatal.
      let trouble = "";
      const [report, series] = await Promise.all([getJson("/v1/reports/provinces", token),
        progress(token).catch((err) => { trouble = err.message; return {}; })]);
      drawBurndown(report.items, series); drawStates(report.items); drawRates(report.items); drawTable(report.items);
      if (trouble) status(`Progress series: ${trouble}`, true);
      else status(`As of ${new Date(report.generated_at).toLocaleString()}`);
    } catch (err) {
      status(err instanceof Error && err.message ? err.message : "The report could not be loaded.", true);
    }
  }

  async function login() {
    const url = $("token-url").value.trim();
    if (!url) { status("Give identity's token URL.", true); return; }
    const form = new URLSearchParams({ grant_type: "password", username: $("username").value,
      password: $("password").value, audience: "registry" });
    try {
      const response = await fetch(url, { method: "POST", body: form });
      const body = await response.json();
      if (!response.ok) { status(problemText(response, body), true); return; }
      $("token").value = body.access_token; $("password").value = "";
      await load();
    } catch (err) {
      status("identity could not be reached from this page (CORS?); paste a token instead.", true);
    }
  }

  $("auth").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("login").addEventListener("click", login);
  if (sessionStorage.getItem("porttrust.token")) load();
})();
