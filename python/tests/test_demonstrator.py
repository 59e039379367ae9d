"""lrp-demonstrator, the LRP Toolbox's Caffe demonstrator on liblrp, run as its users run it: a config file, a
file list and a prepend path; its outputs compared with liblrp's Python API on input prepared here straight
from spec/demonstrator.md (crop or edge padding, mean cropped from the centre, BGR, 0–255) and with the
rules of each relpropformulatype set here from the spec's table."""

import os
import subprocess

import numpy as np
import pytest
from PIL import Image

from conftest import REPOSITORY, relative_error, shared
from lrp import model_io

BINARY = os.path.join(REPOSITORY, ".build", "release", "lrp-demonstrator")
CAFFE = os.path.join(REPOSITORY, "Tests", "fixtures", "caffe")
ROOT = "someimages"
SUFFIXES = ("_rawhm.txt", "_top10scores.txt", "_heatmap.png", "_as_inputted_into_the_dnn.png")


@pytest.fixture(scope="session")
def demonstrator():
    """The binary, built by make (a no-op when it is up to date)."""
    subprocess.run(["make", "-s", "demonstrator"], cwd=REPOSITORY, check=True, stdout=subprocess.DEVNULL)
    return BINARY


class Net:
    """A Caffe net of the tests with its files and a mean image (channels × H × W, BGR for colour nets)."""

    def __init__(self, prototxt, weights, classes, mean):
        self.prototxt, self.weights, self.classes, self.mean = prototxt, weights, classes, mean


def branchy():
    return Net(os.path.join(CAFFE, "branchy_deploy.prototxt"), os.path.join(CAFFE, "branchy.caffemodel"), 4,
               np.load(os.path.join(CAFFE, "mean.npy")))


def lenet(name):
    grid = np.add.outer(np.arange(30.0), np.arange(30.0)) * 0.5  # a 1×30×30 mean that is not constant
    return Net(shared("models/caffe/%s_deploy.prototxt" % name), shared("models/caffe/%s.caffemodel" % name), 10,
               grid[None])


def write_text_mean(path, mean):
    """use_mean_file_asbinaryprotoblob 0: "C H W", then the values channel by channel, each column by column."""
    c, h, w = mean.shape
    values = " ".join(repr(float(v)) for v in mean.transpose(0, 2, 1).reshape(-1))
    with open(path, "w") as f:
        f.write("%d %d %d\n%s\n" % (c, h, w, values))


def write_config(folder, net, mean_file, mean_form, formula=0, last=-1, first=0, eps=0.01, beta=1.0, aux=None,
                 baseimgsize=14, numclasses=None, omit=()):
    """A config laid out as the toolbox's config.txt: key line, value line, blank lines and comment lines."""
    synsets = os.path.join(folder, "synset_words.txt")
    with open(synsets, "w") as f:
        f.write("".join("n%08d class number %d\n" % (k, k) for k in range(net.classes)))
    pairs = [("param_file", net.prototxt), ("model_file", net.weights), ("mean_file", mean_file),
             ("synsetfile", synsets), ("use_mean_file_asbinaryprotoblob", mean_form), ("lastlayerindex", last),
             ("firstlayerindex", first), ("numclasses", net.classes if numclasses is None else numclasses),
             ("baseimgsize", baseimgsize), ("standalone_outpath", "./lrp_output"), ("standalone_rootpath", ROOT),
             ("epsstab", eps), ("alphabeta_beta", beta), ("relpropformulatype", formula)]
    if aux is not None:
        pairs.append(("auxiliaryvariable_maxlayerindexforflatdistinconv", aux))
    text = "".join("%s\n%s\n\n" % (k, v) for k, v in pairs if k not in omit)
    text = text.replace("firstlayerindex", "-1 finds lowest softmax layer and inserts at the layer below\n"
                        "-2 find the highest innerproduct layer and inserts at this layer\n\nfirstlayerindex", 1)
    path = os.path.join(folder, "config.txt")
    with open(path, "w") as f:
        f.write(text + "\n\n\n")
    return path


def write_images(folder, images):
    """images: {name: uint8 array H×W×3 or H×W}; written as PNG under images/someimages/."""
    os.makedirs(os.path.join(folder, "images", ROOT), exist_ok=True)
    for name, pixels in images.items():
        Image.fromarray(pixels).save(os.path.join(folder, "images", ROOT, name))


def write_list(folder, lines, name="filelist.txt"):
    with open(os.path.join(folder, name), "w") as f:
        f.write("\n".join(lines) + "\n\n")
    return name


def run(binary, folder, config, filelist, *flags, ok=True):
    proc = subprocess.run([binary, *flags, config, filelist, "images"], cwd=folder, capture_output=True, text=True)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def outputs(folder, name):
    return os.path.join(folder, "lrp_output", ROOT, name)


def read_rawhm(path):
    with open(path) as f:
        lines = f.read().split("\n")
    channels = int(lines[0])
    height, width = (int(t) for t in lines[1].split())
    rows = [[float(t) for t in line.split()] for line in lines[2:2 + channels * height]]
    assert all(len(row) == width for row in rows)
    return np.array(rows).reshape(channels, height, width)


def read_scores(path):
    with open(path) as f:
        rows = [line.split() for line in f if line.strip()]
    return [int(k) for k, _ in rows], np.array([float(v) for _, v in rows])


def fit(pixels, axis, target):
    """Centre crop, or padding by repeating the edge, of one axis to `target` (spec: Preprocessing 3)."""
    size = pixels.shape[axis]
    if size >= target:
        return np.take(pixels, range((size - target) // 2, (size - target) // 2 + target), axis=axis)
    before = (target - size) // 2
    widths = [(0, 0)] * pixels.ndim
    widths[axis] = (before, target - size - before)
    return np.pad(pixels, widths, mode="edge")


def prepare(pixels, height, width, mean):
    """The net input (H × W × C, BGR) and the crop as shown, for an image that needs no resizing."""
    rgb = pixels.astype(np.float64)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    crop = fit(fit(rgb, 0, height), 1, width)
    top, left = (mean.shape[1] - height) // 2, (mean.shape[2] - width) // 2
    mean_crop = mean[:, top:top + height, left:left + width].transpose(1, 2, 0)
    channels = mean.shape[0]
    shown = crop if channels == 3 else crop[:, :, :1]
    net_input = (shown[:, :, ::-1] if channels == 3 else shown) - mean_crop
    return net_input, crop, mean_crop


def kernel_rule(formula, convolution, index, eps, beta, aux):
    """The rule of a Convolution or InnerProduct layer with Caffe index `index` (spec: Relevance)."""
    epsilon, alphabeta = ("epsilon", eps), ("alphabeta", 1.0 + beta)
    low = aux is not None and index <= aux
    composite = alphabeta if convolution else epsilon
    return {0: epsilon, 8: epsilon, 2: alphabeta, 6: alphabeta,
            54: ("flat",) if low else epsilon, 56: ("ww",) if low else epsilon,
            58: ("flat",) if low else alphabeta, 60: ("ww",) if low else alphabeta,
            100: composite, 102: ("flat",) if low else composite, 104: ("ww",) if low else composite,
            114: alphabeta if low else epsilon}[formula]


def expected(net, inputs, codes, formula=0, last=-1, first=0, eps=0.01, beta=1.0, aux=None, mean_crop=None):
    """(relevance C×H×W per image in the rawhm file's RGB order, network output) from the Python API."""
    nn = model_io.read(net.prototxt, weights=net.weights)
    layers = model_io.caffe_layers(net.prototxt, nn)
    types = [kind for _, kind, _ in layers]
    if last == -1:
        last = types.index("Softmax") - 1
    elif last == -2:
        last = max(i for i, kind in enumerate(types) if kind == "InnerProduct")
    start, target = layers[last][2], layers[first][2]
    every = {11: "gradient", 99: "gradient", 26: "deconvnet", 166: "guided_backprop"}.get(formula)
    for module in nn.modules:
        module.set_lrp_parameters(every or "simple")
    if every is None:
        caffe_index = {}
        for k, (_, _, layer) in enumerate(layers):
            caffe_index.setdefault(layer, k)
        zb_pending = formula in (6, 8)
        for layer, module in enumerate(nn.modules):
            kind = type(module).__name__
            if kind not in ("Convolution", "Linear"):
                continue
            if zb_pending and caffe_index[layer] >= first:
                low = -mean_crop.max(axis=(0, 1))
                high = 255.0 - mean_crop.min(axis=(0, 1))
                module.set_lrp_parameters("zb:low=[%s],high=[%s],epsilon=1e-12" % (
                    " ".join(repr(float(v)) for v in low), " ".join(repr(float(v)) for v in high)))
                zb_pending = False
                continue
            module.set_lrp_parameters(*kernel_rule(formula, kind == "Convolution", caffe_index[layer], eps, beta, aux))
    x = np.stack(inputs)
    y = nn.forward(x)
    scores = nn._model.trace(start)
    r = np.zeros_like(scores)
    for i, code in enumerate(codes):
        order = np.argsort(-y[i], kind="stable")
        classes = [order[0]] if code == -1 else list(order[:5]) if code == -2 else [code]
        r[i, classes] = scores[i, classes]
    relevance = nn.lrp_layers(r, [target], start=start)[0]
    maps = []
    for rel in relevance:
        if rel.ndim == 3:
            rel = rel.transpose(2, 0, 1)[::-1]
        if formula in (11, 99):
            rel = np.repeat(np.sqrt((rel ** 2).sum(axis=0, keepdims=True)), rel.shape[0], axis=0)
        maps.append(rel)
    return maps, y


def branchy_case(tmp_path, images, form=1):
    """A folder with the branchy net's config (mean form 0, 1 or 2), images and file list."""
    net = branchy()
    os.makedirs(tmp_path, exist_ok=True)
    mean_file = os.path.join(CAFFE, "mean.binaryproto")
    if form == 0:
        mean_file = str(tmp_path / "mean.txt")
        write_text_mean(mean_file, net.mean)
    write_images(tmp_path, images)
    return net, mean_file


def pictures(seed):
    rng = np.random.default_rng(seed)
    return {"wide.png": rng.integers(0, 256, (11, 14, 3), dtype=np.uint8),   # crops the width 14 → 11
            "tall.png": rng.integers(0, 256, (14, 9, 3), dtype=np.uint8),    # crops 14 → 11, pads 9 → 11
            "grey.png": rng.integers(0, 256, (14, 14), dtype=np.uint8)}      # grey, replicated to 3 channels


@pytest.mark.parametrize("formula,aux,last,eps,beta", [
    (0, None, -1, 0.01, 1.0), (2, None, -1, 0.01, 1.0), (2, None, -1, 0.01, 0.0), (6, None, -1, 0.01, 1.0),
    (8, None, -1, 0.5, 1.0), (11, None, -1, 0.01, 1.0), (26, None, -1, 0.01, 1.0), (54, 1, -1, 0.01, 1.0),
    (56, 1, -1, 0.01, 1.0), (58, 6, -1, 0.01, 1.0), (60, 6, -1, 0.01, 1.0), (99, None, -1, 0.01, 1.0),
    (100, None, -1, 0.01, 1.0), (102, 6, -1, 0.01, 1.0), (104, 1, -2, 0.01, 1.0), (114, 15, -1, 0.01, 1.0),
    (166, None, -1, 0.01, 1.0), (100, None, 19, 0.01, 1.0)])
def test_formula_types_on_branchy_match_the_python_api(demonstrator, tmp_path, formula, aux, last, eps, beta):
    images = pictures(formula)
    net, mean_file = branchy_case(tmp_path, images)
    config = write_config(str(tmp_path), net, mean_file, 1, formula=formula, last=last, eps=eps, beta=beta, aux=aux)
    names = sorted(images)
    codes = [-1, 2, -2]
    filelist = write_list(tmp_path, ["%s/%s %d" % (ROOT, n, c) for n, c in zip(names, codes)])
    proc = run(demonstrator, tmp_path, config, filelist)
    assert proc.stdout.count("_rawhm.txt") == 3 and "finished" in proc.stdout
    prepared = [prepare(images[n], 11, 11, net.mean) for n in names]
    maps, y = expected(net, [p[0] for p in prepared], codes, formula, last, 0, eps, beta, aux, prepared[0][2])
    for name, want, scores, (_, crop, _) in zip(names, maps, y, prepared):
        got = read_rawhm(outputs(tmp_path, name + "_rawhm.txt"))
        assert got.shape == (3, 11, 11)
        assert np.abs(want).max() > 0
        assert relative_error(got, want) <= 1e-9, (name, relative_error(got, want))
        top, values = read_scores(outputs(tmp_path, name + "_top10scores.txt"))
        assert top == list(np.argsort(-scores, kind="stable")[:10])
        assert relative_error(values, scores[top]) <= 1e-15
        shown = np.asarray(Image.open(outputs(tmp_path, name + "_as_inputted_into_the_dnn.png")).convert("RGB"))
        assert np.array_equal(shown, crop.astype(np.uint8))


def test_mean_file_forms_and_a_shape_field_blob(demonstrator, tmp_path):
    images = pictures(7)
    results = {}
    for form in (0, 1, 2):
        folder = tmp_path / str(form)
        net, mean_file = branchy_case(folder, images, form)
        config = write_config(str(folder), net, mean_file, form, formula=0)
        run(demonstrator, folder, config, write_list(folder, ["%s/wide.png -1" % ROOT]))
        results[form] = read_rawhm(outputs(folder, "wide.png_rawhm.txt"))
        mean = net.mean if form != 2 else net.mean[::-1]     # form 2: the file's channels are RGB
        prepared = prepare(images["wide.png"], 11, 11, mean)
        want, _ = expected(net, [prepared[0]], [-1])
        assert relative_error(results[form], want[0]) <= 1e-9, form
    assert relative_error(results[0], results[1]) <= 1e-15
    assert relative_error(results[1], results[2]) > 1e-6
    # a blob with the shape field, 3×12×16: cropped from its centre
    folder = tmp_path / "shape"
    net, _ = branchy_case(folder, images)
    config = write_config(str(folder), net, os.path.join(CAFFE, "mean_shape.binaryproto"), 1)
    run(demonstrator, folder, config, write_list(folder, ["%s/tall.png 3" % ROOT]))
    prepared = prepare(images["tall.png"], 11, 11, np.load(os.path.join(CAFFE, "mean_shape.npy")))
    want, _ = expected(net, [prepared[0]], [3])
    assert relative_error(read_rawhm(outputs(folder, "tall.png_rawhm.txt")), want[0]) <= 1e-9


def test_heatmap_picture_follows_the_spec(demonstrator, tmp_path):
    images = pictures(3)
    net, mean_file = branchy_case(tmp_path, images)
    config = write_config(str(tmp_path), net, mean_file, 1, formula=2)
    run(demonstrator, tmp_path, config, write_list(tmp_path, ["%s/%s -1" % (ROOT, n) for n in sorted(images)]))
    for name in images:
        raw = read_rawhm(outputs(tmp_path, name + "_rawhm.txt"))
        v = raw.mean(axis=0)
        v = v / v.max()
        want = np.zeros(v.shape + (3,))
        want[..., 0] = want[..., 1] = np.where(v > 0, v, 0)
        want[..., 2] = np.where(v < 0, np.minimum(-v, 1), 0)
        picture = np.asarray(Image.open(outputs(tmp_path, name + "_heatmap.png")).convert("RGB"), dtype=np.float64)
        assert np.abs(picture - 255 * want).max() <= 0.5 + 1e-9     # 8 bits, rounded
        assert (v < 0).any() and (v > 0).any()


def test_resizing_keeps_the_aspect_ratio_and_pads_the_short_side(demonstrator, tmp_path):
    # 28 × 42 (H × W): resized to 9 × 14 (longer side baseimgsize 14), cropped to 11 columns, padded to 11 rows
    pixels = np.zeros((28, 42, 3), dtype=np.uint8)
    pixels[:, :21] = (200, 30, 10)
    pixels[:, 21:] = (10, 60, 220)
    net, mean_file = branchy_case(tmp_path, {"big.png": pixels})
    config = write_config(str(tmp_path), net, mean_file, 1)
    run(demonstrator, tmp_path, config, write_list(tmp_path, ["%s/big.png -1" % ROOT]))
    shown = np.asarray(Image.open(outputs(tmp_path, "big.png_as_inputted_into_the_dnn.png")).convert("RGB"))
    assert shown.shape == (11, 11, 3)
    # columns 1 … 11 of the 14 kept: the colour edge (between resized columns 6 and 7) lies between 5 and 6;
    # beyond the reach of the resizing filter (3 pixels) the colours are exact
    assert (shown[:, 5, 0] > 128).all() and (shown[:, 6, 0] < 128).all()
    assert (shown[:, :3] == (200, 30, 10)).all() and (shown[:, 9:] == (10, 60, 220)).all()
    assert (shown[0] == shown[1]).all() and (shown[-1] == shown[-2]).all()   # the padded rows repeat the edge


@pytest.mark.parametrize("name", ["ahmdtaha_lenet", "ethereon_lenet"])
def test_grey_lenets_with_text_mean_and_top_five(demonstrator, tmp_path, name):
    net = lenet(name)
    digits = np.load(shared("models/caffe/ahmdtaha_lenet_samples.npz"))["x"][:5]
    images = {"digit%d.png" % i: d for i, d in enumerate(digits)}
    write_images(tmp_path, images)
    write_text_mean(str(tmp_path / "mean.txt"), net.mean)
    config = write_config(str(tmp_path), net, str(tmp_path / "mean.txt"), 0, formula=100, baseimgsize=28)
    names = sorted(images)
    codes = [-2, -1, 4, -2, 0]
    filelist = write_list(tmp_path, ["%s/%s %d" % (ROOT, n, c) for n, c in zip(names, codes)])
    run(demonstrator, tmp_path, config, filelist)
    prepared = [prepare(images[n], 28, 28, net.mean) for n in names]
    maps, y = expected(net, [p[0] for p in prepared], codes, 100)
    sequential = {}
    for n, want, scores in zip(names, maps, y):
        got = read_rawhm(outputs(tmp_path, n + "_rawhm.txt"))
        assert got.shape == (1, 28, 28)
        assert relative_error(got, want) <= 1e-9, n
        assert read_scores(outputs(tmp_path, n + "_top10scores.txt"))[0] == list(np.argsort(-scores, kind="stable"))
        sequential[n] = got
    # −2 is the relevance of the five top classes' summed scores: the sum of their five single heatmaps
    first = names[0]
    order = np.argsort(-y[0], kind="stable")[:5]
    singles, _ = expected(net, [prepared[0][0]] * 5, list(order), 100)
    assert relative_error(sequential[first], sum(singles)) <= 1e-9
    # the parallel mode (ethereon declares a batch of 64; ahmdtaha 1) gives the same files
    proc = run(demonstrator, tmp_path, config, filelist, "--parallel", "--minimal-output")
    batch = 64 if name == "ethereon_lenet" else 1
    assert ("%d image%s at once" % (batch, "" if batch == 1 else "s")) in proc.stdout
    for n in names:
        assert relative_error(read_rawhm(outputs(tmp_path, n + "_rawhm.txt")), sequential[n]) <= 1e-12


def test_the_toolbox_config_file_is_accepted(demonstrator, tmp_path):
    """The toolbox's config_sequential.txt layout with its own paths replaced: extra blank and comment lines,
    keys in its order, no auxiliary key."""
    net, mean_file = branchy_case(tmp_path, pictures(1))
    synsets = tmp_path / "synset_words.txt"
    synsets.write_text("".join("n%08d label %d\n" % (k, k) for k in range(4)))
    text = ("param_file\n%s\n\nmodel_file\n%s\n\nmean_file\n%s\n\nsynsetfile\n%s\n\n\n"
            "use_mean_file_asbinaryprotoblob\n1\n\nlastlayerindex\n-2\n\n"
            "-1 finds lowest softmax layer and inserts at the layer below in the top vector\n"
            "-2 find the highest innerproduct layer and inserts at this layer in the top vector\n\n"
            "firstlayerindex\n0\n\nnumclasses\n4\n\nbaseimgsize\n14\n\nstandalone_outpath\n./lrp_output\n\n"
            "standalone_rootpath\nsomeimages\n\nepsstab\n100\n\nalphabeta_beta\n1\n\nrelpropformulatype\n0\n"
            + "\n" * 14) % (net.prototxt, net.weights, mean_file, synsets)
    (tmp_path / "config.txt").write_text(text)
    run(demonstrator, tmp_path, "config.txt", write_list(tmp_path, ["someimages/wide.png -1"]))
    prepared = prepare(pictures(1)["wide.png"], 11, 11, net.mean)
    want, _ = expected(net, [prepared[0]], [-1], 0, last=-2, eps=100)
    assert relative_error(read_rawhm(outputs(tmp_path, "wide.png_rawhm.txt")), want[0]) <= 1e-9


def leftovers(folder):
    out = os.path.join(folder, "lrp_output")
    return sorted(os.path.relpath(os.path.join(d, f), out) for d, _, files in os.walk(out) for f in files)


@pytest.mark.parametrize("case,fragments", [
    ("missing key", ["config.txt", "the key epsstab is missing"]),
    ("missing file", ["config.txt:2", "param_file", "not a regular file"]),
    ("missing class code", ["filelist.txt:2", "no class code after 'someimages/tall.png'"]),
    ("bad class code", ["filelist.txt:2", "class code -3"]),
    ("class too large", ["filelist.txt:2", "not below numclasses (4)"]),
    ("missing image", ["filelist.txt:2", "images/someimages/gone.png", "not a regular file"]),
    ("undecodable image", ["filelist.txt:2", "broken.png", "does not decode"]),
    ("path without rootpath", ["filelist.txt:2", "does not contain standalone_rootpath 'someimages'"]),
    ("truncated jpeg", ["filelist.txt:2", "cut.jpg", "is corrupt", "Premature end of JPEG file"]),
    ("control character", ["filelist.txt:2", "control character 0"]),
    ("path leaving the root", ["filelist.txt:2", "leaves standalone_rootpath with '..'"]),
    ("mean size overflowing", ["mean.txt", "declares 474×382552753×2136334942 values"]),
    ("unsupported formula", ["relpropformulatype 7 is not supported", "100"]),
    ("formula without its aux key", ["relpropformulatype 54", "auxiliaryvariable_maxlayerindexforflatdistinconv"]),
    ("last layer out of range", ["lastlayerindex 99", "0 … 26"])])
def test_errors_name_the_line_or_file_and_leave_no_partial_outputs(demonstrator, tmp_path, case, fragments):
    images = pictures(2)
    net, mean_file = branchy_case(tmp_path, images)
    (tmp_path / "images" / ROOT / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    os.makedirs(tmp_path / "images" / "elsewhere", exist_ok=True)
    Image.fromarray(images["wide.png"]).save(tmp_path / "images" / "elsewhere" / "wide.png")
    full = tmp_path / "full.jpg"
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (100, 140, 3), dtype=np.uint8)).save(full, quality=90)
    data = full.read_bytes()
    (tmp_path / "images" / ROOT / "cut.jpg").write_bytes(data[:len(data) // 2])
    if case == "mean size overflowing":   # C·H·W wraps to 588 in 64 bits
        mean_file = str(tmp_path / "mean.txt")
        (tmp_path / "mean.txt").write_text("474 382552753 2136334942\n" + " 1" * 588 + "\n")
    settings = {"mean size overflowing": dict(mean_form=0), "missing key": dict(omit=("epsstab",)), "unsupported formula": dict(formula=7),
                "formula without its aux key": dict(formula=54), "last layer out of range": dict(last=99)}
    setting = dict(settings.get(case, {}))
    config = write_config(str(tmp_path), net, mean_file, setting.pop("mean_form", 1), **setting)
    if case == "missing file":
        text = (tmp_path / "config.txt").read_text().replace(net.prototxt, str(tmp_path / "nothing.prototxt"))
        (tmp_path / "config.txt").write_text(text)
    second = {"missing class code": "someimages/tall.png", "bad class code": "someimages/tall.png -3",
              "class too large": "someimages/tall.png 4", "missing image": "someimages/gone.png -1",
              "undecodable image": "someimages/broken.png -1", "path without rootpath": "elsewhere/wide.png -1",
              "truncated jpeg": "someimages/cut.jpg -1", "control character": "someimages/tall.png\0x -1",
              "path leaving the root": "someimages/../someimages/tall.png -1"}
    filelist = write_list(tmp_path, ["someimages/wide.png -1", second.get(case, "someimages/tall.png -1")])
    proc = run(demonstrator, tmp_path, config, filelist, ok=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)
    assert proc.stderr.startswith("lrp-demonstrator: error: ")
    # an image that does not decode stops the run after the images before it; nothing is half written
    done = ["wide.png" + s for s in sorted(SUFFIXES)] if case in ("undecodable image", "truncated jpeg") else []
    assert leftovers(tmp_path) == sorted(os.path.join(ROOT, f) for f in done)


def test_command_line(demonstrator, tmp_path):
    proc = subprocess.run([demonstrator, "config.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and "usage: lrp-demonstrator" in proc.stderr and "1 arguments given" in proc.stderr
    proc = subprocess.run([demonstrator, "--bogus", "a", "b", "c"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown option --bogus" in proc.stderr
    proc = subprocess.run([demonstrator, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "CONFIGFILE FILELIST PREPENDPATH" in proc.stdout
