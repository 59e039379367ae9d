// The model comparison view: rows of (image, class), columns of the models checked in the manager; each cell the
// heatmap, the model's rules, the AOPC of MoRF and LeRF region perturbation and, where the images have boxes, the
// localization scores μ and μ_w.
import { call } from "./api.js";
import { drawBox, drawImage, drawMap } from "./colormaps.js";
import { localizationText, picture } from "./result.js";
import { network, state } from "./state.js";

let rows = null;
let generation = 0;

/** The comparison's rows (image, class; class null: the top class). */
export function compareRows() {
  if (!rows || rows.net !== state.net) rows = { net: state.net, list: [{ image: state.image, target: state.target }] };
  return rows.list;
}

/** Wires "Add comparison row". */
export function wireCompare() {
  document.getElementById("add-row").addEventListener("click", () => {
    const list = compareRows();
    const last = list[list.length - 1] || { image: state.image, target: null };
    list.push({ image: last.image, target: last.target });
    renderCompare();
  });
}

function options(select, count, names, chosen, withTop) {
  if (withTop) select.add(new Option("top class", ""));
  for (let i = 0; i < count; i++) select.add(new Option(names ? names[i] : `image ${i}`, String(i)));
  select.value = chosen === null ? "" : String(chosen);
}

/** Redraws the table and computes every cell, one request after another (the page stays responsive). */
export async function renderCompare() {
  const mine = ++generation;
  const net = network();
  const designs = state.designs.filter((d) => state.compared.has(d.id));
  const table = document.getElementById("compare-table");
  table.innerHTML = "";
  const head = table.insertRow();
  head.insertCell().textContent = "image, class";
  for (const d of designs) { const th = document.createElement("th"); th.textContent = d.name; head.appendChild(th); }
  const cells = [];
  compareRows().forEach((row, r) => {
    const tr = table.insertRow();
    tr.dataset.row = r;
    const first = tr.insertCell();
    const canvas = document.createElement("canvas");
    canvas.className = "small";
    picture(row.image).then((p) => {
      drawImage(canvas, p.pixels, p.height, p.width, p.channels);
      if (net.boxes) drawBox(canvas, net.boxes[row.image]);
    });
    const image = document.createElement("select");
    image.dataset.role = "image";
    options(image, net.images, null, row.image, false);
    image.addEventListener("change", () => { row.image = Number(image.value); renderCompare(); });
    const target = document.createElement("select");
    target.dataset.role = "class";
    options(target, net.classes.length, net.classes, row.target, true);
    target.addEventListener("change", () => { row.target = target.value === "" ? null : Number(target.value); renderCompare(); });
    first.append(canvas, document.createElement("br"), image, document.createElement("br"), target);
    for (const d of designs) {
      const td = tr.insertCell();
      td.dataset.design = d.id;
      td.textContent = "…";
      cells.push({ td, row, design: d });
    }
  });
  window.lrpDesigner.compare = [];
  const started = performance.now();
  cells.forEach((cell, done) => { cell.done = done; });
  for (const cell of cells) {
    if (mine !== generation) return;
    progress(cell.done, cells.length, started);
    cell.td.textContent = "computing…";
    try {
      const request = { net: state.net, image: cell.row.image, class: cell.row.target, segments: cell.design.segments };
      const explained = await call("explain", request);
      const perturbed = await call("perturbation", request);
      if (mine !== generation) return;
      fill(cell, explained, perturbed);
    } catch (error) {
      cell.td.textContent = "refused";
    }
  }
  if (mine === generation) progress(cells.length, cells.length, started);
}

/** Shows how many of the comparison's cells are computed, and for how long it has run. */
function progress(done, total, started) {
  const bar = document.getElementById("compare-progress");
  bar.max = Math.max(1, total);
  bar.value = done;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  document.getElementById("compare-progress-text").textContent =
    done < total ? `computing cell ${done + 1} of ${total} (${seconds} s)` : `${total} cells in ${seconds} s`;
}

function fill(cell, explained, perturbed) {
  const net = network();
  cell.td.innerHTML = "";
  const canvas = document.createElement("canvas");
  drawMap(canvas, explained.heatmap);
  const where = explained.localization;
  if (where) drawBox(canvas, where.box);
  const text = document.createElement("div");
  text.innerHTML = `class ${net.classes[explained.class]}<br>AOPC MoRF <b data-aopc="morf">${perturbed.morf.aopc.toPrecision(4)}</b>` +
    `<br>AOPC LeRF <b data-aopc="lerf">${perturbed.lerf.aopc.toPrecision(4)}</b>` +
    `<br><small>${perturbed.steps} steps of ${perturbed.region}×${perturbed.region}</small>` +
    (where ? `<br><b data-localization="mu">${localizationText(where)}</b>` : "");
  const rules = document.createElement("div");
  rules.className = "cell-rules";
  rules.textContent = cell.design.segments.map((s) => `${s.first}–${s.last}: ${s.rule}`).join("; ");
  cell.td.append(canvas, text, rules);
  window.lrpDesigner.compare.push({ design: cell.design.id, image: cell.row.image, class: explained.class,
                                     heatmap: explained.heatmap, morf: perturbed.morf, lerf: perturbed.lerf,
                                     localization: where });
}
