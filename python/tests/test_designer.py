"""The LRP designer, end to end: a real server (waitress, started here) and the page in headless Chromium
(Debian's chromium and chromium-driver through Selenium). Every number the page shows is checked against the
Python API for the same settings; the server is sent bad requests and must refuse them and go on.

Screenshots of each view go to out/designer/ (the README's pictures are copies), with the timings of each
interaction in out/designer/timings.json."""

import json
import os
import secrets
import shutil
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from conftest import REPOSITORY
from lrp import LRPError, evaluate, model_io
from lrp.designer import designs
from lrp.designer.server import create_app
from lrp.designer.subjects import default_subjects

OUT = os.path.join(REPOSITORY, "out", "designer")
NET = "digits-cnn-maxpool"
MODEL = os.path.join(REPOSITORY, "models", NET + ".txt")
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def server():
    from waitress.server import create_server
    subjects = default_subjects()
    token = secrets.token_urlsafe(16)
    app = create_app(subjects, token)
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield {"url": "http://127.0.0.1:%s/" % httpd.effective_port, "token": token,
           "subjects": {s.key: s for s in subjects}}
    httpd.close()


def post(server, path, body, token=True, raw=None):
    """(status, JSON answer) of a POST to the API."""
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-LRP-Token"] = server["token"]
    request = urllib.request.Request(server["url"] + "api/" + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"text": text.decode()}


def reference(subject, segments, image, target=None, model_path=MODEL):
    """The Python API for the page's settings: each layer's rule preset from its segment, the final SoftMax
    passing relevance on, the score of the class (its logit) as the initial relevance."""
    net = model_io.read(model_path)
    model = net._model
    for first, last, spec in [(s["first"], s["last"], s["rule"]) for s in segments]:
        for i in range(first, last + 1):
            model.set_rule_spec(i, spec)
    last = len(model) - 1
    softmax = model.describe(last).startswith("SoftMax")
    if softmax:
        model.set_rule_spec(last, "pass")
    x = subject.inputs[image:image + 1]
    y = model.forward(x)
    scores = (model.trace(last, 0) if softmax else y).reshape(-1)
    target = int(np.argmax(scores)) if target is None else target
    r = np.zeros(y.size)
    r[target] = scores[target]
    relevance = model.relevance(r.reshape(y.shape))
    return model, target, scores, r.reshape(y.shape), relevance.reshape(subject.image_shape).sum(axis=-1)


def presets(segments):
    """The per-layer presets the library gives the model for these segments (its canonical specs)."""
    model = model_io.read(MODEL)._model
    for segment in segments:
        for i in range(segment["first"], segment["last"] + 1):
            model.set_rule_spec(i, segment["rule"])
    return specs(model)


def specs(model):
    """A model's per-layer presets as canonical specs."""
    return [model.rule_spec(i) for i in range(len(model))]


def page_map(answer_map):
    return np.array([np.nan if v is None else v for v in answer_map["values"]]).reshape(answer_map["height"],
                                                                                       answer_map["width"])


def test_requests_without_the_token_are_refused(server):
    status, answer = post(server, "explain", {"net": NET}, token=False)
    assert status == 403 and "token" in answer["text"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server["url"], timeout=10)
    assert refused.value.code == 403
    with urllib.request.urlopen(server["url"] + "?token=" + server["token"], timeout=10) as page:
        assert b"data-testid=\"segment-ruler\"" in page.read()
        assert "lrp_designer_token" in page.headers.get("Set-Cookie", "")


BASE = [{"first": 0, "last": 7, "rule": "epsilon:0.01"}]


@pytest.mark.parametrize("body,fragment", [
    (None, "must be a JSON object"),
    ({"net": "vgg"}, "unknown network 'vgg'"),
    ({"net": NET, "image": 99, "segments": BASE}, "image must be an index from 0 to 19"),
    ({"net": NET, "image": 0, "segments": [{"first": 0, "last": 9, "rule": "epsilon:0.01"}]}, "segments must tile the 8 layers"),
    ({"net": NET, "image": 0, "segments": [{"first": 0, "last": 3, "rule": "zplus"}]}, "the segments end at layer 3"),
    ({"net": NET, "image": 0, "segments": [{"first": 0, "last": 7, "rule": "gama"}]}, "unknown rule 'gama'"),
    ({"net": NET, "image": 0, "segments": [{"first": 0, "last": 7, "rule": "unified:alpha=abc"}]}, "alpha"),
    ({"net": NET, "image": 0, "class": 10, "segments": BASE}, "class must be an index from 0 to 9"),
    ({"net": NET, "image": "0", "segments": BASE}, "image must be an index"),
])
def test_bad_requests_get_a_message_and_change_nothing(server, body, fragment):
    good = {"net": NET, "image": 0, "segments": BASE}
    status, before = post(server, "explain", good)
    assert status == 200
    status, answer = post(server, "explain", body, raw=b"{not json" if body is None else None)
    assert status == 400 and fragment in answer["error"], answer
    status, after = post(server, "explain", good)  # the server goes on, with the same state
    assert status == 200 and after["heatmap"] == before["heatmap"]


@pytest.mark.parametrize("path,body,fragment", [
    ("design/import", {"net": NET, "text": "{"}, "not JSON"),
    ("design/import", {"net": NET, "text": json.dumps({"configuration": [{"x0": 1, "x1": 30, "alpha": 1}]})}, "needs"),
    ("design/import", {"net": NET, "text": json.dumps({"configuration": [designs.vislrpdesigner_json("m", [(0, 30, "zplus")])["configuration"][0]]})},
     "reaches past the model's 8 layers"),
    ("design/import", {"net": NET, "text": "x" * (designs.MAX_FILE_BYTES + 1)}, "larger than"),
    ("design/import", {"net": NET, "text": json.dumps({"format": "liblrp-composite", "version": 1, "segments": [{"first": 0, "last": 1, "rule": "nope"}]})},
     "unknown rule 'nope'"),
    ("flip", {"net": NET, "image": 0, "mask": [64]}, "pixel index 64 is not in 0 … 63"),
    ("ablate", {"net": NET, "image": 0, "layer": 0, "channels": [16]}, "channel index 16 is not in 0 … 15"),
    ("neurons", {"net": NET, "image": 0, "segments": BASE, "layer": 8}, "layer must be an index from 0 to 7"),
    ("design/export", {"net": NET, "segments": BASE, "format": "xml"}, "format must be"),
])
def test_bad_files_and_requests_elsewhere(server, path, body, fragment):
    status, answer = post(server, path, body)
    assert status in (400, 413) and fragment in answer["error"], answer
    assert post(server, "explain", {"net": NET, "image": 0, "segments": BASE})[0] == 200


def test_the_api_equals_the_python_api(server):
    subject = server["subjects"][NET]
    segments = [{"first": 0, "last": 2, "rule": designs.preset_spec("gamma")},
                {"first": 3, "last": 5, "rule": "alphabeta:alpha=2,beta=1"},
                {"first": 6, "last": 7, "rule": designs.preset_spec("epsilon")}]
    status, answer = post(server, "explain", {"net": NET, "image": 3, "class": 4, "segments": segments})
    assert status == 200
    model, target, scores, r, heatmap = reference(subject, segments, 3, 4)
    np.testing.assert_allclose(page_map(answer["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)
    assert [t["class"] for t in answer["top"]] == list(np.argsort(-scores, kind="stable"))
    # the segments' borders: relevance at the input of each segment's first layer, and its total
    borders, totals = model.relevance_at(r, [0, 3, 6], sums=True)
    for part, border, first in zip(answer["segments"], borders, [0, 3, 6]):
        assert part["relevance_out"] == pytest.approx(totals[first, 0], rel=1e-12)
        assert page_map(part["map"])[np.isfinite(page_map(part["map"]))].sum() == pytest.approx(border.sum(), rel=1e-9, abs=1e-12)
    # neurons of layer 3 and two of them conditioned and ablated
    status, stats = post(server, "neurons", {"net": NET, "image": 3, "class": 4, "segments": segments, "layer": 3})
    expected = model.channel_statistics(r, 3)
    np.testing.assert_allclose(stats["positive"], expected.positive[0], rtol=1e-12)
    np.testing.assert_allclose(stats["activation"], expected.activation[0], rtol=1e-12)
    status, conditional = post(server, "conditional", {"net": NET, "image": 3, "class": 4, "segments": segments,
                                                       "layer": 3, "channels": [5, 1]})
    parts = model.relevance_conditional(r, 3, [1, 5])
    for neuron, part, c in zip(conditional["neurons"], parts, [1, 5]):
        assert neuron["channel"] == c
        np.testing.assert_allclose(page_map(neuron["relevance"]), part.reshape(subject.image_shape).sum(axis=-1), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(page_map(neuron["activation"]), model.trace(3)[0, ..., c], rtol=1e-15)
    status, ablated = post(server, "ablate", {"net": NET, "image": 3, "layer": 3, "channels": [1, 5]})
    y = model.forward(subject.inputs[3:4], ablate={3: [1, 5]}).reshape(-1)
    assert [t["class"] for t in ablated["after"]] == list(np.argsort(-y, kind="stable"))
    np.testing.assert_allclose([t["probability"] for t in ablated["after"]], np.sort(y)[::-1], rtol=1e-13)
    # region perturbation of this heatmap
    status, perturbed = post(server, "perturbation", {"net": NET, "image": 3, "class": 4, "segments": segments})
    x = subject.inputs[3:4]
    for order in ("morf", "lerf"):
        p = evaluate.perturbation(model, x, heatmap[None, :, :, None], targets=[4], region=perturbed["region"],
                                  steps=perturbed["steps"], order=order, fill="uniform", value=(-1, 1), seed=0)
        assert perturbed[order]["aopc"] == pytest.approx(p.aopc, rel=1e-12)


def test_a_flat_input_model_is_flipped_as_an_image(server):
    subject = server["subjects"]["digits-mlp"]
    mask = [0, 1, 8, 9, 27, 28, 35, 36]
    status, answer = post(server, "flip", {"net": "digits-mlp", "image": 2, "mask": mask})
    assert status == 200
    x = subject.inputs[2].copy()
    x[mask] *= -1
    net = model_io.read(os.path.join(REPOSITORY, "models", "digits-mlp.txt"))
    net.forward(x[None])
    logits = net._model.trace(len(net._model) - 1, 0).reshape(-1)
    assert [t["class"] for t in answer["after"]] == list(np.argsort(-logits, kind="stable"))
    np.testing.assert_allclose([t["score"] for t in answer["after"]], np.sort(logits)[::-1], rtol=1e-12)


def test_exported_files_load_with_set_composite_and_import_back(server, tmp_path):
    segments = [{"first": 0, "last": 0, "rule": "zb:low=-1,high=1"}, {"first": 1, "last": 4, "rule": designs.preset_spec("alpha1beta0")},
                {"first": 5, "last": 7, "rule": "gamma:0.25"}]
    for fmt in ("vislrpdesigner", "liblrp"):
        status, answer = post(server, "design/export", {"net": NET, "name": "mine", "segments": segments, "format": fmt})
        assert status == 200
        path = str(tmp_path / answer["filename"])
        with open(path, "w") as f:
            json.dump(answer["content"], f)
        net = model_io.read(MODEL)
        net.set_composite(path)
        assert specs(net._model) == presets(segments)
        status, back = post(server, "design/import", {"net": NET, "text": json.dumps(answer["content"])})
        assert presets(back["segments"]) == presets(segments) and back["name"] == ("mine" if fmt == "vislrpdesigner" else "Imported model")


# -- the page in a real browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        message = "the designer's browser tests need Debian's chromium and chromium-driver (scripts/install-deps.sh --tests)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1500,1000",
                     "--disable-dev-shm-usage"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def wait(driver, script, timeout=30):
    """Waits until the page's `script` (a JS expression) is truthy; returns its value."""
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script("return " + script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; page error: %s" % (
        script, driver.execute_script("return document.getElementById('error').textContent")))


def renders(driver):
    return driver.execute_script("return window.lrpDesigner.renders")


def after_render(driver, count, timeout=30):
    wait(driver, "window.lrpDesigner.renders > %d" % count, timeout)
    return driver.execute_script("return window.lrpDesigner.last")


def design(driver):
    return driver.execute_script("const s = window.lrpDesigner.state; return s.designs.find((d) => d.id === s.active).segments")


def type_into(driver, field, text):
    """Types `text` into a text field and leaves it (one change event, as a user's edit gives)."""
    from selenium.webdriver.common.keys import Keys
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    field.send_keys(Keys.TAB)


def shot(driver, name):
    os.makedirs(OUT, exist_ok=True)
    driver.save_screenshot(os.path.join(OUT, name + ".png"))


def test_the_page_in_a_browser(server, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    d = browser
    subject = server["subjects"][NET]
    css = lambda selector: d.find_element(By.CSS_SELECTOR, selector)  # noqa: E731
    d.get(server["url"] + "?token=" + server["token"] + "#net=" + NET + "&image=2")
    d.execute_script("localStorage.clear()")
    d.refresh()
    wait(d, "window.lrpDesigner && window.lrpDesigner.ready && window.lrpDesigner.renders > 0")
    for hook in ["model-manager", "result-view", "class-bars", "heatmap", "segment-ruler", "rule-panel", "compare-view",
                 "flip-view", "ablation-view"]:
        assert d.find_elements(By.CSS_SELECTOR, "[data-testid='%s']" % hook), hook
    result = d.execute_script("return window.lrpDesigner.last")
    segments = design(d)
    assert segments == [{"first": 0, "last": 7, "rule": designs.unified_spec({})}]
    np.testing.assert_allclose(page_map(result["heatmap"]), reference(subject, segments, 2)[4], rtol=1e-12, atol=1e-14)

    # "+" adds a segment; dragging its border two layers up moves it
    count = renders(d)
    css("#add-segment").click()
    after_render(d, count)
    assert [(s["first"], s["last"]) for s in design(d)] == [(0, 3), (4, 7)]
    count = renders(d)
    ActionChains(d).click_and_hold(css("[data-testid='border-1']")).move_by_offset(0, -44).release().perform()
    result = after_render(d, count)
    assert [(s["first"], s["last"]) for s in design(d)] == [(0, 1), (2, 7)]

    # select the first segment, pick LRP-γ, set its γ1p and ε by typing
    css(".segment-block[data-segment='0']").click()
    count = renders(d)
    css("#presets button[data-preset='gamma']").click()
    after_render(d, count)
    for name, value in [("gamma1p", "0.5"), ("epsilon", "0.1")]:
        count = renders(d)
        type_into(d, css("input[data-param-value='%s']" % name), value)
        result = after_render(d, count)
    segments = design(d)
    assert segments[0]["rule"] == designs.unified_spec({"gamma1p": 0.5, "epsilon": 0.1})
    # a library rule on the second segment, by its spec
    css(".segment-block[data-segment='1']").click()
    spec = css("#rule-spec")
    spec.clear()
    spec.send_keys("alphabeta:alpha=2,beta=1")
    count = renders(d)
    css("#apply-spec").click()
    result = after_render(d, count)
    segments = design(d)
    assert segments[1]["rule"] == "alphabeta:alpha=2,beta=1,epsilon=1e-06"  # as the library writes it
    np.testing.assert_allclose(page_map(result["heatmap"]), reference(subject, segments, 2)[4], rtol=1e-12, atol=1e-14)

    # a parameter that is not a number: a message, nothing changes
    css(".segment-block[data-segment='0']").click()
    type_into(d, css("input[data-param-value='alpha']"), "abc")
    wait(d, "!document.getElementById('error').hidden")
    assert "alpha" in css("#error").text
    assert design(d) == segments

    # click the third class bar
    bars = d.find_elements(By.CSS_SELECTOR, "#class-bars .bar")
    chosen = int(bars[2].get_attribute("data-class"))
    count = renders(d)
    bars[2].click()
    result = after_render(d, count)
    assert result["class"] == chosen
    _, _, scores, _, heatmap = reference(subject, segments, 2, chosen)
    np.testing.assert_allclose(page_map(result["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)
    assert [t["class"] for t in result["top"]] == list(np.argsort(-scores, kind="stable"))
    assert "class=%d" % chosen in d.current_url and "net=" + NET in d.current_url
    shot(d, "design")

    # the URL holds the state: reloading it shows the same
    url = d.current_url
    d.get(url)
    wait(d, "window.lrpDesigner && window.lrpDesigner.renders > 0")
    assert design(d) == segments
    np.testing.assert_allclose(page_map(d.execute_script("return window.lrpDesigner.last")["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)

    # export VisLRPDesigner's JSON; Python reads it with set_composite; import it back
    css("#export-vislrp").click()
    exported = wait(d, "window.lrpDesigner.exported")
    path = str(tmp_path / exported["filename"])
    with open(path, "w") as f:
        f.write(exported["text"])
    net = model_io.read(MODEL)
    net.set_composite(path)
    assert specs(net._model) == presets(segments)
    count = renders(d)
    css("#import-file").send_keys(path)
    after_render(d, count)
    names = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#design-list li .name")]
    assert names == ["My New Model", "My New Model"]  # the export's name, imported as a second model
    assert design(d) == segments

    # model comparison: the working model and an example, one row
    d.find_element(By.CSS_SELECTOR, "#example-list li[data-design='example:epsilon_plus'] input").click()
    css("#views button[data-view='compare']").click()
    wait(d, "window.lrpDesigner.compare && window.lrpDesigner.compare.length === 3", 60)
    cells = d.execute_script("return window.lrpDesigner.compare")
    x = subject.inputs[2:3]
    for cell in cells:
        cell_segments = d.execute_script("return window.lrpDesigner.state.designs.find((d) => d.id === arguments[0]).segments",
                                         cell["design"])
        model, target, _, _, heat = reference(subject, cell_segments, 2, chosen)
        np.testing.assert_allclose(page_map(cell["heatmap"]), heat, rtol=1e-12, atol=1e-14)
        p = evaluate.perturbation(model, x, heat[None, :, :, None], targets=[chosen], region=1, steps=64, order="morf",
                                  fill="uniform", value=(-1, 1), seed=0)
        assert cell["morf"]["aopc"] == pytest.approx(p.aopc, rel=1e-12)
    shot(d, "compare")

    # pixel flipping: brush a stroke across the image
    css("#views button[data-view='flip']").click()
    wait(d, "document.querySelector(\"canvas[data-role='flip-image']\")")
    canvas = css("canvas[data-role='flip-image']")
    ActionChains(d).move_to_element_with_offset(canvas, -80, -60).click_and_hold().move_by_offset(60, 30) \
        .move_by_offset(60, 30).release().perform()
    flipped = wait(d, "window.lrpDesigner.flipped")
    mask = np.zeros(64, dtype=bool)
    mask[flipped["mask"]] = True
    assert 0 < mask.sum() < 64
    f = evaluate.flip(model_io.read(MODEL), subject.inputs[2:3], mask.reshape(8, 8), fill="invert", top=10)
    assert [t["class"] for t in flipped["answer"]["after"]] == list(f.top_after[0])
    np.testing.assert_allclose([t["score"] for t in flipped["answer"]["after"]], f.after[0][f.top_after[0]], rtol=1e-12)
    shot(d, "flip")

    # neurons of layer 3 (the second convolution): pick it on the ruler, select neurons, ablate
    css("#views button[data-view='ablation']").click()
    css("[data-testid='layer-3']").click()
    stats = wait(d, "window.lrpDesigner.neurons && window.lrpDesigner.neurons.layer === 3 && window.lrpDesigner.neurons")
    model, _, _, r, _ = reference(subject, segments, 2, chosen)
    expected = model.channel_statistics(r, 3)
    np.testing.assert_allclose(stats["positive"], expected.positive[0], rtol=1e-12)
    np.testing.assert_allclose(stats["negative"], expected.negative[0], rtol=1e-12)
    np.testing.assert_allclose(stats["activation"], expected.activation[0], rtol=1e-12)
    # drag over the positive chart's first dots (the most relevant neurons) and click one matrix cell
    chart = css("svg[data-chart='positive']")
    ActionChains(d).move_to_element_with_offset(chart, -130, -75).click_and_hold().move_by_offset(40, 150).release().perform()
    wait(d, "window.lrpDesigner.state.neurons.size > 0")
    css("#neuron-matrix .neuron[data-channel='31']").click()
    chosen_neurons = wait(d, "window.lrpDesigner.conditional && window.lrpDesigner.conditional.neurons.length === "
                             "window.lrpDesigner.state.neurons.size && [...window.lrpDesigner.state.neurons].sort((a, b) => a - b)")
    assert 31 in chosen_neurons and len(chosen_neurons) >= 2
    top_by_positive = list(np.argsort(-expected.positive[0], kind="stable")[:len(chosen_neurons) - 1])
    assert set(top_by_positive) <= set(chosen_neurons) | {31}
    conditional = d.execute_script("return window.lrpDesigner.conditional")
    parts = model.relevance_conditional(r, 3, chosen_neurons)
    for neuron, part in zip(conditional["neurons"], parts):
        np.testing.assert_allclose(page_map(neuron["relevance"]), part.reshape(8, 8, 1).sum(axis=-1), rtol=1e-12, atol=1e-14)
    css("#ablate").click()
    ablated = wait(d, "window.lrpDesigner.ablated")
    y = model.forward(subject.inputs[2:3], ablate={3: chosen_neurons}).reshape(-1)
    assert [t["class"] for t in ablated["after"]] == list(np.argsort(-y, kind="stable"))
    np.testing.assert_allclose([t["probability"] for t in ablated["after"]], np.sort(y)[::-1], rtol=1e-13)
    shot(d, "ablation")

    timings = d.execute_script("return window.lrpDesigner.timings")
    with open(os.path.join(OUT, "timings.json"), "w") as f:
        json.dump(timings, f, indent=1)
    print("\ninteraction timings in the page (ms, request to drawn result):")
    for t in timings:
        print("  %-10s %7.1f ms (server %.1f ms)" % (t["reason"], t["ms"], t["server_ms"] or 0))
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE" and "api/" not in e["message"]]
    assert not errors, errors


def test_lenet5_when_the_toolbox_files_are_there(server):
    if "lenet5-mnist" not in server["subjects"]:
        if os.environ.get("CI") == "true":
            pytest.fail("../shared is missing: LeNet-5 cannot be served")
        pytest.skip("../shared is not beside the checkout")
    subject = server["subjects"]["lenet5-mnist"]
    path = os.path.join(os.path.dirname(REPOSITORY), "shared", "models", "LeNet-5.txt")
    segments = [{"first": 0, "last": 3, "rule": designs.preset_spec("flat")},
                {"first": 4, "last": 10, "rule": designs.preset_spec("epsilon")}]
    status, answer = post(server, "explain", {"net": "lenet5-mnist", "image": 1, "segments": segments})
    assert status == 200
    _, target, _, _, heatmap = reference(subject, segments, 1, None, path)
    assert answer["class"] == target == int(subject.labels[1])
    np.testing.assert_allclose(page_map(answer["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)


CLUTTER = "mnist-clutter-cnn"


def clutter_subject(server):
    if CLUTTER not in server["subjects"]:
        if os.environ.get("CI") == "true":
            pytest.fail("../shared is missing: the cluttered-MNIST canvases cannot be made")
        pytest.skip("../shared is not beside the checkout")
    return server["subjects"][CLUTTER]


def test_localization_scores_where_the_images_have_boxes(server):
    """The cluttered-MNIST subject: its boxes are the benchmark's (models/mnist-clutter-boxes.txt rows of its
    canvases) and each explanation carries μ, μ_w and S_in/S_tot as evaluate.localization gives them."""
    subject = clutter_subject(server)
    boxes = np.loadtxt(os.path.join(REPOSITORY, "models", "mnist-clutter-boxes.txt"), dtype=np.int64)
    rows = [int(np.flatnonzero((boxes == b).all(axis=1))[0]) for b in subject.boxes]
    assert len(set(rows)) == len(subject) == 20
    path = os.path.join(REPOSITORY, "models", CLUTTER + ".txt")
    segments = [{"first": 0, "last": 4, "rule": designs.preset_spec("gamma")},
                {"first": 5, "last": 11, "rule": designs.preset_spec("epsilon")}]
    for image in (0, 7):
        status, answer = post(server, "explain", {"net": CLUTTER, "image": image, "segments": segments})
        assert status == 200, answer
        model, target, _, r, heatmap = reference(subject, segments, image, None, path)
        np.testing.assert_allclose(page_map(answer["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)
        expected = evaluate.localization(model.relevance(r).reshape(1, 64, 64, 1), subject.boxes[image][None])
        assert answer["localization"]["box"] == subject.boxes[image].tolist()
        for key in ("mu", "mu_w", "inside"):
            assert answer["localization"][key] == pytest.approx(getattr(expected, key)[0], rel=1e-12)
    status, answer = post(server, "explain", {"net": NET, "image": 0,
                                              "segments": [{"first": 0, "last": 7, "rule": designs.unified_spec({})}]})
    assert status == 200 and answer["localization"] is None


def test_boxes_from_the_command_line(tmp_path):
    from lrp.designer.cli import load_subjects, parse_arguments
    from lrp.designer.subjects import user_subject
    x = np.random.RandomState(0).uniform(-1, 1, (3, 8, 8, 1))
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "boxes.txt").write_text("# top left bottom right\n0 0 4 4\n2 3 8 8\n1 1 2 2\n")
    subject = load_subjects(parse_arguments(["--model", MODEL, "--images", str(tmp_path / "x.npy"),
                                             "--boxes", str(tmp_path / "boxes.txt")]))[0]
    assert subject.boxes.tolist() == [[0, 0, 4, 4], [2, 3, 8, 8], [1, 1, 2, 2]]
    for text, fragment in [("0 0 4 4\n2 3 8 8\n", "one box .* per image is needed, 3 × 4"),
                           ("0 0 4 4\n2 3 9 8\n1 1 2 2\n", "box 1 \\[2, 3, 9, 8\\] is not a box inside the 8×8 image"),
                           ("0 0 4 4\n2 3 8 8\n1 1 1 2\n", "box 2 .* is not a box"),
                           ("0 0 4 4.5\n2 3 8 8\n1 1 2 2\n", "whole numbers"),
                           ("0 0 four 4\n", "cannot read the boxes")]:
        (tmp_path / "bad.txt").write_text(text)
        with pytest.raises(LRPError, match=fragment):
            user_subject(MODEL, str(tmp_path / "x.npy"), boxes=str(tmp_path / "bad.txt"))
    with pytest.raises(LRPError, match="--boxes belongs to --images"):
        load_subjects(parse_arguments(["--boxes", str(tmp_path / "boxes.txt")]))


def test_the_comparison_shows_localization_and_progress_in_a_browser(server, browser):
    """The cluttered subject in the comparison view: each cell's μ and μ_w are the server's, its box is drawn, and
    the progress bar counts the cells."""
    from selenium.webdriver.common.by import By
    clutter_subject(server)
    d = browser
    d.get(server["url"] + "?token=" + server["token"] + "#net=" + CLUTTER + "&image=3&view=compare")
    d.execute_script("localStorage.clear()")
    d.refresh()
    wait(d, "window.lrpDesigner && window.lrpDesigner.ready && window.lrpDesigner.renders > 0")
    d.find_element(By.CSS_SELECTOR, "#example-list li[data-design='example:epsilon_gamma_box'] input").click()
    d.find_element(By.CSS_SELECTOR, "#views button[data-view='compare']").click()
    wait(d, "window.lrpDesigner.compare && window.lrpDesigner.compare.length === 2", 60)
    assert d.execute_script("const p = document.getElementById('compare-progress'); return [p.value, p.max]") == [2, 2]
    for cell in d.execute_script("return window.lrpDesigner.compare"):
        segments = d.execute_script("return window.lrpDesigner.state.designs.find((d) => d.id === arguments[0]).segments",
                                    cell["design"])
        status, answer = post(server, "explain", {"net": CLUTTER, "image": 3, "segments": segments})
        assert status == 200 and cell["localization"] == answer["localization"]
        shown = d.find_element(By.CSS_SELECTOR, "td[data-design='%s'] [data-localization='mu']" % cell["design"]).text
        assert shown == "μ %.3f, μ_w %.3f" % (answer["localization"]["mu"], answer["localization"]["mu_w"])
    shot(d, "compare-localization")


@pytest.mark.parametrize("seed", [7, 8, 9, 10])
def test_the_server_survives_random_requests(server, seed):
    """Mutated bodies for every endpoint: each gets an answer (200 or a refusal with a message), never a crash."""
    rng = np.random.RandomState(seed)
    segments = [{"first": 0, "last": 3, "rule": "epsilon:0.1"}, {"first": 4, "last": 7, "rule": designs.preset_spec("gamma")}]
    valid = {"explain": {"net": NET, "image": 1, "class": 2, "segments": segments},
             "neurons": {"net": NET, "image": 1, "segments": segments, "layer": 3},
             "conditional": {"net": NET, "image": 1, "segments": segments, "layer": 3, "channels": [0, 2]},
             "ablate": {"net": NET, "image": 1, "layer": 0, "channels": [1]},
             "flip": {"net": "digits-mlp", "image": 1, "mask": [3, 4]},
             "perturbation": {"net": NET, "image": 1, "segments": segments},
             "design/export": {"net": NET, "segments": segments, "format": "liblrp"},
             "design/import": {"net": NET, "text": json.dumps(designs.vislrpdesigner_json("m", [(0, 7, "zplus")]))},
             "image": {"net": NET, "image": 1}}
    oddities = [None, True, -1, 2 ** 40, 1e308, float("nan"), "", "0", "unified:alpha=x", [], [None], [-1], {}, [{"first": 0}],
                [{"first": 0, "last": 7, "rule": 5}], "x" * 5000]

    def mutate(value):
        if isinstance(value, dict) and value and rng.rand() < 0.7:
            key = list(value)[rng.randint(len(value))]
            return {**value, key: mutate(value[key])}
        if isinstance(value, list) and value and rng.rand() < 0.5:
            i = rng.randint(len(value))
            return value[:i] + [mutate(value[i])] + value[i + 1:]
        return oddities[rng.randint(len(oddities))]

    answered = {200: 0, 400: 0}
    for _ in range(300):
        path = list(valid)[rng.randint(len(valid))]
        body = mutate(valid[path])
        status, answer = post(server, path, body, raw=json.dumps(body, allow_nan=True).encode())
        assert status in (200, 400), (path, body, status, answer)
        assert status == 200 or answer.get("error"), (path, body, answer)
        answered[status] += 1
    assert answered[400] > 100
    assert post(server, "explain", valid["explain"])[0] == 200


def test_user_images_are_resized_to_the_input_and_mapped_onto_the_range(tmp_path):
    from PIL import Image
    from lrp.designer.subjects import user_subject
    rng = np.random.RandomState(3)
    pictures = [rng.randint(0, 256, size=(20, 16), dtype=np.uint8) for _ in range(3)]
    folder = tmp_path / "images"
    folder.mkdir()
    for i, p in enumerate(pictures):
        Image.fromarray(p).save(folder / ("%d.png" % i))
    (folder / "notes.txt").write_text("not an image")
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join("digit %d" % k for k in range(10)) + "\n")
    subject = user_subject(MODEL, str(folder), labels=str(labels), input_range="-1,1", image_shape="8,8,1")
    assert subject.inputs.shape == (3, 8, 8, 1) and subject.class_names[3] == "digit 3"
    for x, p in zip(subject.inputs, pictures):
        resized = np.asarray(Image.fromarray(p).resize((8, 8), Image.BILINEAR), dtype=np.float64)
        np.testing.assert_allclose(x[..., 0], resized / 255 * 2 - 1, rtol=1e-15)
    np.testing.assert_allclose(subject.display[..., 0], (subject.inputs[..., 0] + 1) / 2, rtol=1e-15)
    # an .npy of model inputs, drawn as images of their own shape, its range the data's
    np.save(tmp_path / "x.npy", subject.inputs)
    again = user_subject(MODEL, str(tmp_path / "x.npy"))
    assert again.image_shape == (8, 8, 1) and again.bounds == (subject.inputs.min(), subject.inputs.max())
    # what is wrong is named
    with pytest.raises(LRPError, match="give --image-shape"):
        user_subject(MODEL, str(folder))
    with pytest.raises(LRPError, match="names 2 classes, the model has 10"):
        labels.write_text("a\nb\n")
        user_subject(MODEL, str(folder), labels=str(labels), image_shape="8,8,1")
    with pytest.raises(LRPError, match="no such file"):
        user_subject(MODEL, str(tmp_path / "missing"))
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(LRPError, match="cannot read the image .*broken.png"):
        user_subject(MODEL, str(folder), image_shape="8,8,1")


def test_a_graph_model_in_the_designer(tmp_path):
    """A Keras graph (residual Add, Concatenate, RGB input): its ruler, heatmaps, segment borders inside the graph,
    neurons of a layer inside the residual block, flipping, perturbation and a design file all as the Python API."""
    from lrp.designer.subjects import user_subject
    from lrp.designer.workbench import Workbench
    keras = os.path.join(REPOSITORY, "Tests", "fixtures", "keras")
    path = os.path.join(keras, "residual_graph.h5")
    np.save(tmp_path / "x.npy", np.load(os.path.join(keras, "residual_graph.io.npz"))["x"])
    subject = user_subject(path, str(tmp_path / "x.npy"))
    bench = Workbench(subject)
    assert [layer["inputs"] for layer in bench.layers][5] == [3, 4] and bench.softmax == 13
    segments = [{"first": 0, "last": 4, "rule": designs.preset_spec("gamma")},
                {"first": 5, "last": 8, "rule": "epsilon:0.01"},
                {"first": 9, "last": 13, "rule": designs.preset_spec("alpha-beta")}]
    answer = bench.explain(2, 1, segments)
    model, target, scores, r, heatmap = reference(subject, segments, 2, 1, path)
    np.testing.assert_allclose(page_map(answer["heatmap"]), heatmap, rtol=1e-12, atol=1e-14)
    assert subject.image_shape == (12, 12, 3)
    # the border at the Add (layer 5): the relevance of both its inputs, drawn flat
    borders, totals = model.relevance_at(r, [5], sums=True)
    border = page_map(answer["segments"][1]["map"])
    assert border[np.isfinite(border)].sum() == pytest.approx(borders[0].sum(), rel=1e-9)
    assert answer["segments"][1]["relevance_out"] == pytest.approx(totals[5, 0], rel=1e-12)
    stats = bench.neurons(2, 1, segments, 4)
    np.testing.assert_allclose(stats["positive"], model.channel_statistics(r, 4).positive[0], rtol=1e-12)
    ablated = bench.ablate(2, 4, [0, 3])
    y = model.forward(subject.inputs[2:3], ablate={4: [0, 3]}).reshape(-1)
    assert [t["class"] for t in ablated["after"]] == list(np.argsort(-y, kind="stable"))
    flipped = bench.flip(2, list(range(0, 144, 5)))
    mask = np.zeros(144, dtype=bool)
    mask[0:144:5] = True
    f = evaluate.flip(model, subject.inputs[2:3], mask.reshape(12, 12), fill="invert", top=5)  # 5 classes: all
    assert [t["class"] for t in flipped["after"]] == list(f.top_after[0])
    perturbed = bench.perturbation(2, 1, segments)
    rx = model.relevance(r)
    p = evaluate.perturbation(model, subject.inputs[2:3], rx, targets=[1], region=perturbed["region"],
                              steps=perturbed["steps"], order="morf", fill="uniform", value=subject.bounds, seed=0)
    assert perturbed["morf"]["aopc"] == pytest.approx(p.aopc, rel=1e-12)
    exported = designs.vislrpdesigner_json("graph", bench.canonical(segments))
    name, specs_read = designs.read_design(json.dumps(exported), model)
    assert name == "graph" and designs.segments_of(specs_read) == [
        {"first": a, "last": b, "rule": rule} for a, b, rule in bench.canonical(segments)]


def test_branches_get_lanes_of_their_own():
    from lrp import Model
    from lrp.designer.subjects import Subject
    from lrp.designer.workbench import Workbench
    rng = np.random.RandomState(0)
    model = Model.new()
    model.add_node("left", "Convolution 3 3 1 2 1 1", [-1], rng.randn(3, 3, 1, 2), np.zeros(2))
    model.add_node("right", "Convolution 3 3 1 2 1 1", [-1], rng.randn(3, 3, 1, 2), np.zeros(2))
    model.add_node("right_rect", "Rect", [1])
    model.add_node("joined", "Concatenate", [0, 2])
    model.add_node("flat", "Flatten", [3])
    model.add_node("out", "Linear 16 3", [4], rng.randn(16, 3), np.zeros(3))
    x = rng.uniform(-1, 1, (2, 4, 4, 1))
    bench = Workbench(Subject("g", "g", model, x, (x + 1) / 2, ["a", "b", "c"], (-1, 1)))
    assert [layer["lane"] for layer in bench.layers] == [0, 1, 1, 0, 0, 0]


def test_pattern_rules_use_the_patterns_fitted_as_make_demo_fits_them(server):
    import importlib.util
    spec = importlib.util.spec_from_file_location("digits", os.path.join(REPOSITORY, "examples", "python", "digits.py"))
    digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digits)
    subject = server["subjects"][NET]
    for rule in ("pattern_attribution", "pattern_net"):
        segments = [{"first": 0, "last": 7, "rule": rule}]
        status, answer = post(server, "explain", {"net": NET, "image": 4, "segments": segments})
        assert status == 200, answer
        net = model_io.read(MODEL)
        net.fit_patterns(digits.load(images=True)[0], pattern_type="relu", progress=False)
        model = net._model
        model.set_rule_spec(-1, rule)
        model.set_rule_spec(7, "pass")
        y = model.forward(subject.inputs[4:5])
        logits = model.trace(7, 0).reshape(-1)
        r = np.zeros(y.size)
        r[answer["class"]] = logits[answer["class"]]
        expected = model.relevance(r.reshape(y.shape)).reshape(8, 8, 1).sum(axis=-1)
        np.testing.assert_allclose(page_map(answer["heatmap"]), expected, rtol=1e-12, atol=1e-14)


def test_a_flat_input_graph_is_flipped_and_perturbed_as_an_image():
    """Two Linear branches of a flat input joined by Add: flipping and perturbation run it on images (a copy with a
    Flatten node before it) and give what the library gives the flat inputs."""
    from lrp import Model
    from lrp.designer.subjects import Subject
    from lrp.designer.workbench import Workbench
    rng = np.random.RandomState(1)
    model = Model.new()
    model.add_node("left", "Linear 16 6", [-1], rng.randn(16, 6), rng.randn(6))
    model.add_node("right", "Linear 16 6", [-1], rng.randn(16, 6), np.zeros(6))
    model.add_node("right_rect", "Rect", [1])
    model.add_node("joined", "Add", [0, 2])
    model.add_node("out", "Linear 6 3", [3], rng.randn(6, 3), np.zeros(3))
    x = rng.uniform(-1, 1, (3, 16))
    bench = Workbench(Subject("g", "g", model, x, ((x + 1) / 2).reshape(3, 4, 4, 1), ["a", "b", "c"], (-1, 1)))
    mask = [0, 5, 6, 15]
    flipped = bench.flip(1, mask)
    inverted = x[1:2].copy()
    inverted[0, mask] *= -1
    y = model.forward(inverted).reshape(-1)
    assert [t["class"] for t in flipped["after"]] == list(np.argsort(-y, kind="stable"))
    np.testing.assert_allclose([t["score"] for t in flipped["after"]], np.sort(y)[::-1], rtol=1e-12)
    segments = [{"first": 0, "last": 4, "rule": "epsilon:0.01"}]
    perturbed = bench.perturbation(1, 2, segments)
    model.set_rule_spec(-1, "epsilon:0.01")
    y = model.forward(x[1:2])
    r = np.zeros((1, 3))
    r[0, 2] = y[0, 2]
    rx = model.relevance(r).reshape(1, 4, 4, 1)
    image_model = bench.image_model()
    assert image_model.describe(0) == "Flatten" and image_model.inputs(4) == [1, 3]
    p = evaluate.perturbation(image_model, x[1:2].reshape(1, 4, 4, 1), rx, targets=[2], region=perturbed["region"],
                              steps=perturbed["steps"], order="lerf", fill="uniform", value=(-1, 1), seed=0)
    assert perturbed["lerf"]["aopc"] == pytest.approx(p.aopc, rel=1e-12)
    # the copy's forward pass equals the model's on the flat inputs
    np.testing.assert_allclose(image_model.forward(x.reshape(3, 4, 4, 1)), model.forward(x), rtol=1e-14)


def test_perturbation_steps_are_budgeted_by_the_model_size(server):
    """digits-cnn-maxpool: 3·3·1·16 weights at 6×6 positions, 2·2·16·32 at 2×2, 128·10: 14656 multiply-adds, all
    64 one-pixel regions affordable. A model 10⁴ times that size gets fewer steps, never fewer than MIN_STEPS; the
    command line's count overrides the budget."""
    from lrp.designer import workbench
    subject = server["subjects"][NET]
    bench = workbench.Workbench(subject)
    bench.forward(0)
    assert bench.multiply_adds() == 144 * 36 + 2048 * 4 + 1280
    assert bench.steps(64) == 64
    bench._multiply_adds = 14656 * 10 ** 4
    assert bench.steps(1000) == int(workbench.PERTURBATION_BUDGET // (2 * 14656 * 10 ** 4)) - 1 == 67
    bench._multiply_adds = 15.5e9
    assert bench.steps(196) == workbench.MIN_STEPS
    assert workbench.Workbench(subject, perturbation_steps=7).steps(64) == 7


def test_a_float32_engine_from_the_command_line(tmp_path):
    """--precision float32 converts the model: the page's heatmap is the float32 engine's for the same settings."""
    from lrp.designer.cli import in_precision, load_subjects, parse_arguments
    from lrp.designer.workbench import Workbench
    x = np.random.RandomState(3).uniform(-1, 1, (2, 8, 8, 1))
    np.save(tmp_path / "x.npy", x)
    args = parse_arguments(["--model", MODEL, "--images", str(tmp_path / "x.npy"), "--precision", "float32"])
    subject = in_precision(load_subjects(args), args.precision)[0]
    assert subject.model.dtype == np.float32
    segments = [{"first": 0, "last": 7, "rule": "epsilon:0.01"}]
    answer = Workbench(subject).explain(1, 4, segments)
    model = model_io.read(MODEL)._model.astype(np.float32)
    model.set_rule_spec(-1, "epsilon:0.01")
    model.set_rule_spec(7, "pass")
    y = model.forward(x[1:2])
    r = np.zeros(y.shape, dtype=np.float32)
    r[0, 4] = model.trace(7, 0)[0, 4]
    expected = model.relevance(r).reshape(8, 8)
    np.testing.assert_allclose(page_map(answer["heatmap"]), expected, rtol=1e-6, atol=1e-7)
    assert not np.allclose(page_map(answer["heatmap"]), reference(subject, segments, 1, 4)[4], rtol=1e-12, atol=0)
