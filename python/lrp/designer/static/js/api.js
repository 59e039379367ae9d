// The server's JSON API: every call carries the session's token; a refusal shows its message and rejects.
const token = new URLSearchParams(location.search).get("token") || "";
let pending = 0;

/** Shows `message` in the page's error bar (null hides it). */
export function showError(message) {
  const bar = document.getElementById("error");
  bar.textContent = message || "";
  bar.hidden = !message;
}

const running = new Map(); // request number → [path, start time] of the requests under way
let requests = 0;
let ticker = null;

/** The status line: while requests run, the oldest one's name and time so far (updated as it runs, so a slow
 *  model shows it is working); then `label`. */
function busy(delta, label) {
  pending += delta;
  const status = document.getElementById("status");
  status.classList.toggle("busy", pending > 0);
  if (label) status.textContent = label;
  if (pending > 0 && ticker === null) ticker = setInterval(tick, 100);
  if (pending === 0 && ticker !== null) { clearInterval(ticker); ticker = null; }
}

function tick() {
  const oldest = running.values().next().value;
  if (!oldest) return;
  const [path, started] = oldest;
  const more = running.size > 1 ? ` (+${running.size - 1} waiting)` : "";
  document.getElementById("status").textContent = `${path}: working… ${((performance.now() - started) / 1000).toFixed(1)} s${more}`;
}

/** POSTs `body` to /api/`path`; resolves with the JSON answer, rejects (after showing it) on an error. */
export async function call(path, body = {}) {
  const started = performance.now();
  const number = ++requests;
  running.set(number, [path, started]);
  busy(+1, `${path}: working…`);
  try {
    const response = await fetch("api/" + path, {
      method: path === "session" ? "GET" : "POST",
      headers: { "Content-Type": "application/json", "X-LRP-Token": token },
      body: path === "session" ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (!response.ok || data.error) throw new Error(data.error || `the server answered ${response.status}`);
    const ms = performance.now() - started;
    busy(0, `${path}: ${ms.toFixed(0)} ms (server ${data.elapsed_ms !== undefined ? data.elapsed_ms.toFixed(1) : "–"} ms)`);
    return data;
  } catch (error) {
    showError(error.message);
    busy(0, "refused");
    throw error;
  } finally {
    running.delete(number);
    busy(-1);
  }
}
