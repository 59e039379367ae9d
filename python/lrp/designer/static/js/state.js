// The page's state: network, image, class, designs (VisLRPDesigner's "LRP models") and the view, with the
// designs kept in the browser's storage and the shareable part (network, image, class, segments) in the URL.
export const state = {
  session: null, net: null, image: 0, target: null, view: "design",
  designs: [], active: "working", selected: 0, compared: new Set(["working"]),
  layer: null, neurons: new Set(),
};
const listeners = [];

/** Calls `f(reason)` after every change. */
export function onChange(f) { listeners.push(f); }

/** Announces a change (`reason` says what changed: "design", "image", "class", "net", "view", …). */
export function changed(reason) {
  writeURL();
  persist();
  for (const f of listeners) f(reason);
}

/** The network being explained. */
export function network() { return state.session.networks.find((n) => n.key === state.net); }

/** One segment of LRP-0 over all layers (the server's "lrp-0" preset). */
export function baseSegments() {
  const lrp0 = state.session.presets.find((p) => p.key === "lrp-0").rule;
  return [{ first: 0, last: network().layers.length - 1, rule: lrp0 }];
}

/** The ten parameters of a unified spec, or null. */
export function unifiedParameters(spec) {
  if (!spec.startsWith("unified:")) return null;
  const p = {};
  for (const item of spec.slice(8).split(",")) {
    const [k, v] = item.split("=");
    p[k] = Number(v);
  }
  return Object.keys(p).length === 10 ? p : null;
}

/** The active design. */
export function activeDesign() { return state.designs.find((d) => d.id === state.active) || state.designs[0]; }

let proposer = null;

/** Sets the function that tries proposed segments (it runs them and commits them only if the server accepts). */
export function setProposer(f) { proposer = f; }

/** Proposes new segments for the active design — an array, or a function of the design's segments at the time
 *  the proposal's turn comes (proposals run one after another) — committed only when they compute. */
export function setSegments(segments) {
  const make = typeof segments === "function" ? segments : () => segments;
  return proposer ? proposer(make) : commitSegments(make(activeDesign().segments.map((s) => ({ ...s }))));
}

/** Replaces the active design's segments; an example is first copied into the working model. */
export function commitSegments(segments) {
  let design = activeDesign();
  if (design.example) {
    design = state.designs.find((d) => d.id === "working");
    state.active = "working";
  }
  design.segments = segments;
  changed("design");
}

function storageKey() { return "lrp-designer:" + state.net; }

function persist() {
  if (!state.net) return;
  const own = state.designs.filter((d) => !d.example);
  try { localStorage.setItem(storageKey(), JSON.stringify({ designs: own, active: state.active })); } catch (e) { /* full */ }
}

/** Loads the designs of the current network: the stored ones (or a new working model) and the examples. */
export function loadDesigns() {
  const net = network();
  let stored = null;
  try { stored = JSON.parse(localStorage.getItem(storageKey()) || "null"); } catch (e) { stored = null; }
  const fits = (d) => d && Array.isArray(d.segments) && d.segments.length &&
    d.segments[d.segments.length - 1].last === net.layers.length - 1;
  const own = stored && Array.isArray(stored.designs) ? stored.designs.filter(fits) : [];
  if (!own.some((d) => d.id === "working")) own.unshift({ id: "working", name: "My New Model", segments: baseSegments() });
  state.designs = own.concat(net.examples.map((e) => ({ id: "example:" + e.name, name: e.name, segments: e.segments,
                                                        example: true })));
  state.active = stored && state.designs.some((d) => d.id === stored.active) ? stored.active : "working";
  state.selected = 0;
}

/** Adds a design (imported or created) and makes it active. */
export function addDesign(name, segments) {
  const id = "design:" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const ownCount = state.designs.filter((d) => !d.example).length;
  state.designs.splice(ownCount, 0, { id, name, segments });
  state.active = id;
  state.selected = 0;
  state.compared.add(id);
  changed("design");
  return id;
}

function writeURL() {
  if (!state.net) return;
  const parts = new URLSearchParams();
  parts.set("net", state.net);
  parts.set("image", String(state.image));
  if (state.target !== null) parts.set("class", String(state.target));
  parts.set("view", state.view);
  parts.set("segments", JSON.stringify(activeDesign().segments));
  history.replaceState(null, "", location.pathname + location.search + "#" + parts.toString());
}

/** The state the URL's fragment names (network, image, class, view, segments), or null. */
export function readURL() {
  if (location.hash.length < 2) return null;
  const parts = new URLSearchParams(location.hash.slice(1));
  let segments = null;
  try { segments = JSON.parse(parts.get("segments") || "null"); } catch (e) { segments = null; }
  const number = (k) => (parts.has(k) && /^\d+$/.test(parts.get(k)) ? Number(parts.get(k)) : null);
  return { net: parts.get("net"), image: number("image"), target: number("class"), view: parts.get("view"), segments };
}
