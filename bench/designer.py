"""The LRP designer on a large model: a VGG-16 (224×224×3, 1000 classes + SoftMax, 138 M parameters, fixed
random He-normal weights, seed 16) served by the designer and driven in headless Chromium.

It prints, in the page (request to drawn result): the first view, a rule change, a class click and an image
change; for a comparison of two models, the progress the page showed while it ran; and throughout, the longest
gap between the page's animation frames: how responsive the page stayed while the server computed.

    python3 bench/designer.py [--f32]      (make bench-designer; needs chromium, chromium-driver, selenium)
"""

import logging
import os
import secrets
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
from lrp import Model  # noqa: E402
from lrp.designer.server import create_app  # noqa: E402
from lrp.designer.subjects import Subject, to_display  # noqa: E402

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PLAN = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]  # 0: MaxPool 2×2/2


def vgg16(dtype):
    """VGG-16 for 224×224×3 with He-normal weights (seed 16), zero biases, a final SoftMax."""
    rng = np.random.RandomState(16)
    model = Model.new(dtype)
    channels = 3
    for width in PLAN:
        if width == 0:
            model.append("MaxPool 2 2 2 2")
            continue
        w = rng.standard_normal((3, 3, channels, width)).astype(np.float32) * np.sqrt(2.0 / (9 * channels))
        model.append("Convolution 3 3 %d %d 1 1 pad=same" % (channels, width), w, np.zeros(width))
        model.append("Rect")
        channels = width
    model.append("Flatten")
    for a, b in [(25088, 4096), (4096, 4096), (4096, 1000)]:
        model.append("Linear %d %d" % (a, b), rng.standard_normal((a, b)).astype(np.float32) * np.sqrt(2.0 / a), np.zeros(b))
        if b != 1000:
            model.append("Rect")
    model.append("SoftMax")
    return model


def images(count):
    """Smooth random images in [−1, 1]: 7×7 noise upsampled to 224×224×3."""
    rng = np.random.RandomState(1)
    coarse = rng.uniform(-1, 1, (count, 7, 7, 3))
    return np.ascontiguousarray(np.clip(coarse.repeat(32, axis=1).repeat(32, axis=2)
                                        + 0.2 * rng.standard_normal((count, 224, 224, 3)), -1, 1))


WATCH = """
window.benchGaps = []; let last = performance.now();
function frame(t) { window.benchGaps.push(t - last); last = t; requestAnimationFrame(frame); }
requestAnimationFrame(frame);
"""


def longest_gap(driver):
    """The longest time between two animation frames since the last call (ms)."""
    return driver.execute_script("const g = window.benchGaps.splice(0); return g.length ? Math.max(...g) : null")


def wait(driver, script, timeout=600):
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script("return " + script)
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit("timed out waiting for %s" % script)


def main():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        raise SystemExit("bench/designer.py needs chromium and chromium-driver (scripts/install-deps.sh --tests)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from waitress.server import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # requests waiting for the busy model are expected
    dtype = np.float32 if "--f32" in sys.argv else np.float64
    started = time.perf_counter()
    model = vgg16(dtype)
    x = images(4)
    subject = Subject("vgg16", "VGG-16 (random weights)", model, x, to_display(x, (224, 224, 3), (-1, 1)),
                      ["class %d" % i for i in range(1000)], (-1.0, 1.0))
    token = secrets.token_urlsafe(16)
    app = create_app([subject], token)
    bench = app.config["WORKBENCHES"]["vgg16"]
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=httpd.run, daemon=True).start()
    print("VGG-16 %s, %d layers, built and served in %.1f s" % (np.dtype(dtype).name, len(model), time.perf_counter() - started))

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1500,1000", "--disable-dev-shm-usage"]:
        options.add_argument(argument)
    d = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        url = "http://127.0.0.1:%s/?token=%s#net=vgg16&image=0" % (httpd.effective_port, token)
        d.get(url)
        d.execute_script("localStorage.clear()")
        d.refresh()
        d.execute_script(WATCH)
        t = time.perf_counter()
        wait(d, "window.lrpDesigner && window.lrpDesigner.renders > 0")
        print("\nin the page (request to drawn result), longest gap between animation frames meanwhile:")
        print("  first view (forward + LRP-0)  %7.0f ms   frames ≤ %.0f ms apart" % ((time.perf_counter() - t) * 1e3, longest_gap(d)))

        def interaction(label, action):
            count = d.execute_script("return window.lrpDesigner.renders")
            action()
            wait(d, "window.lrpDesigner.renders > %d" % count)
            timing = d.execute_script("return window.lrpDesigner.timings.at(-1)")
            print("  %-29s %7.0f ms (server %.0f ms)   frames ≤ %.0f ms apart" % (label, timing["ms"], timing["server_ms"],
                                                                               longest_gap(d)))

        css = lambda selector: d.find_element(By.CSS_SELECTOR, selector)  # noqa: E731
        interaction("rule change (LRP-ε preset)", lambda: css("#presets button[data-preset='epsilon']").click())
        interaction("class click (2nd bar)", lambda: d.find_elements(By.CSS_SELECTOR, "#class-bars .bar")[1].click())
        interaction("image change", lambda: css("#image-picker canvas[data-image='1']").click())

        # the comparison: the working model and an example, one row; the progress bar is read as it runs
        css("#example-list li[data-design='example:epsilon_plus'] input").click()
        css("#views button[data-view='compare']").click()
        t = time.perf_counter()
        seen = []
        while not d.execute_script("return window.lrpDesigner.compare && window.lrpDesigner.compare.length === 2"):
            text = d.execute_script("return document.getElementById('compare-progress-text').textContent")
            if not seen or seen[-1][1] != text.split(" (")[0]:
                seen.append((time.perf_counter() - t, text.split(" (")[0]))
            time.sleep(0.2)
        total = time.perf_counter() - t
        steps = d.execute_script("return document.querySelector('#compare-table small').textContent")
        print("\ncomparison of 2 models × 1 image (explain + MoRF and LeRF perturbation, %s per cell): %.1f s" % (steps, total))
        for at, text in seen:
            print("  at %5.1f s the page showed \"%s\"" % (at, text))
        print("  longest gap between animation frames: %.0f ms" % longest_gap(d))
        print("\nperturbation steps for this model: %d (%.1f G multiply-adds a pass)" % (
            bench.steps(196), bench.multiply_adds() * 1e-9))
    finally:
        d.quit()
        httpd.close()


if __name__ == "__main__":
    main()
