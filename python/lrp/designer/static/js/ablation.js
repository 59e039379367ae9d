// Neurons and ablation (VisLRPDesigner 2.5): for the layer chosen on the ruler, three sorted scatter charts
// (positive relevance, negative relevance, activation), the neuron matrix, the conditional relevance and
// activation heatmaps of the selected neurons, and the prediction with them ablated beside the original.
import { call } from "./api.js";
import { color, drawMap } from "./colormaps.js";
import { renderBars } from "./result.js";
import { activeDesign, network, state } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";
let stats = null;

/** Wires the ablation and clear buttons. */
export function wireAblation() {
  document.getElementById("ablate").addEventListener("click", ablate);
  document.getElementById("clear-neurons").addEventListener("click", () => { state.neurons.clear(); selectionChanged(); });
}

function request() {
  return { net: state.net, image: state.image, class: state.target, segments: activeDesign().segments, layer: state.layer };
}

/** Redraws the view for the chosen layer (none chosen: asks for one). */
export async function renderAblation(result, started = performance.now()) {
  const net = network();
  const title = document.getElementById("ablation-layer");
  if (state.layer === null || state.layer >= net.layers.length) {
    title.textContent = "— choose a layer on the ruler";
    for (const id of ["neuron-charts", "neuron-matrix", "neuron-maps", "ablation-result"]) document.getElementById(id).innerHTML = "";
    return;
  }
  title.textContent = `— layer ${state.layer}: ${net.layers[state.layer].header}`;
  stats = await call("neurons", request());
  window.lrpDesigner.neurons = stats;
  drawCharts();
  drawMatrix();
  await drawMaps();
  window.lrpDesigner.timings.push({ reason: "layer", ms: performance.now() - started, server_ms: stats.elapsed_ms });
}

function drawCharts() {
  const box = document.getElementById("neuron-charts");
  box.innerHTML = "";
  for (const [key, label, fill] of [["positive", "positive relevance", "#c0392b"], ["negative", "negative relevance", "#2e6fd0"],
                                      ["activation", "activation", "#2e9d4f"]]) {
    box.appendChild(chart(key, label, fill));
  }
}

function chart(key, label, fill) {
  const values = stats[key];
  const order = values.map((v, i) => i).sort((a, b) => (key === "negative" ? values[a] - values[b] : values[b] - values[a]));
  const width = 260, height = 150, pad = 18;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.dataset.chart = key;
  const low = Math.min(0, ...values), high = Math.max(0, ...values);
  const y = (v) => height - pad - (high > low ? (v - low) / (high - low) : 0.5) * (height - 2 * pad);
  const x = (rank) => pad + (order.length > 1 ? rank / (order.length - 1) : 0.5) * (width - 2 * pad);
  const text = document.createElementNS(SVG, "text");
  text.setAttribute("x", 4); text.setAttribute("y", 12); text.setAttribute("font-size", 11);
  text.textContent = `${label} (sorted)`;
  svg.appendChild(text);
  order.forEach((c, rank) => {
    const dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", x(rank)); dot.setAttribute("cy", y(values[c])); dot.setAttribute("r", 3);
    dot.setAttribute("fill", fill);
    dot.dataset.channel = c;
    dot.classList.toggle("selected", state.neurons.has(c));
    const tip = document.createElementNS(SVG, "title");
    tip.textContent = `neuron ${c}: ${values[c].toPrecision(4)}`;
    dot.appendChild(tip);
    svg.appendChild(dot);
  });
  // drag a rectangle to select the neurons inside it
  const rect = document.createElementNS(SVG, "rect");
  rect.setAttribute("fill", "rgba(120, 80, 200, 0.15)"); rect.setAttribute("stroke", "#7850c8");
  let origin = null;
  const point = (e) => { const b = svg.getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; };
  svg.addEventListener("pointerdown", (e) => { origin = point(e); svg.setPointerCapture(e.pointerId); svg.appendChild(rect); });
  svg.addEventListener("pointermove", (e) => {
    if (!origin) return;
    const [px, py] = point(e);
    rect.setAttribute("x", Math.min(px, origin[0])); rect.setAttribute("y", Math.min(py, origin[1]));
    rect.setAttribute("width", Math.abs(px - origin[0])); rect.setAttribute("height", Math.abs(py - origin[1]));
  });
  svg.addEventListener("pointerup", (e) => {
    if (!origin) return;
    const [px, py] = point(e);
    const [x0, x1, y0, y1] = [Math.min(px, origin[0]), Math.max(px, origin[0]), Math.min(py, origin[1]), Math.max(py, origin[1])];
    origin = null;
    rect.remove();
    svg.querySelectorAll("circle").forEach((dot) => {
      const cx = Number(dot.getAttribute("cx")), cy = Number(dot.getAttribute("cy"));
      if (cx >= x0 - 3 && cx <= x1 + 3 && cy >= y0 - 3 && cy <= y1 + 3) state.neurons.add(Number(dot.dataset.channel));
    });
    selectionChanged();
  });
  return svg;
}

function drawMatrix() {
  const box = document.getElementById("neuron-matrix");
  box.innerHTML = "";
  const scale = Math.max(1e-300, ...stats.positive.map((p, c) => Math.abs(p + stats.negative[c])));
  for (let c = 0; c < stats.channels; c++) {
    const cell = document.createElement("div");
    cell.className = "neuron";
    cell.dataset.channel = c;
    const total = stats.positive[c] + stats.negative[c];
    const [r, g, b] = color(0.5 + 0.5 * total / scale);
    cell.style.background = `rgb(${r},${g},${b})`;
    cell.title = `neuron ${c}\nrelevance +${stats.positive[c].toPrecision(4)} ${stats.negative[c].toPrecision(4)} = ${total.toPrecision(4)}` +
      `\nactivation ${stats.activation[c].toPrecision(4)}`;
    cell.classList.toggle("selected", state.neurons.has(c));
    cell.addEventListener("click", () => {
      if (state.neurons.has(c)) state.neurons.delete(c); else state.neurons.add(c);
      selectionChanged();
    });
    box.appendChild(cell);
  }
}

async function selectionChanged() {
  document.querySelectorAll("#neuron-matrix .neuron, #neuron-charts circle").forEach((e) =>
    e.classList.toggle("selected", state.neurons.has(Number(e.dataset.channel))));
  await drawMaps();
}

async function drawMaps() {
  const box = document.getElementById("neuron-maps");
  const channels = [...state.neurons].sort((a, b) => a - b);
  if (!channels.length) { box.innerHTML = "<p>no neurons selected</p>"; return; }
  const answer = await call("conditional", { ...request(), channels });
  box.innerHTML = "";
  window.lrpDesigner.conditional = answer;
  for (const n of answer.neurons) {
    const figure = document.createElement("figure");
    const relevance = document.createElement("canvas"), activation = document.createElement("canvas");
    drawMap(relevance, n.relevance);
    drawMap(activation, n.activation);
    const caption = document.createElement("figcaption");
    caption.textContent = `neuron ${n.channel}: ΣR ${n.relevance.sum.toPrecision(3)}`;
    figure.append(relevance, activation, caption);
    box.appendChild(figure);
  }
}

async function ablate() {
  if (state.layer === null) return;
  const started = performance.now();
  const answer = await call("ablate", { net: state.net, image: state.image, layer: state.layer, channels: [...state.neurons] });
  const box = document.getElementById("ablation-result");
  box.innerHTML = "";
  for (const [title, top] of [["original", answer.before], [`without ${answer.channels.length} neurons`, answer.after]]) {
    const div = document.createElement("div");
    div.className = "top-list";
    div.dataset.role = title === "original" ? "before" : "after";
    div.innerHTML = `<b>${title}</b>`;
    const bars = document.createElement("div");
    renderBars(bars, top, null, null);
    div.appendChild(bars);
    box.appendChild(div);
  }
  window.lrpDesigner.ablated = answer;
  window.lrpDesigner.timings.push({ reason: "ablation", ms: performance.now() - started, server_ms: answer.elapsed_ms });
}
