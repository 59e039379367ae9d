// The rule panel (VisLRPDesigner D1/D2): presets, the unified rule's ten parameters in four groups, and any rule
// spec of the library, for the selected segment.
import { activeDesign, network, setSegments, state, unifiedParameters } from "./state.js";

const RANGES = { alpha: [0, 4], beta: [0, 3], theta0: [0, 1], theta1: [0, 1], gamma0: [0, 1], gamma1: [-1, 1],
                 gamma1p: [-1, 4], gamma1n: [-1, 4], gamma2: [0, 1], epsilon: [0, 1] };

/** Builds the panel's controls once the session is known. */
export function buildRulePanel() {
  const presets = document.getElementById("presets");
  presets.innerHTML = "";
  const add = (key, label, handler) => {
    const b = document.createElement("button");
    b.textContent = label;
    b.dataset.preset = key;
    b.addEventListener("click", handler);
    presets.appendChild(b);
  };
  add("custom", "CUSTOM", () => setRule((segment) => specOf(currentParameters(segment) || { ...state.session.lrp0 })));
  for (const p of state.session.presets) add(p.key, p.label, () => setRule(p.rule));
  add("z_beta", "LRP-zβ", () => { const [low, high] = network().bounds; setRule(`zb:low=${low},high=${high}`); });
  const box = document.getElementById("parameters");
  box.innerHTML = "";
  for (const group of state.session.parameter_groups) {
    const set = document.createElement("fieldset");
    set.innerHTML = `<legend>${group.group} effect</legend>`;
    for (const p of group.parameters) {
      const [low, high] = RANGES[p.name];
      const row = document.createElement("label");
      row.className = "parameter";
      row.innerHTML = `<span>${p.label}</span><input type="range" min="${low}" max="${high}" step="0.01" data-param="${p.name}">` +
        `<input type="text" data-param-value="${p.name}" size="6">`;
      const slider = row.querySelector("input[type=range]"), field = row.querySelector("input[type=text]");
      slider.addEventListener("input", () => { field.value = slider.value; });
      slider.addEventListener("change", () => setParameter(p.name, slider.value));
      field.addEventListener("change", () => setParameter(p.name, field.value));
      set.appendChild(row);
    }
    box.appendChild(set);
  }
  document.getElementById("apply-spec").addEventListener("click", () => setRule(document.getElementById("rule-spec").value.trim()));
}

function selectedSegment() { return activeDesign().segments[state.selected] || activeDesign().segments[0]; }

function currentParameters(segment = selectedSegment()) { return unifiedParameters(segment.rule); }

function specOf(p, raw = {}) {
  const names = ["alpha", "beta", "theta0", "theta1", "gamma0", "gamma1", "gamma1p", "gamma1n", "gamma2", "epsilon"];
  return "unified:" + names.map((n) => `${n}=${n in raw ? raw[n] : p[n]}`).join(",");
}

/** Sets parameter `name` to the text `value` (the server refuses what is not a number). */
function setParameter(name, value) {
  setRule((segment) => specOf(currentParameters(segment) || { ...state.session.lrp0 }, { [name]: String(value).trim() }));
}

/** Gives the selected segment `rule` — a spec, or a function of the segment giving one (proposed: it is kept
 *  only if it computes). */
export function setRule(rule) {
  return setSegments((segments) => {
    const k = Math.min(state.selected, segments.length - 1);
    segments[k].rule = typeof rule === "function" ? rule(segments[k]) : rule;
    return segments;
  });
}

/** Shows the selected segment's rule in the controls. */
export function renderRulePanel() {
  const segment = selectedSegment();
  const p = unifiedParameters(segment.rule);
  document.querySelectorAll("#parameters input[type=range]").forEach((input) => {
    input.disabled = !p;
    if (p) input.value = p[input.dataset.param];
  });
  document.querySelectorAll("#parameters input[type=text]").forEach((input) => {
    input.disabled = !p;
    input.value = p ? p[input.dataset.paramValue] : "";
  });
  document.getElementById("rule-spec").value = segment.rule;
  document.querySelectorAll("#presets button").forEach((b) => {
    const preset = state.session.presets.find((x) => x.key === b.dataset.preset);
    b.classList.toggle("active", preset ? preset.rule === segment.rule :
      b.dataset.preset === "z_beta" ? segment.rule.startsWith("zb:") : !!p && !state.session.presets.some((x) => x.rule === segment.rule));
  });
  document.getElementById("formula").textContent = formula(segment, p);
}

function formula(segment, p) {
  const where = `segment ${state.selected + 1} (layers ${segment.first}–${segment.last}): `;
  if (!p) return where + segment.rule;
  const f = `${p.gamma0} + ${p.gamma1}·w + ${p.gamma1p}·w⁺ + ${p.gamma1n}·w⁻ + ${p.gamma2}·w²`;
  const g = `${p.gamma0} + ${p.gamma1}·w + ${p.gamma1n}·w⁺ + ${p.gamma1p}·w⁻ + ${p.gamma2}·w²`;
  return where + `R_i = Σ_j [${p.alpha}·a(x_i)f(w_ij)/(${p.epsilon} + Σ a f) − ${p.beta}·a(x_i)g(w_ij)/(${p.epsilon} + Σ a g)]·R_j,` +
    ` a(x) = ${p.theta0} + ${p.theta1}·x, f(w) = ${f}, g(w) = ${g}`;
}
