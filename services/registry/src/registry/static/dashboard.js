"use strict";
// Reads /v1/reports/provinces from this same origin and draws it as inline SVG.
(function () {
  const STATES = [["registered", "#8aa4c1"], ["active", "#2e8b57"], ["suspended", "#e0a030"], ["cancelled", "#b0b0b0"]];
  const RATES = [["completeness", "Complete", "#17324d"], ["handlers", "Handlers verified", "#2e8b57"], ["holders", "Holders signed", "#e0a030"], ["combing", "Whitelist combed", "#8b3a8b"]];
  const $ = (id) => document.getElementById(id);
  const status = (text, bad) => { $("status").textContent = text; $("status").className = bad ? "error" : ""; };

  function el(name, attrs, text) {
    const node = document.createElementNS($("states").namespaceURI, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pct(rate) { return rate === null ? "—" : (rate * 100).toFixed(1) + "%"; }

  function drawStates(items) {
    const svg = $("states"), row = 18, left = 70, width = 900;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${width} ${items.length * row + 10}`);
    const max = Math.max(1, ...items.map((i) => i.sub_ports.total));
    items.forEach((item, n) => {
      const y = n * row + 5;
      svg.appendChild(el("text", { x: 0, y: y + 12 }, `${item.province} ${item.name}`));
      let x = left;
      for (const [state, colour] of STATES) {
        const w = (item.sub_ports[state] / max) * (width - left - 60);
        if (w > 0) {
          const bar = el("rect", { x, y, width: w, height: row - 4, fill: colour });
          bar.appendChild(el("title", {}, `${state}: ${item.sub_ports[state]}`));
          svg.appendChild(bar);
        }
        x += w;
      }
      svg.appendChild(el("text", { x: x + 4, y: y + 12 }, String(item.sub_ports.total)));
    });
    $("legend").replaceChildren(...STATES.map(([state, colour]) => {
      const span = document.createElement("span"), swatch = document.createElement("i");
      swatch.style.background = colour;
      span.append(swatch, state);
      return span;
    }));
  }

  function drawRates(items) {
    const svg = $("rates"), row = 32, left = 70, width = 900, bar = 6;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${width} ${items.length * row + 10}`);
    items.forEach((item, n) => {
      const y = n * row + 5;
      svg.appendChild(el("text", { x: 0, y: y + 14 }, `${item.province} ${item.name}`));
      RATES.forEach(([key, label, colour], k) => {
        const rate = item[key] ? item[key].rate : null;  // combing: null when whitelist is unknown
        const w = (rate || 0) * (width - left - 60);
        const rect = el("rect", { x: left, y: y + k * (bar + 1), width: Math.max(w, 0.5), height: bar, fill: colour });
        rect.appendChild(el("title", {}, `${label}: ${pct(rate)}`));
        svg.appendChild(rect);
      });
    });
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
        item.combing ? `${item.combing.combed}/${item.combing.customers} (${pct(item.combing.rate)})` : "unknown"];
      for (const value of cells) { const td = document.createElement("td"); td.textContent = String(value); tr.appendChild(td); }
      return tr;
    }));
  }

  async function load() {
    const token = $("token").value.trim() || sessionStorage.getItem("porttrust.token") || "";
    if (!token) { status("Paste a token first.", true); return; }
    sessionStorage.setItem("porttrust.token", token);
    status("Loading…");
    try {
      const response = await fetch("/v1/reports/provinces", { headers: { Authorization: "Bearer " + token } });
      const body = await response.json();
      if (!response.ok) { status(`${response.status}: ${body.title || "error"}`, true); return; }
      drawStates(body.items); drawRates(body.items); drawTable(body.items);
      status(`As of ${new Date(body.generated_at).toLocaleString()}`);
    } catch (err) {
      status("The report could not be loaded.", true);
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
      if (!response.ok) { status(`${response.status}: ${body.title || "login failed"}`, true); return; }
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
