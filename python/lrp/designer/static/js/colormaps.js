// Colour maps for relevance (symmetric around 0) and drawing 2-D maps and images on canvases.
const STOPS = {
  bwr: [[0, [0, 0, 1]], [0.5, [1, 1, 1]], [1, [1, 0, 0]]],
  seismic: [[0, [0, 0, 0.3]], [0.25, [0, 0, 1]], [0.5, [1, 1, 1]], [0.75, [1, 0, 0]], [1, [0.5, 0, 0]]],
  // zennit's "0ff,00f,80:000,f00,ff0,fff" (its nodes at palette indices 0, 64, 128, 170, 212, 255)
  coldnhot: [[0, [0, 1, 1]], [64 / 255, [0, 0, 1]], [128 / 255, [0, 0, 0]], [170 / 255, [1, 0, 0]], [212 / 255, [1, 1, 0]],
             [1, [1, 1, 1]]],
  jet: [[0, [0, 0, 0.5]], [0.11, [0, 0, 1]], [0.125, [0, 0, 1]], [0.34, [0, 0.85, 1]], [0.35, [0, 0.9, 0.97]],
        [0.64, [0.95, 1, 0.05]], [0.65, [1, 0.95, 0]], [0.89, [1, 0.1, 0]], [0.91, [0.9, 0, 0]], [1, [0.5, 0, 0]]],
};
export let current = "bwr";

/** Chooses the colour map used from now on. */
export function choose(name) { if (STOPS[name]) current = name; }

/** The RGB (0–255) of position t ∈ [0, 1] in colour map `name`. */
export function color(t, name = current) {
  const stops = STOPS[name];
  t = Math.min(1, Math.max(0, t));
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i];
    const [t0, c0] = stops[i - 1];
    if (t <= t1) {
      const u = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
      return c0.map((c, k) => Math.round(255 * (c + u * (c1[k] - c))));
    }
  }
  return stops[stops.length - 1][1].map((c) => Math.round(255 * c));
}

/** Draws a map {height, width, values} centred on 0 (±max |value|) on `canvas`; null values stay blank. */
export function drawMap(canvas, map, name = current) {
  canvas.width = map.width;
  canvas.height = map.height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(map.width, map.height);
  let scale = 0;
  for (const v of map.values) if (v !== null) scale = Math.max(scale, Math.abs(v));
  map.values.forEach((v, i) => {
    const [r, g, b] = v === null ? [240, 240, 240] : color(scale > 0 ? 0.5 + 0.5 * v / scale : 0.5, name);
    image.data.set([r, g, b, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
  canvas.dataset.scale = String(scale);
  canvas.title = scale > 0 ? `±${scale.toPrecision(4)}` : "all zero";
}

/** Draws an image (H×W×C values in [0, 1], row-major) on `canvas`; `mask` (H·W flags) is shown in yellow. */
export function drawImage(canvas, pixels, height, width, channels, mask = null) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < height * width; i++) {
    let rgb = channels >= 3 ? [0, 1, 2].map((k) => pixels[i * channels + k]) : [0, 0, 0].map(() => pixels[i * channels]);
    rgb = rgb.map((v) => Math.round(255 * v));
    if (mask && mask[i]) rgb = [Math.round(0.5 * rgb[0] + 127), Math.round(0.5 * rgb[1] + 127), Math.round(0.5 * rgb[2])];
    image.data.set([...rgb, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

/** Draws the current colour map left (negative) to right (positive). */
export function drawColorbar(canvas) {
  const context = canvas.getContext("2d");
  for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = color(x / (canvas.width - 1));
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fillRect(x, 0, 1, canvas.height);
  }
}

/** Outlines a ground-truth box [top, left, bottom, right) (bottom/right exclusive) on a drawn canvas, in green. */
export function drawBox(canvas, box) {
  if (!box) return;
  const [top, left, bottom, right] = box;
  const context = canvas.getContext("2d");
  context.strokeStyle = "rgba(0, 170, 0, 0.9)";
  context.lineWidth = 1;
  context.strokeRect(left + 0.5, top + 0.5, right - left - 1, bottom - top - 1);
}
