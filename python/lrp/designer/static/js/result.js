// The result view (VisLRPDesigner B1–B3): image picker, top classes as clickable bars, the heatmap.
import { call } from "./api.js";
import { drawBox, drawImage, drawMap } from "./colormaps.js";
import { changed, network, state } from "./state.js";

const pictures = new Map();

/** The page image `index` of the current network ({height, width, channels, pixels}), fetched once. */
export async function picture(index) {
  const key = state.net + ":" + index;
  if (!pictures.has(key)) pictures.set(key, call("image", { net: state.net, image: index }));
  try { return await pictures.get(key); } catch (error) { pictures.delete(key); throw error; }
}

/** Draws the thumbnails of the network's images. */
export async function renderPicker(container = document.getElementById("image-picker"), onPick = null) {
  const net = network();
  container.innerHTML = "";
  for (let i = 0; i < net.images; i++) {
    const canvas = document.createElement("canvas");
    canvas.dataset.image = i;
    canvas.title = `image ${i}` + (net.labels ? `, label ${net.classes[net.labels[i]]}` : "");
    canvas.classList.toggle("active", i === state.image);
    canvas.addEventListener("click", () => {
      if (onPick) return onPick(i);
      state.image = i;
      state.target = null;
      changed("image");
    });
    container.appendChild(canvas);
    picture(i).then((p) => drawImage(canvas, p.pixels, p.height, p.width, p.channels));
  }
}

/** Draws class bars for `top` (the server's list) into `container`; clicking a bar calls onClick(class). */
export function renderBars(container, top, selected, onClick) {
  container.innerHTML = "";
  const values = top.map((t) => (t.score === null ? t.probability : t.score));
  const scale = Math.max(1e-12, ...values.map(Math.abs));
  top.slice(0, 10).forEach((t, i) => {
    const bar = document.createElement("div");
    bar.className = "bar" + (t.class === selected ? " selected" : "");
    bar.dataset.class = t.class;
    const v = values[i];
    const width = 50 * Math.abs(v) / scale;
    bar.innerHTML = `<span class="label">${t.name}</span><span class="track"><span class="fill" style="left:${v >= 0 ? 50 : 50 - width}%;width:${width}%"></span></span>` +
      `<span class="value">${v.toPrecision(4)}${t.probability !== null && t.score !== null ? ` (${(100 * t.probability).toFixed(1)} %)` : ""}</span>`;
    if (onClick) bar.addEventListener("click", () => onClick(t.class));
    container.appendChild(bar);
  });
}

/** Shows an explain answer in the result view. */
export async function renderResult(result) {
  const p = await picture(state.image);
  const box = result.localization ? result.localization.box : null;
  drawImage(document.getElementById("input-image"), p.pixels, p.height, p.width, p.channels);
  drawBox(document.getElementById("input-image"), box);
  drawMap(document.getElementById("heatmap"), result.heatmap);
  drawBox(document.getElementById("heatmap"), box);
  const net = network();
  document.getElementById("heatmap-caption").textContent =
    `class ${net.classes[result.class]}: score ${result.score.toPrecision(4)}, ΣR ${result.relevance_total.toPrecision(4)}` +
    (result.localization ? `, ${localizationText(result.localization)}` : "") +
    (result.heatmap.max === 0 && result.heatmap.min === 0 ? " — all zero" : "");
  renderBars(document.getElementById("class-bars"), result.top, result.class, (c) => { state.target = c; changed("class"); });
  document.querySelectorAll("#image-picker canvas").forEach((c) => c.classList.toggle("active", Number(c.dataset.image) === state.image));
}

/** "μ 0.81, μ_w 0.77" of a localization answer (undefined μ, no positive relevance: "–"). */
export function localizationText(localization) {
  const show = (v) => (v === null ? "–" : v.toFixed(3));
  return `μ ${show(localization.mu)}, μ_w ${show(localization.mu_w)}`;
}
