// The server's JSON API: every call carries the session's token; a refusal shows its message and rejects.
const token = new URLSearchParams(location.search).get("token") || "";
let pending = 0;

/** Shows `message` in the page's error bar (null hides it). */
export function showError(message) {
  const bar = document.getElementById("error");
  bar.textContent = message || "";
  bar.hidden = !message;
}

function busy(delta, label) {
  pending += delta;
  const status = document.getElementById("status");
  status.classList.toggle("busy", pending > 0);
  if (label) status.textContent = label;
}

/** POSTs `body` to /api/`path`; resolves with the JSON answer, rejects (after showing it) on an error. */
export async function call(path, body = {}) {
  busy(+1, "working…");
  const started = performance.now();
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
    busy(-1);
  }
}
