// District control page: map, district timeline, latest changes, incidents, alert queue.
// Every string from the API reaches the DOM as text (textContent / text nodes), never as HTML.
"use strict";

// Same colours and labels as the PNG maps (pipeline/outputs/maps.py), so both read alike.
const STATUS_STYLE = {
  taliban: ["#c0392b", "Taliban control"],
  claimed_by_taliban: ["#f1948a", "Claimed by the Taliban"],
  contested: ["#f39c12", "Contested"],
  government: ["#2874a6", "Government control"],
  unknown: ["#e5e7e9", "No report"],
};
const STATUSES = Object.keys(STATUS_STYLE);
const ACTIONS = { confirm: "Confirmed", false_alarm: "False alarm", mute: "Muted 24 h" };
const SVG_NS = "http://www.w3.org/2000/svg";
const VIEW_WIDTH = 1000; // viewBox units; the SVG itself scales to its container
const MARGIN = 12;

class AuthError extends Error {}

// Counters so that a slow, older response never overwrites a newer one.
let mapTicket = 0;
let districtTicket = 0;
let selectedCode = null;
let shapes = new Map(); // district code -> path data, for the selection outline

// ---------- fetching

async function getJson(path) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (response.status === 401 || response.status === 403) throw new AuthError("not signed in");
  // An HTML error page (from a proxy, say) has no JSON: fall back to the status code below.
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    throw new Error(detail);
  }
  return body;
}

// Without an Airflow session nothing on the page can load, so replace it with one clear note.
function showSignIn() {
  document.getElementById("content").hidden = true;
  document.getElementById("header-tools").hidden = true;
  document.getElementById("national").hidden = true;
  document.getElementById("signin").hidden = false;
}

async function guarded(loader, onError) {
  try {
    await loader();
  } catch (error) {
    if (error instanceof AuthError) showSignIn();
    else onError(error);
  }
}

// ---------- small DOM and formatting helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  // append() turns strings into text nodes, which is what keeps API text inert.
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

// Only plain web links become clickable; javascript:, data: and the like stay text.
function safeLink(url, text) {
  const label = text || url || "untitled";
  if (typeof url === "string" && /^https?:\/\//i.test(url)) {
    return el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, label);
  }
  return el("span", {}, label);
}

const colourOf = (status) => (STATUS_STYLE[status] || STATUS_STYLE.unknown)[0];
const labelOf = (status) => (STATUS_STYLE[status] ? STATUS_STYLE[status][1] : String(status ?? "unknown"));

function statusDot(status) {
  const dot = el("span", { class: "dot", "aria-hidden": "true" });
  dot.style.background = colourOf(status);
  return dot;
}

function statusTag(status, label) {
  return el("span", { class: "status-tag", dataset: { status: String(status) } },
    statusDot(status), label || labelOf(status));
}

function placeName(district, province) {
  return [district, province].filter(Boolean).join(", ") || "Unknown place";
}

const percent = (value) => (typeof value === "number" ? `${Math.round(value * 100)}%` : "—");
const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;

// Shown as the server wrote it (UTC from the pipeline), trimmed to the minute.
function formatTime(iso) {
  if (!iso) return "";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : String(iso);
}

const cell = (...children) => el("td", {}, ...children);

function fillTable(id, rows, emptyText) {
  const table = document.getElementById(id);
  const columns = table.tHead.rows[0].cells.length;
  const body = table.tBodies[0];
  if (rows.length) body.replaceChildren(...rows);
  else body.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: columns }, emptyText)));
}

// ---------- map

function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates || [];
  if (geometry.type === "MultiPolygon") return (geometry.coordinates || []).flat();
  return [];
}

// Equirectangular with x shrunk by cos(mean latitude), so the country keeps its real shape.
function makeProjection(features) {
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (const feature of features) {
    for (const ring of ringsOf(feature.geometry)) {
      for (const [lon, lat] of ring) {
        minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
        minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
      }
    }
  }
  if (!Number.isFinite(minLon) || maxLon === minLon || maxLat === minLat) return null;
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const scale = (VIEW_WIDTH - 2 * MARGIN) / ((maxLon - minLon) * kx);
  return {
    height: Math.ceil((maxLat - minLat) * scale + 2 * MARGIN),
    point: ([lon, lat]) => [MARGIN + (lon - minLon) * kx * scale, MARGIN + (maxLat - lat) * scale],
  };
}

// All rings of all parts in one path; evenodd fill turns inner rings into holes.
function pathData(geometry, point) {
  const parts = [];
  for (const ring of ringsOf(geometry)) {
    if (ring.length < 3) continue;
    const points = ring.map((p) => point(p).map((v) => v.toFixed(1)).join(","));
    parts.push(`M${points.join("L")}Z`);
  }
  return parts.join("");
}

function districtPath(feature, point) {
  const props = feature.properties || {};
  const d = pathData(feature.geometry, point);
  if (!d || !props.code) return null;
  const label = `${placeName(props.district, props.province)}: ${labelOf(props.status)}`;
  const path = svgEl("path", {
    class: props.changed_recently ? "district changed" : "district",
    d,
    "fill-rule": "evenodd",
    fill: colourOf(props.status),
    tabindex: "0",
    role: "button",
    "aria-label": label,
  });
  path.dataset.code = props.code;
  path.dataset.status = String(props.status ?? "unknown");
  const title = svgEl("title");
  title.textContent = label; // the hover tooltip
  path.append(title);
  shapes.set(props.code, d);
  return path;
}

function renderMap(features) {
  const svg = document.getElementById("map");
  const projection = makeProjection(features);
  shapes = new Map();
  if (!projection) {
    svg.replaceChildren();
    setMapNote("The map has no district boundaries.");
    return;
  }
  svg.setAttribute("viewBox", `0 0 ${VIEW_WIDTH} ${projection.height}`);
  const plain = svgEl("g", { class: "districts" });
  // Changed districts go last so neighbours cannot paint over their black outline.
  const changed = svgEl("g", { class: "districts-changed" });
  for (const feature of features) {
    const path = districtPath(feature, projection.point);
    if (path) (path.classList.contains("changed") ? changed : plain).append(path);
  }
  const selection = svgEl("path", { id: "selection", class: "selection", d: "M0,0", "aria-hidden": "true" });
  svg.replaceChildren(plain, changed, selection);
  highlightSelection();
}

// A separate overlay path instead of re-ordering the district paths (which would drop focus).
function highlightSelection() {
  const overlay = document.getElementById("selection");
  if (overlay) overlay.setAttribute("d", shapes.get(selectedCode) || "M0,0");
  for (const path of document.querySelectorAll("#map path.district")) {
    path.classList.toggle("selected", path.dataset.code === selectedCode);
  }
}

function renderLegend(counts) {
  const items = STATUSES.map((status) =>
    el("li", { dataset: { status } },
      el("span", { class: "swatch", style: `background:${colourOf(status)}`, "aria-hidden": "true" }),
      el("span", { class: "legend-label" }, `${labelOf(status)} (${Number(counts?.[status] ?? 0)})`)));
  document.getElementById("legend").replaceChildren(...items);
}

function renderNational(national) {
  const banner = document.getElementById("national");
  banner.hidden = !national;
  if (!national) return;
  banner.textContent = national.text || `${labelOf(national.status)} nationwide since ${national.since}`;
  banner.style.background = colourOf(national.status);
  banner.dataset.status = String(national.status);
}

function renderAsOf(at) {
  document.getElementById("as-of").textContent = at ? `as of ${at}` : "";
  const input = document.getElementById("at");
  // Fill the picker with the server's date only when the analyst has not picked one.
  if (at && !input.value && /^\d{4}-\d{2}-\d{2}$/.test(at)) input.value = at;
}

const setMapNote = (text) => { document.getElementById("map-note").textContent = text; };

async function loadMap(at) {
  const ticket = ++mapTicket;
  setMapNote("Loading map…");
  await guarded(async () => {
    const data = await getJson(at ? `api/map?at=${encodeURIComponent(at)}` : "api/map");
    if (ticket !== mapTicket) return; // another date was picked meanwhile
    renderAsOf(data.at);
    renderNational(data.national);
    renderLegend(data.counts || {});
    setMapNote("");
    renderMap(Array.isArray(data.features) ? data.features : []);
  }, (error) => setMapNote(`Could not load the map: ${error.message}`));
}

// ---------- district panel

function evidenceItem(evidence) {
  const source = el("figcaption", { class: "source" },
    safeLink(evidence.url, evidence.title),
    evidence.event_date ? ` · event on ${evidence.event_date}` : null);
  return el("figure", { class: "evidence-item" },
    el("blockquote", { class: "evidence" }, evidence.sentence || ""), source);
}

function changeItem(entry) {
  const outlets = Number(entry.independent_outlets) || 0;
  const head = el("div", { class: "change-head" },
    el("time", { datetime: entry.valid_from }, entry.valid_from || "undated"),
    statusTag(entry.status),
    el("span", { class: "confidence" }, `${percent(entry.confidence)} confidence`),
    el("span", { class: "outlets" }, plural(outlets, "independent outlet")));
  const item = el("li", { class: "change", dataset: { status: String(entry.status) } }, head);
  if (entry.basis) item.append(el("p", { class: "basis" }, entry.basis));
  for (const evidence of entry.evidence || []) item.append(evidenceItem(evidence));
  return item;
}

function feedbackLine(feedback) {
  const parts = [ACTIONS[feedback.action] || String(feedback.action), " — ", feedback.user || "someone"];
  if (feedback.at) parts.push(` · ${formatTime(feedback.at)}`);
  if (feedback.muted_until) parts.push(` (muted until ${formatTime(feedback.muted_until)})`);
  return el("li", { class: "feedback", dataset: { action: String(feedback.action) } }, parts.join(""));
}

function districtAlert(alert) {
  const feedback = alert.feedback || [];
  return el("li", { class: "alert", dataset: { id: String(alert.id) } },
    el("div", { class: "alert-head" },
      el("span", { class: "rule" }, alert.rule_id || ""),
      alertStatus(alert.status),
      el("time", { datetime: alert.created_at }, formatTime(alert.created_at))),
    el("p", { class: "alert-text" }, alert.header || ""),
    feedback.length
      ? el("ul", { class: "feedback-list" }, ...feedback.map(feedbackLine))
      : el("p", { class: "note" }, "No feedback yet"));
}

function renderDistrict(data) {
  const timeline = Array.isArray(data.timeline) ? [...data.timeline].reverse() : []; // newest first
  const alerts = Array.isArray(data.alerts) ? data.alerts : [];
  const newest = timeline[0];
  const since = newest && newest.status === data.status && newest.valid_from ? ` since ${newest.valid_from}` : "";
  const list = el("ol", { id: "timeline" }, ...timeline.map(changeItem));
  if (!timeline.length) list.append(el("li", { class: "empty" }, "No control changes recorded"));
  document.getElementById("district-body").replaceChildren(
    el("h2", {}, placeName(data.district, data.province)),
    el("p", { class: "current" }, statusTag(data.status, data.status_label), since),
    el("h3", {}, "Timeline"),
    list,
    el("h3", {}, "Alerts on this district"),
    alerts.length
      ? el("ul", { id: "district-alerts" }, ...alerts.map(districtAlert))
      : el("p", { class: "note" }, "No alerts on this district"));
}

async function selectDistrict(code) {
  if (!code) return;
  selectedCode = code;
  highlightSelection();
  history.replaceState(null, "", `#${encodeURIComponent(code)}`); // a shareable link to the district
  const ticket = ++districtTicket;
  const body = document.getElementById("district-body");
  body.replaceChildren(el("p", { class: "note" }, "Loading…"));
  await guarded(async () => {
    const data = await getJson(`api/districts/${encodeURIComponent(code)}`);
    if (ticket === districtTicket) renderDistrict(data);
  }, (error) => {
    if (ticket === districtTicket) body.replaceChildren(el("p", { class: "error" }, error.message));
  });
}

// ---------- tables

function changeRow(change) {
  const link = el("button", { type: "button", class: "district-link", dataset: { code: change.code } },
    change.district || change.code);
  return el("tr", { dataset: { code: String(change.code) } },
    cell(change.valid_from || ""),
    cell(link),
    cell(change.province || ""),
    cell(statusTag(change.previous), el("span", { class: "arrow" }, " → "), statusTag(change.status)),
    cell(percent(change.confidence)),
    cell(String(change.independent_outlets ?? "")),
    cell(change.basis || ""));
}

function incidentRow(incident) {
  const days = incident.last_day && incident.last_day !== incident.first_day
    ? `${incident.first_day} – ${incident.last_day}` : incident.first_day || "";
  return el("tr", { dataset: { id: String(incident.id) } },
    cell(days),
    cell(incident.category_label || incident.category || ""),
    cell(incident.place || "—"),
    cell(String(incident.reports ?? "")),
    cell(String(incident.outlets ?? "")),
    cell(safeLink(incident.url, incident.title)));
}

function alertStatus(status) {
  return el("span", { class: "alert-status", dataset: { status: String(status) } }, String(status ?? ""));
}

function feedbackSummary(feedback) {
  const count = (action) => feedback.filter((item) => item.action === action).length;
  const summary = `✔ confirmed ×${count("confirm")}, ✖ false alarm ×${count("false_alarm")}`;
  const until = feedback.map((item) => item.muted_until).filter(Boolean).sort().pop();
  return until ? `muted until ${formatTime(until)} · ${summary}` : summary;
}

function alertRow(alert) {
  return el("tr", { dataset: { id: String(alert.id) } },
    cell(el("time", { datetime: alert.created_at }, formatTime(alert.created_at))),
    cell(alert.rule_id || ""),
    cell(alert.place || "—"),
    cell(alertStatus(alert.status)),
    cell(alert.header || ""),
    cell(feedbackSummary(alert.feedback || [])));
}

function muteItem(mute) {
  const where = mute.place || mute.district_code || "all districts";
  return el("li", { class: "mute" },
    `rule ${mute.rule_id} muted for district ${where} until ${formatTime(mute.until)} by ${mute.user || "someone"}`);
}

// The changes and incidents tables load the same way: one list from the API, one row per item.
async function loadTable(path, key, tableId, toRow, emptyText) {
  await guarded(async () => {
    const data = await getJson(path);
    fillTable(tableId, (data[key] || []).map(toRow), emptyText);
  }, (error) => fillTable(tableId, [], `Could not load the ${key}: ${error.message}`));
}

async function loadAlerts() {
  const mutes = document.getElementById("mutes");
  await guarded(async () => {
    const data = await getJson("api/alerts?limit=50");
    const active = (data.mutes || []).map(muteItem);
    mutes.replaceChildren(...(active.length ? active : [el("li", { class: "empty" }, "No active mutes")]));
    fillTable("alert-queue", (data.alerts || []).map(alertRow), "No alerts yet");
  }, (error) => fillTable("alert-queue", [], `Could not load the alerts: ${error.message}`));
}

// ---------- wiring

function bindEvents() {
  const map = document.getElementById("map");
  map.addEventListener("click", (event) => {
    const path = event.target.closest("path.district");
    if (path) selectDistrict(path.dataset.code);
  });
  map.addEventListener("keydown", (event) => {
    const path = event.target.closest("path.district");
    if (!path || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault(); // Space would otherwise scroll the page
    selectDistrict(path.dataset.code);
  });
  document.getElementById("changes").addEventListener("click", (event) => {
    const link = event.target.closest("button.district-link");
    if (!link) return;
    selectDistrict(link.dataset.code);
    // On narrow screens the panel sits above the table; bring it into view.
    document.getElementById("district-panel").scrollIntoView({ behavior: "smooth", block: "nearest" });
  });
  document.getElementById("at").addEventListener("change", (event) => {
    const value = event.target.value;
    loadMap(/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null);
  });
}

function init() {
  bindEvents();
  loadMap(null);
  loadTable("api/changes?limit=50", "changes", "changes", changeRow, "No control changes yet");
  loadTable("api/incidents?limit=50", "incidents", "incidents", incidentRow, "No incidents yet");
  loadAlerts();
  const code = decodeURIComponent(location.hash.slice(1));
  if (/^[A-Za-z0-9_-]+$/.test(code)) selectDistrict(code);
}

document.addEventListener("DOMContentLoaded", init);
