// The segment ruler (VisLRPDesigner C1/C3): the network's layers top (input) to bottom (output), branches in
// lanes, segments as coloured runs with draggable borders, each with its intermediate heatmap and the relevance
// entering and leaving it.
import { drawMap } from "./colormaps.js";
import { activeDesign, changed, network, setSegments, state } from "./state.js";

const ROW = 22;
const COLORS = ["#7b9fe0", "#e0a17b", "#8fcf8f", "#c98fd6", "#e0d27b", "#7bd0d6", "#d67b8f", "#a0a0a0"];
let lastResult = null;

/** The colour of segment k. */
export function segmentColor(k) { return COLORS[k % COLORS.length]; }

/** Redraws the ruler; `result` (an explain answer) gives the intermediate heatmaps. */
export function renderRuler(result = lastResult) {
  lastResult = result;
  const ruler = document.getElementById("ruler");
  const net = network();
  const segments = activeDesign().segments;
  ruler.innerHTML = "";
  ruler.style.height = `${net.layers.length * ROW + 4}px`;
  net.layers.forEach((layer) => {
    const row = document.createElement("div");
    row.className = "layer-row";
    row.dataset.layer = layer.index;
    row.style.position = "absolute";
    row.style.top = `${layer.index * ROW}px`;
    row.style.left = "14px";
    row.classList.toggle("chosen", state.layer === layer.index);
    const k = segments.findIndex((s) => s.first <= layer.index && layer.index <= s.last);
    row.innerHTML = `<span class="index">${layer.index}</span>`;
    const label = document.createElement("span");
    label.className = "lane-label";
    label.dataset.testid = "layer-" + layer.index;
    label.style.marginLeft = `${layer.lane * 14}px`;
    label.style.maxWidth = `${170 - layer.lane * 14}px`;
    const chained = layer.inputs.length === 1 && layer.inputs[0] === layer.index - 1;
    label.textContent = chained ? layer.header : `${layer.header} ← ${layer.inputs.map((j) => (j < 0 ? "input" : j)).join(", ")}`;
    label.title = `${layer.name}: ${layer.header}; inputs ${layer.inputs.join(", ")}` +
      (net.softmax === layer.index ? " — the explained score is this SoftMax's input" : "");
    if (net.softmax === layer.index) label.style.color = "#999";
    label.addEventListener("click", () => {
      state.selected = k;
      if (state.view === "ablation") { state.layer = layer.index; state.neurons.clear(); changed("layer"); } else changed("select");
    });
    row.appendChild(label);
    ruler.appendChild(row);
  });
  segments.forEach((s, k) => {
    const block = document.createElement("div");
    block.className = "segment-block" + (k === state.selected ? " selected" : "");
    block.dataset.segment = k;
    block.style.top = `${s.first * ROW + 2}px`;
    block.style.height = `${(s.last - s.first + 1) * ROW - 4}px`;
    block.style.background = segmentColor(k);
    block.title = `segment ${k + 1}: layers ${s.first}–${s.last}, ${s.rule}`;
    block.addEventListener("click", () => { state.selected = k; changed("select"); });
    ruler.appendChild(block);
    ruler.appendChild(segmentInfo(s, k, result));
    if (k > 0) ruler.appendChild(borderHandle(k));
  });
}

function segmentInfo(s, k, result) {
  const info = document.createElement("div");
  info.className = "segment-info";
  info.style.top = `${s.first * ROW}px`;
  const part = result && result.segments && result.segments[k] && result.segments[k].first === s.first &&
    result.segments[k].last === s.last ? result.segments[k] : null;
  const canvas = document.createElement("canvas");
  canvas.dataset.testid = "segment-heatmap-" + k;
  if (part) drawMap(canvas, part.map);
  const text = document.createElement("div");
  text.className = "rule";
  text.innerHTML = `<b style="color:${segmentColor(k)}">■</b> ${s.first}–${s.last} ${short(s.rule)}` +
    (part ? `<br>ΣR in ${part.relevance_in.toPrecision(4)}<br>ΣR out ${part.relevance_out.toPrecision(4)}` : "");
  const remove = document.createElement("button");
  remove.textContent = "×";
  remove.title = "merge this segment into its neighbour";
  remove.disabled = activeDesign().segments.length < 2;
  remove.addEventListener("click", (event) => { event.stopPropagation(); removeSegment(k); });
  info.append(canvas, text, remove);
  info.addEventListener("click", () => { state.selected = k; changed("select"); });
  return info;
}

function short(rule) {
  const preset = state.session.presets.find((p) => p.rule === rule);
  if (preset) return preset.label;
  if (rule.startsWith("unified:")) return "CUSTOM";
  return rule.length > 40 ? rule.slice(0, 37) + "…" : rule;
}

function borderHandle(k) {
  const handle = document.createElement("div");
  handle.className = "border-handle";
  handle.dataset.testid = "border-" + k;
  const segments = activeDesign().segments;
  handle.style.top = `${segments[k].first * ROW}px`;
  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    const ruler = document.getElementById("ruler");
    const low = segments[k - 1].first + 1, high = segments[k].last;
    let position = segments[k].first;
    const move = (e) => {
      const y = e.clientY - ruler.getBoundingClientRect().top;
      position = Math.min(high, Math.max(low, Math.round(y / ROW)));
      handle.style.top = `${position * ROW}px`;
    };
    const up = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      if (position !== segments[k].first) {
        const next = segments.map((s) => ({ ...s }));
        next[k - 1].last = position - 1;
        next[k].first = position;
        state.selected = k;
        setSegments(next);
      } else renderRuler();
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });
  return handle;
}

/** "+": splits the last segment in two (its lower half becomes a new segment of the same rule). */
export function addSegment() {
  const segments = activeDesign().segments.map((s) => ({ ...s }));
  // split the last segment that has room
  let k = segments.length - 1;
  while (k >= 0 && segments[k].last === segments[k].first) k--;
  if (k < 0) return;
  const s = segments[k];
  const middle = Math.floor((s.first + s.last + 1) / 2);
  segments.splice(k + 1, 0, { first: middle, last: s.last, rule: s.rule });
  s.last = middle - 1;
  state.selected = k + 1;
  setSegments(segments);
}

function removeSegment(k) {
  const segments = activeDesign().segments.map((s) => ({ ...s }));
  if (segments.length < 2) return;
  if (k > 0) segments[k - 1].last = segments[k].last; else segments[1].first = segments[0].first;
  segments.splice(k, 1);
  state.selected = Math.max(0, k - 1);
  setSegments(segments);
}
