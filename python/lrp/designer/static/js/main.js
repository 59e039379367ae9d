// The LRP designer's page: loads the session, wires the panels and runs the backward pass on every change.
import { call, showError } from "./api.js";
import { choose, drawColorbar } from "./colormaps.js";
import { renderManager, wireManager } from "./manager.js";
import { renderPicker, renderResult } from "./result.js";
import { addSegment, renderRuler } from "./ruler.js";
import { buildRulePanel, renderRulePanel } from "./rules.js";
import { activeDesign, changed, commitSegments, loadDesigns, network, onChange, readURL, setProposer, state } from "./state.js";
import { renderCompare, wireCompare } from "./compare.js";
import { renderFlip, wireFlip } from "./flip.js";
import { renderAblation, wireAblation } from "./ablation.js";

/** What tests and users can read: the state, the last explanation, the timings of interactions. */
window.lrpDesigner = { state, last: null, timings: [], exported: null, ready: false, renders: 0 };
let sequence = 0;

function explainRequest(segments) {
  return { net: state.net, image: state.image, class: state.target, segments };
}

/** Runs the explanation for the current state (or for proposed `segments`); stale answers are dropped. */
async function explain(reason, segments = null, started = performance.now()) {
  const mine = ++sequence;
  const result = await call("explain", explainRequest(segments || activeDesign().segments));
  // accepted: now it is the design, each rule as the library writes it (the change listener skips this)
  if (segments) commitSegments(result.segments.map((s) => ({ first: s.first, last: s.last, rule: s.rule })));
  if (mine !== sequence) return null;
  showError(null);
  window.lrpDesigner.last = result;
  await show(result);
  window.lrpDesigner.timings.push({ reason, ms: performance.now() - started, server_ms: result.elapsed_ms });
  window.lrpDesigner.renders++;
  return result;
}

async function show(result) {
  renderRuler(result);
  renderRulePanel();
  renderManager();
  if (state.view === "design") await renderResult(result);
  if (state.view === "compare") await renderCompare();
  if (state.view === "flip") await renderFlip(result);
  if (state.view === "ablation") await renderAblation(result);
}

let committing = false;
let proposals = Promise.resolve();
setProposer((make) => {
  const started = performance.now();
  proposals = proposals.then(async () => {
    try {
      committing = true;
      await explain("design", make(activeDesign().segments.map((s) => ({ ...s }))), started);
    } catch (error) {
      renderRuler();
      renderRulePanel(); // the controls show the design as it still is
    } finally {
      committing = false;
    }
  });
  return proposals;
});

onChange((reason) => {
  if (reason === "design" && committing) return; // the proposer renders after committing
  const started = performance.now();
  if (reason === "net") {
    loadDesigns();
    renderPicker();
  }
  if (reason === "view") {
    document.querySelectorAll("#views button").forEach((b) => b.classList.toggle("active", b.dataset.view === state.view));
    document.querySelectorAll(".view").forEach((v) => { v.hidden = true; });
    document.getElementById({ design: "design-view", compare: "compare-view", flip: "flip-view", ablation: "ablation-view" }[state.view]).hidden = false;
  }
  if (reason === "select") { renderRuler(); renderRulePanel(); return; }
  if (reason === "compare") { renderManager(); if (state.view === "compare") renderCompare(); return; }
  if (reason === "layer") { renderRuler(); renderAblation(window.lrpDesigner.last, started); return; }
  explain(reason, null, started).catch(() => {});
});

async function start() {
  try {
    state.session = await call("session");
  } catch (error) {
    document.getElementById("status").textContent = "no session";
    return;
  }
  const select = document.getElementById("network");
  for (const n of state.session.networks) select.add(new Option(`${n.name}`, n.key));
  const wanted = readURL();
  state.net = wanted && state.session.networks.some((n) => n.key === wanted.net) ? wanted.net : state.session.networks[0].key;
  select.value = state.net;
  loadDesigns();
  if (wanted && wanted.net === state.net) {
    if (wanted.image !== null && wanted.image < network().images) state.image = wanted.image;
    if (wanted.target !== null && wanted.target < network().classes.length) state.target = wanted.target;
    if (["design", "compare", "flip", "ablation"].includes(wanted.view)) state.view = wanted.view;
    if (Array.isArray(wanted.segments)) state.designs.find((d) => d.id === "working").segments = wanted.segments;
    if (Array.isArray(wanted.segments)) state.active = "working";
  }
  select.addEventListener("change", () => { state.net = select.value; state.image = 0; state.target = null; state.layer = null; changed("net"); });
  document.querySelectorAll("#views button").forEach((b) => b.addEventListener("click", () => { state.view = b.dataset.view; changed("view"); }));
  const colormap = document.getElementById("colormap");
  colormap.addEventListener("change", () => { choose(colormap.value); drawColorbar(document.getElementById("colorbar")); changed("colormap"); });
  drawColorbar(document.getElementById("colorbar"));
  document.getElementById("add-segment").addEventListener("click", addSegment);
  wireManager();
  buildRulePanel();
  wireCompare();
  wireFlip();
  wireAblation();
  renderPicker();
  changed("view");
  window.lrpDesigner.ready = true;
}

start();
