// Pixel flipping (VisLRPDesigner 2.4): rows of image and heatmap to brush on; brushed pixels are multiplied by
// −1 and the image classified again, the new top classes beside the original.
import { call } from "./api.js";
import { drawImage, drawMap } from "./colormaps.js";
import { picture, renderBars } from "./result.js";
import { network, state } from "./state.js";

let rows = [];

/** Wires "+ row". */
export function wireFlip() {
  document.getElementById("add-flip-row").addEventListener("click", () => { rows.push(newRow()); renderFlip(window.lrpDesigner.last); });
}

function newRow() {
  const [h, w] = network().image_shape;
  return { net: state.net, image: state.image, mask: new Uint8Array(h * w), answer: null };
}

/** Redraws the rows for the current image and heatmap (`result`). */
export async function renderFlip(result) {
  rows = rows.filter((r) => r.net === state.net && r.image === state.image);
  if (!rows.length) rows.push(newRow());
  const container = document.getElementById("flip-rows");
  container.innerHTML = "";
  const p = await picture(state.image);
  rows.forEach((row, k) => {
    const div = document.createElement("div");
    div.className = "flip-row";
    div.dataset.row = k;
    const image = document.createElement("canvas");
    image.className = "picture";
    image.dataset.role = "flip-image";
    const heat = document.createElement("canvas");
    heat.className = "picture";
    heat.dataset.role = "flip-heatmap";
    const before = document.createElement("div");
    before.className = "top-list";
    before.innerHTML = "<b>original</b>";
    const after = document.createElement("div");
    after.className = "top-list";
    after.dataset.role = "flipped";
    after.innerHTML = "<b>flipped</b><div>brush to flip</div>";
    const redraw = () => {
      drawImage(image, row.answer ? row.answer.image : p.pixels, p.height, p.width, p.channels, row.mask);
      if (result) drawMap(heat, result.heatmap);
      if (result) overlayMask(heat, row.mask, p.width);
    };
    redraw();
    if (result) renderBars(before, result.top, result.class, null);
    if (row.answer) showAnswer(after, row.answer);
    for (const canvas of [image, heat]) brush(canvas, row, p, redraw, () => flip(row, after, redraw));
    const clear = document.createElement("button");
    clear.textContent = "clear";
    clear.addEventListener("click", () => { row.mask.fill(0); row.answer = null; renderFlip(window.lrpDesigner.last); });
    div.append(image, heat, before, after, clear);
    container.appendChild(div);
  });
}

function overlayMask(canvas, mask, width) {
  const context = canvas.getContext("2d");
  context.fillStyle = "rgba(255, 220, 0, 0.6)";
  mask.forEach((m, i) => { if (m) context.fillRect(i % width, Math.floor(i / width), 1, 1); });
}

function brush(canvas, row, p, redraw, done) {
  let down = false;
  const mark = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - box.left) / box.width * p.width);
    const y = Math.floor((event.clientY - box.top) / box.height * p.height);
    const radius = Math.max(0, Math.round(p.width / 32));
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const u = x + dx, v = y + dy;
        if (u >= 0 && v >= 0 && u < p.width && v < p.height) row.mask[v * p.width + u] = 1;
      }
    }
    redraw();
  };
  canvas.addEventListener("pointerdown", (e) => { down = true; canvas.setPointerCapture(e.pointerId); mark(e); });
  canvas.addEventListener("pointermove", (e) => { if (down) mark(e); });
  canvas.addEventListener("pointerup", () => { if (down) { down = false; done(); } });
}

async function flip(row, after, redraw) {
  const started = performance.now();
  const mask = [];
  row.mask.forEach((m, i) => { if (m) mask.push(i); });
  const answer = await call("flip", { net: row.net, image: row.image, mask });
  row.answer = answer;
  redraw();
  showAnswer(after, answer);
  window.lrpDesigner.flipped = { mask, answer };
  window.lrpDesigner.timings.push({ reason: "brush", ms: performance.now() - started, server_ms: answer.elapsed_ms });
}

function showAnswer(after, answer) {
  after.innerHTML = `<b>flipped (${answer.pixels} pixels)</b>`;
  const list = document.createElement("div");
  renderBars(list, answer.after, answer.before[0].class, null);
  const changed = answer.after[0].class !== answer.before[0].class;
  list.firstChild && list.firstChild.classList.add(changed ? "changed" : "first");
  after.appendChild(list);
}
