// The LRP model manager (VisLRPDesigner A): the working model, saved and imported models, examples (the
// library's named composites), export and import of VisLRPDesigner's JSON and liblrp's composite files.
import { call, showError } from "./api.js";
import { activeDesign, addDesign, baseSegments, changed, setSegments, state } from "./state.js";

/** Redraws the lists of designs. */
export function renderManager() {
  const own = document.getElementById("design-list"), examples = document.getElementById("example-list");
  own.innerHTML = "";
  examples.innerHTML = "";
  for (const design of state.designs) {
    const item = document.createElement("li");
    item.dataset.design = design.id;
    item.classList.toggle("active", design.id === state.active);
    const check = document.createElement("input");
    check.type = "checkbox";
    check.title = "include in the comparison";
    check.checked = state.compared.has(design.id);
    check.addEventListener("click", (e) => { e.stopPropagation(); if (check.checked) state.compared.add(design.id); else state.compared.delete(design.id); changed("compare"); });
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = design.name;
    name.title = design.segments.map((s) => `${s.first}–${s.last}: ${s.rule}`).join("\n");
    item.append(check, name);
    if (!design.example && design.id !== "working") {
      const remove = document.createElement("button");
      remove.textContent = "delete";
      remove.title = "delete this model";
      remove.dataset.action = "delete";
      remove.addEventListener("click", (e) => { e.stopPropagation(); deleteDesign(design.id); });
      item.appendChild(remove);
    }
    item.addEventListener("click", () => { state.active = design.id; state.selected = 0; changed("design"); });
    (design.example ? examples : own).appendChild(item);
  }
}

function deleteDesign(id) {
  state.designs = state.designs.filter((d) => d.id !== id);
  state.compared.delete(id);
  if (state.active === id) state.active = "working";
  changed("design");
}

/** Wires the manager's buttons. */
export function wireManager() {
  document.getElementById("create-new").addEventListener("click", () => {
    if (!confirm("Discard the working model's configuration (LRP-0 on every layer)?")) return;
    state.active = "working";
    state.selected = 0;
    setSegments(baseSegments());
  });
  document.getElementById("export-vislrp").addEventListener("click", () => exportDesign("vislrpdesigner"));
  document.getElementById("export-liblrp").addEventListener("click", () => exportDesign("liblrp"));
  document.getElementById("import-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    if (file.size > 1 << 20) { showError(`${file.name} has ${file.size} bytes; the designer reads at most 1 MiB`); return; }
    await importText(await file.text());
  });
}

/** Imports a design file's text (checked and read by the library on the server). */
export async function importText(text) {
  const answer = await call("design/import", { net: state.net, text });
  showError(null);
  addDesign(answer.name, answer.segments);
  return answer;
}

/** Exports the active design; resolves with the file's content (and offers it as a download). */
export async function exportDesign(format) {
  const design = activeDesign();
  const answer = await call("design/export", { net: state.net, name: design.name, segments: design.segments, format });
  const text = JSON.stringify(answer.content, null, 1);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = answer.filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.lrpDesigner.exported = { format, filename: answer.filename, text };
  return answer;
}
