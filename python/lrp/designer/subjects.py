"""What the designer explains: a network with its images ("subjects"), from the command line or the defaults.

A subject holds the model, the images as the model takes them (`inputs`, N × input shape), the same images for
the page (`display`, N×H×W×C scaled to [0, 1]), the class names and the input's value range (`bounds`, the
range of zB and of the perturbation noise) and, where known, each image's ground-truth box of the object
(`boxes`, N×4 as top, left, bottom, right, bottom/right exclusive: the localization scores μ and μ_w). Image
files (PNG, JPEG, anything Pillow reads) are read with lrp.images: resized to the model's input height and width
with Pillow's bilinear filter, converted to grey or RGB by the input's channels, and their 0…255 values mapped
linearly onto `--input-range` (default 0,1).
"""

import contextlib
import importlib.util
import io
import os

import numpy as np

from .. import data_io, model_io
from ..errors import LRPArgumentError, LRPIOError
from ..images import Preprocessing, image_files


#: The folder holding python/ (the repository), from which the defaults are found.
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class Subject:
    """A network and the images it is explained on."""

    def __init__(self, key, name, model, inputs, display, class_names, bounds, labels=None, source="", boxes=None):
        self.key, self.name, self.model = key, name, model
        self.inputs, self.display = inputs, display
        self.class_names = list(class_names)
        self.bounds = (float(bounds[0]), float(bounds[1]))
        self.labels = labels
        self.source = source
        self.boxes = None if boxes is None else check_boxes(boxes, len(self), self.image_shape)

    @property
    def image_shape(self):
        """(H, W, C) of the page's images."""
        return tuple(int(d) for d in self.display.shape[1:])

    def __len__(self):
        return int(self.inputs.shape[0])


def check_boxes(boxes, count, shape, where="boxes"):
    """`boxes` as a count×4 integer array of (top, left, bottom, right) inside images of `shape` (H, W, C)."""
    b = np.asarray(boxes)
    if b.shape != (count, 4):
        raise LRPArgumentError("%s: one box (top, left, bottom, right) per image is needed, %d × 4, got shape %s"
                               % (where, count, b.shape), 1)
    if not np.all(np.isfinite(b.astype(np.float64))) or np.any(b != np.round(b)):
        raise LRPArgumentError("%s: box coordinates must be whole numbers" % where, 1)
    b = b.astype(np.int64)
    h, w = shape[0], shape[1]
    bad = np.flatnonzero((b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > h) | (b[:, 3] > w) | (b[:, 0] >= b[:, 2])
                         | (b[:, 1] >= b[:, 3]))
    if bad.size:
        raise LRPArgumentError("%s: box %d %s is not a box inside the %d×%d image (top < bottom ≤ %d, left < right ≤ %d)"
                               % (where, bad[0], b[bad[0]].tolist(), h, w, h, w), 1)
    return b


def read_boxes(path, count, shape):
    """The boxes of --boxes: an .npy or a text file of rows top, left, bottom, right ('#' starts a comment)."""
    try:
        if path.lower().endswith(".npy"):
            boxes = np.load(path, allow_pickle=False)
        else:
            boxes = np.loadtxt(path, ndmin=2, comments="#")
    except (OSError, ValueError) as error:
        raise LRPIOError("cannot read the boxes %s: %s" % (path, error)) from None
    return check_boxes(boxes, count, shape, path)


def _model(net):
    """The lrp.Model behind a network read by model_io."""
    return getattr(net, "_model", net)


def to_display(x, shape, bounds):
    """Model inputs as page images: reshaped to N×H×W×C, mapped from `bounds` to [0, 1]."""
    low, high = bounds
    images = np.reshape(x, (x.shape[0],) + tuple(shape)).astype(np.float64)
    return np.clip((images - low) / max(high - low, 1e-300), 0.0, 1.0)


def _import_digits():
    """examples/python/digits.py: the project's split of scikit-learn's digits (its one definition)."""
    path = os.path.join(REPOSITORY, "examples", "python", "digits.py")
    spec = importlib.util.spec_from_file_location("lrp_designer_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quietly():
    """Silences the toolbox's log lines ("loading … from …") of model_io and data_io."""
    return contextlib.redirect_stdout(io.StringIO())


def _quiet_read(path, **kwargs):
    """model_io.read without the toolbox's log line."""
    with _quietly():
        return model_io.read(path, **kwargs)


def default_subjects(per_class=2, shared=None):
    """The project's digit classifiers on held-out digits (the first `per_class` of each class), and when ../shared
    is there LeNet-5 on the first MNIST test digits (padded to 32×32 as the toolbox's demo does) and the
    localization benchmark's classifier on cluttered-MNIST evaluation canvases with their boxes. Each model's relu
    patterns (PatternNet, PatternAttribution) are fitted as `make demo` fits them: on the training digits, for
    LeNet-5 on MNIST test digits 5000–6999, apart from those explained, for the cluttered classifier on its first
    500 training canvases."""
    models = os.path.join(REPOSITORY, "models")
    if not os.path.exists(os.path.join(models, "digits-mlp.txt")):
        raise LRPIOError("no models found in %s: give --model (and --images)" % models)
    digits = _import_digits()
    subjects = []
    names = [str(k) for k in range(10)]
    for key, images in [("digits-cnn-maxpool", True), ("digits-cnn-sumpool", True), ("digits-mlp", False)]:
        x_train, _, x_test, y_test = digits.load(images=images)
        labels = y_test.argmax(axis=1)
        picks = [int(i) for c in range(10) for i in np.flatnonzero(labels == c)[:per_class]]
        x = x_test[picks]
        net = _quiet_read(os.path.join(models, key + ".txt"))
        net.fit_patterns(x_train, pattern_type="relu", progress=False)
        subjects.append(Subject(key, key + " (scikit-learn digits)", _model(net), x, to_display(x, (8, 8, 1), (-1, 1)),
                                names, (-1.0, 1.0), labels[picks], "models/%s.txt" % key))
    shared = shared or os.path.join(os.path.dirname(REPOSITORY), "shared")
    lenet = os.path.join(shared, "models", "LeNet-5.txt")
    mnist = os.path.join(shared, "data", "mnist", "test_images.mat")
    if os.path.exists(lenet) and os.path.exists(mnist):
        with _quietly():
            images = data_io.read(mnist)
            labels = data_io.read(os.path.join(shared, "data", "mnist", "test_labels.npy"))[:10 * per_class, 0]
        padded = np.pad((images / 127.5 - 1).reshape(-1, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), "constant",
                        constant_values=-1.0)
        x = padded[:10 * per_class]
        net = _quiet_read(lenet)
        net.fit_patterns(padded[5000:7000], pattern_type="relu", progress=False)
        subjects.insert(0, Subject("lenet5-mnist", "LeNet-5 (LRP Toolbox, MNIST)", _model(net), x,
                                   to_display(x, (32, 32, 1), (-1, 1)), names, (-1.0, 1.0), labels.astype(int),
                                   "../shared/models/LeNet-5.txt"))
        subjects.insert(1, _cluttered_subject(shared, per_class))
    return subjects


def _cluttered_subject(shared, per_class):
    """models/mnist-clutter-cnn.txt on the first `per_class` evaluation canvases of each class, with their boxes."""
    spec = importlib.util.spec_from_file_location("lrp_designer_cluttered",
                                                  os.path.join(REPOSITORY, "examples", "python", "cluttered_mnist.py"))
    cluttered = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cluttered)
    with _quietly():
        (x_train, _, _), (x, y, boxes) = cluttered.split(shared)
    labels = y.argmax(axis=1)
    picks = [int(i) for c in range(10) for i in np.flatnonzero(labels == c)[:per_class]]
    net = _quiet_read(os.path.join(REPOSITORY, "models", "mnist-clutter-cnn.txt"))
    net.fit_patterns(x_train[:500], pattern_type="relu", progress=False)
    return Subject("mnist-clutter-cnn", "mnist-clutter-cnn (cluttered MNIST, boxes)", _model(net), x[picks],
                   to_display(x[picks], (64, 64, 1), (-1, 1)), [str(k) for k in range(10)], (-1.0, 1.0),
                   labels[picks], "models/mnist-clutter-cnn.txt", boxes[picks])


def _parse_numbers(text, count, what):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise LRPArgumentError("%s takes %d comma-separated numbers, got %r" % (what, count, text), 1) from None
    if len(values) != count:
        raise LRPArgumentError("%s takes %d comma-separated numbers, got %r" % (what, count, text), 1)
    return values


def _read_images(path, shape, bounds):
    """The image files of `path` (a file or a folder) as N×H×W×C inputs in `bounds`, resized to shape (H, W, C)
    with lrp.images (stretched, bilinear)."""
    prep = Preprocessing(shape[0], shape[1], shape[2], "stretch", bounds[0], bounds[1])
    return prep.inputs(np.stack([prep.picture(f) for f in image_files([path])]))


def user_subject(model_path, images, weights=None, architecture=None, labels=None, input_range=None,
                 image_shape=None, patterns=None, boxes=None):
    """A subject from the command line: the model file (any format model_io.read takes) and images (a folder or
    a file of images, or an .npy of model inputs N × input shape). `image_shape` "H,W,C" is needed where the
    model does not declare its input (the toolbox's text format) and the images are files, or to draw flat
    inputs as images; `input_range` "LOW,HIGH" is the value range pixels map to (default 0,1); `patterns` a file
    of PatternNet's patterns (iNNvestigate's layout or a liblrp model archive) to set; `boxes` a file of one
    ground-truth box per image (read_boxes), for the localization scores."""
    for path in [model_path, images] + [p for p in (weights, architecture, labels, patterns, boxes) if p]:
        if not os.path.exists(path):
            raise LRPIOError("no such file or directory: %s" % path)
    net = _quiet_read(model_path, weights=weights, architecture=architecture)
    model = _model(net)
    if patterns:
        model.load_patterns(patterns)
    bounds = tuple(_parse_numbers(input_range, 2, "--input-range")) if input_range else None
    if bounds is not None and not bounds[0] < bounds[1]:
        raise LRPArgumentError("--input-range needs LOW < HIGH, got %r" % input_range, 1)
    declared = model.input_shape()
    shape = tuple(int(v) for v in _parse_numbers(image_shape, 3, "--image-shape")) if image_shape else None
    if shape is not None and min(shape) < 1:
        raise LRPArgumentError("--image-shape needs positive sizes, got %r" % image_shape, 1)
    if images.lower().endswith(".npy"):
        x = np.asarray(np.load(images, allow_pickle=False), dtype=np.float64)
        if x.ndim < 2:
            raise LRPArgumentError("%s: the images must be N × input shape, got shape %s" % (images, x.shape), 1)
        if declared and tuple(x.shape[1:]) != tuple(declared):
            raise LRPArgumentError("%s: images of shape %s, the model takes %s" % (images, x.shape[1:], tuple(declared)), 1)
        if shape is None:
            shape = tuple(x.shape[1:]) if x.ndim == 4 else _square(int(np.prod(x.shape[1:])))
        if int(np.prod(shape)) != int(np.prod(x.shape[1:])):
            raise LRPArgumentError("--image-shape %s does not hold inputs of shape %s" % (shape, x.shape[1:]), 1)
        bounds = bounds or (float(x.min()), float(x.max()) if x.max() > x.min() else float(x.min()) + 1)
    else:
        shape = shape or (tuple(declared) if declared and len(declared) == 3 else None)
        if shape is None:
            raise LRPArgumentError("the model does not declare its input shape: give --image-shape H,W,C", 1)
        bounds = bounds or (0.0, 1.0)
        x = _read_images(images, shape, bounds)
        if declared and len(declared) == 1:
            x = x.reshape(x.shape[0], -1)
    x = np.ascontiguousarray(x)
    classes = int(np.prod(model.output_shape(x[:1].shape)))
    names = [str(k) for k in range(classes)]
    if labels:
        with open(labels, encoding="utf-8") as f:
            given = [line.strip() for line in f if line.strip()]
        if len(given) != classes:
            raise LRPArgumentError("%s names %d classes, the model has %d" % (labels, len(given), classes), 1)
        names = given
    key = os.path.splitext(os.path.basename(model_path))[0]
    return Subject(key, key, model, x, to_display(x, shape, bounds), names, bounds, None, model_path,
                   read_boxes(boxes, x.shape[0], shape) if boxes else None)


def _square(n):
    """(s, s, 1) for a square number n, else (1, n, 1): how a flat input is drawn."""
    s = int(round(n ** 0.5))
    return (s, s, 1) if s * s == n else (1, n, 1)
