"""The designer's computations on one subject, with the forward pass of the current image kept.

Every result comes from the library's own functions — `relevance_at` (heatmaps at the segments' borders and the
per-layer sums), `channel_statistics`, `relevance_conditional`, `forward(ablate=…)`, `evaluate.flip` and
`evaluate.perturbation` — so the page shows exactly what the Python API gives for the same settings.

What is explained is the score of the chosen class entering a final SoftMax (the logit), as in VisLRPDesigner
and zennit; for a model without a final SoftMax, its output. The initial relevance is that score at the class,
0 elsewhere, given at the model output; the final SoftMax, which is not part of what is explained, passes it on
("pass") whatever rule its segment names.
"""

import threading
import time

import numpy as np

from .. import evaluate
from ..errors import LRPArgumentError, LRPError
from ..model import Model
from . import designs
from .subjects import to_display

#: The most neurons whose conditional heatmaps one request returns.
MAX_CONDITIONAL = 64
#: The multiply-adds one perturbation request may spend (both orders): ~2 s at 20 GFLOP/s. A model that needs more
#: for min(100, regions) steps takes fewer, at least MIN_STEPS (a VGG-16's 15.5 G a pass: 10 steps, 22 passes).
PERTURBATION_BUDGET = 2e10
MIN_STEPS = 10


def grid_shape(n):
    """(rows, columns) of the near-square grid a flat vector of n values is drawn as."""
    columns = max(1, int(np.ceil(np.sqrt(n))))
    return int(np.ceil(n / columns)), columns


def as_map(values):
    """One sample's values (any shape but the batch axis) as a 2-D map: H×W×C summed over C, vectors as a
    near-square grid (NaN where the grid has no value)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 3:
        return v.sum(axis=-1)
    if v.ndim == 2:
        return v
    flat = v.ravel()
    rows, columns = grid_shape(flat.size)
    grid = np.full(rows * columns, np.nan)
    grid[:flat.size] = flat
    return grid.reshape(rows, columns)


def map_json(values):
    """A 2-D map for the page: height, width, row-major values (null for NaN), and its range."""
    m = np.asarray(values, dtype=np.float64)
    finite = m[np.isfinite(m)]
    return {"height": int(m.shape[0]), "width": int(m.shape[1]),
            "values": [_number(v) for v in m.ravel()],
            "min": float(finite.min()) if finite.size else 0.0, "max": float(finite.max()) if finite.size else 0.0,
            "sum": float(finite.sum()) if finite.size else 0.0}


class Workbench:
    """A subject's model with its current image's forward pass; one request at a time (a lock)."""

    def __init__(self, subject, perturbation_steps=None):
        self.subject = subject
        self.perturbation_steps = perturbation_steps
        self._multiply_adds = None
        self.model = subject.model
        self.lock = threading.Lock()
        self.layer_count = len(self.model)
        self._image = None
        self._presets = None
        self._image_model = None
        self.softmax = self.model.final_softmax()
        self.layers = self._describe_layers()
        #: The named composites as example designs for this model.
        self.examples = [{"name": n, "segments": designs.example_segments(self.model, n, subject.bounds)}
                         for n in designs.EXAMPLES]

    # -- the model ------------------------------------------------------------------------------------

    def _describe_layers(self):
        """The ruler's layers: index, name, header, kind, inputs and lane (branches side by side)."""
        layers, lanes, taken = [], {-1: 0}, {0: -1}
        for i in range(self.layer_count):
            header = self.model.describe(i)
            inputs = self.model.inputs(i)
            # A layer continues the lane of an input that is the last layer of its lane; otherwise it opens a lane
            # (a branch beside the layers it runs parallel to).
            ends = [lanes.get(j, 0) for j in inputs if taken.get(lanes.get(j, 0)) == j]
            lane = min(ends) if ends else max(taken) + 1
            taken[lane] = i
            lanes[i] = lane
            layers.append({"index": i, "name": self.model.name(i), "header": header, "kind": header.split()[0],
                           "inputs": inputs, "lane": lane})
        return layers

    def image_model(self):
        """A model that takes the page's N×H×W×C images: the model itself, or for a flat input a copy (chain or
        graph) with a Flatten node before its layers (masked flipping and perturbation replace pixels of images)."""
        if self.subject.inputs.ndim == 4:
            return self.model
        if self._image_model is None:
            if self.model.output_layer() != self.layer_count - 1:
                raise LRPArgumentError("flipping a flat-input graph needs its output to be its last layer", 1)
            copy = Model.new(self.model.dtype)
            copy.add_node("designer_image_input", "Flatten", [-1])
            for i in range(self.layer_count):
                inputs = [j + 1 for j in self.model.inputs(i)]
                copy.add_node(self.model.name(i), self.model.describe(i), inputs, *self._parameters(i))
            self._image_model = copy
        return self._image_model

    def _parameters(self, layer):
        """Layer `layer`'s parameters W and B as append and add_node take them (those it has)."""
        parameters = []
        for name in ("W", "B"):
            try:
                parameters.append(np.array(self.model.parameter(layer, name)))
            except LRPError:
                break
        return parameters

    def check_image(self, image):
        """`image` checked to be an index of the subject's images."""
        if isinstance(image, bool) or not isinstance(image, int) or not 0 <= image < len(self.subject):
            raise LRPArgumentError("image must be an index from 0 to %d, got %r" % (len(self.subject) - 1, image), 1)
        return image

    def forward(self, image):
        """Runs the forward pass of `image` unless it is the current one; returns the scores and probabilities."""
        image = self.check_image(image)
        if self._image != image:
            self._image = None
            y = self.model.forward(self.subject.inputs[image:image + 1])
            scores = self.model.trace(self.softmax, 0) if self.softmax is not None else y
            self._scores = np.asarray(scores, dtype=np.float64).reshape(-1)
            self._probabilities = np.asarray(y, dtype=np.float64).reshape(-1) if self.softmax is not None else None
            self._output_shape = y.shape
            self._image = image
        return self._scores, self._probabilities

    def apply(self, segments):
        """Sets the presets of a design's segments (checked); nothing changes on failure."""
        checked = tuple(designs.check_segments(segments, self.layer_count))
        specs = []
        for first, last, spec in checked:
            specs.extend([spec] * (last - first + 1))
        if self.softmax is not None:
            specs[self.softmax] = "pass"
        if specs == self._presets:
            return checked
        before = self._presets
        try:
            for i, spec in enumerate(specs):
                if before is None or before[i] != spec:
                    self.model.set_rule_spec(i, spec)
        except Exception:
            for i, spec in enumerate(before or [designs.unified_spec({})] * self.layer_count):
                self.model.set_rule_spec(i, spec)
            self._presets = before
            raise
        self._presets = specs
        return checked

    def canonical(self, segments):
        """The segments with each rule as the library writes it (its canonical spec), after checking them."""
        checked = self.apply(segments)
        out = []
        for first, last, spec in checked:
            inside = [i for i in range(first, last + 1) if i != self.softmax]
            out.append((first, last, self.model.rule_spec(inside[0]) if inside else spec))
        return out

    def _class(self, target, scores):
        if target is None:
            return int(np.argmax(scores))
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < scores.size:
            raise LRPArgumentError("class must be an index from 0 to %d, got %r" % (scores.size - 1, target), 1)
        return target

    def initial_relevance(self, target):
        """The score of `target` at the class, 0 elsewhere, shaped like the output."""
        r = np.zeros(int(np.prod(self._output_shape)))
        r[target] = self._scores[target]
        return r.reshape(self._output_shape)

    def top(self, scores, probabilities=None, k=None, order=None):
        """The classes best first (or in `order`), with names, scores and probabilities."""
        order = np.argsort(-scores, kind="stable")[:k] if order is None else order
        return [{"class": int(c), "name": self.subject.class_names[c], "score": float(scores[c]),
                 "probability": None if probabilities is None else float(probabilities[c])} for c in order]

    # -- requests -------------------------------------------------------------------------------------

    def _prepared(self, image, target, segments):
        scores, probabilities = self.forward(image)
        checked = self.canonical(segments)
        target = self._class(target, scores)
        return scores, probabilities, checked, target, self.initial_relevance(target)

    def explain(self, image, target, segments):
        """The heatmap of `target` (None: the top class), the relevance at each segment's lower border and the
        relevance totals entering and leaving each segment."""
        with self.lock:
            scores, probabilities, checked, target, r = self._prepared(image, target, segments)
            firsts = [first for first, _, _ in checked]
            borders, totals = self.model.relevance_at(r, [-1] + firsts, sums=True)
            totals = totals[:, 0]
            heatmap = as_map(np.reshape(borders[0], self.subject.image_shape))
            parts = []
            for (first, last, spec), border in zip(checked, borders[1:]):
                top = float(totals[last + 1]) if last + 1 < self.layer_count else float(totals[-1])
                parts.append({"first": first, "last": last, "rule": spec, "map": map_json(as_map(border[0] if border.ndim > 1 else border)),
                              "relevance_in": top, "relevance_out": float(totals[first])})
            return {"class": target, "top": self.top(scores, probabilities), "heatmap": map_json(heatmap),
                    "segments": parts, "relevance_total": float(totals[0]), "score": float(scores[target]),
                    "localization": self.localization(image, borders[0])}

    def localization(self, image, relevance):
        """μ and μ_w of the input relevance against the image's box (evaluate.localization), or None without one."""
        if self.subject.boxes is None:
            return None
        box = self.subject.boxes[image]
        scores = evaluate.localization(np.reshape(relevance, (1,) + self.subject.image_shape), box[None])
        # μ is undefined (NaN, JSON null) for a heatmap without positive relevance
        return {"box": box.tolist(), **{k: _number(getattr(scores, k)[0]) for k in ("mu", "mu_w", "inside")}}

    def neurons(self, image, target, segments, layer):
        """Per channel of `layer`'s output: positive and negative relevance and activation sums."""
        with self.lock:
            _, _, _, target, r = self._prepared(image, target, segments)
            layer = self._check_layer(layer)
            stats = self.model.channel_statistics(r, layer)
            activation = self.model.trace(layer, 1)
            return {"layer": layer, "class": target, "channels": int(stats.positive.shape[1]),
                    "map_shape": list(activation.shape[1:-1]) or [1],
                    "positive": stats.positive[0].tolist(), "negative": stats.negative[0].tolist(),
                    "activation": stats.activation[0].tolist()}

    def conditional(self, image, target, segments, layer, channels):
        """For each of `channels` of `layer`: the input heatmap of the relevance flowing through it alone (CRP)
        and the channel's activation map."""
        with self.lock:
            _, _, _, target, r = self._prepared(image, target, segments)
            layer = self._check_layer(layer)
            channels = self._check_channels(layer, channels)[:MAX_CONDITIONAL]
            if not channels:
                return {"layer": layer, "class": target, "neurons": []}
            maps = self.model.relevance_conditional(r, layer, channels)
            activation = self.model.trace(layer, 1)[0]
            neurons = []
            for c, m in zip(channels, maps):
                a = activation[..., c]
                neurons.append({"channel": c, "relevance": map_json(as_map(np.reshape(m[0], self.subject.image_shape))),
                                "activation": map_json(a if a.ndim == 2 else np.reshape(a, (1, -1)))})
            return {"layer": layer, "class": target, "neurons": neurons}

    def ablate(self, image, layer, channels):
        """The prediction with `channels` of `layer` set to 0, beside the original."""
        with self.lock:
            scores, probabilities = self.forward(image)
            layer = self._check_layer(layer)
            channels = self._check_channels(layer, channels)
            y = np.asarray(self.model.forward(self.subject.inputs[image:image + 1], ablate={layer: channels})).reshape(-1)
            if self.softmax is not None:
                # The ablated pass returns probabilities (it keeps no traces, so no logits): both sides rank by them.
                before, after = self.top(probabilities, probabilities, 10), self.top(y, y, 10)
                for entry in before:
                    entry["score"] = float(scores[entry["class"]])
                for entry in after:
                    entry["score"] = None
            else:
                before, after = self.top(scores, None, 10), self.top(y, None, 10)
            return {"layer": layer, "channels": channels, "before": before, "after": after}

    def flip(self, image, mask):
        """Masked flipping: the pixels of `mask` (flat indices into H×W) times −1, the new prediction beside the
        original (the library's evaluate.flip with fill 'invert')."""
        with self.lock:
            image = self.check_image(image)
            h, w, _ = self.subject.image_shape
            flags = np.zeros(h * w, dtype=bool)
            indices = _indices(mask, h * w)
            flags[indices] = True
            x = self.subject.inputs[image:image + 1].reshape((1,) + self.subject.image_shape)
            top = min(10, len(self.subject.class_names))
            result = evaluate.flip(self.image_model(), x, flags.reshape(h, w), fill="invert", top=top)
            flipped = to_display(result.X, self.subject.image_shape, self.subject.bounds)[0].ravel().tolist()
            return {"pixels": len(indices), "before": self.top(result.before[0], order=result.top_before[0]),
                    "after": self.top(result.after[0], order=result.top_after[0]), "image": flipped}

    def multiply_adds(self):
        """The multiply-adds of one sample's forward pass through the Linear and Convolution layers (from the
        current image's traces); what perturbation's step count is budgeted by."""
        if self._multiply_adds is None:
            total = 0
            for i in range(self.layer_count):
                kind = self.layers[i]["kind"]
                if kind in ("Linear", "Convolution"):
                    weights = int(np.prod(self.model.parameter(i, "W").shape))
                    positions = int(np.prod(self.model.trace_shape(i, 1)[1:-1])) if kind == "Convolution" else 1
                    total += weights * positions
            self._multiply_adds = total
        return self._multiply_adds

    def steps(self, regions):
        """Perturbation steps: the command line's, else min(100, regions) within PERTURBATION_BUDGET (at least
        MIN_STEPS); the same for every request on this model, so its AOPCs compare."""
        if self.perturbation_steps is not None:
            return min(self.perturbation_steps, regions)
        affordable = int(PERTURBATION_BUDGET // max(1, 2 * self.multiply_adds()))
        return min(100, regions, max(MIN_STEPS, affordable - 1))

    def perturbation(self, image, target, segments, steps=None):
        """MoRF and LeRF region perturbation of this heatmap: curves and AOPC (evaluate.perturbation, uniform
        noise in the subject's bounds, seed 0); `steps` None: self.steps."""
        with self.lock:
            _, _, _, target, r = self._prepared(image, target, segments)
            relevance = self.model.relevance_at(r, [-1])[0]
            h, w, _ = self.subject.image_shape
            region = max(1, int(round(min(h, w) / 14)))
            regions = -(-h // region) * -(-w // region)
            steps = self.steps(regions) if steps is None else steps
            x = self.subject.inputs[image:image + 1].reshape((1,) + self.subject.image_shape)
            rx = np.reshape(relevance, (1,) + self.subject.image_shape)
            out = {"class": target, "region": region, "steps": steps}
            for order in ("morf", "lerf"):
                p = evaluate.perturbation(self.image_model(), x, rx, targets=[target], region=region, steps=steps,
                                          order=order, fill="uniform", value=self.subject.bounds, seed=0)
                out[order] = {"aopc": p.aopc, "curve": p.curves[0].tolist()}
            return out

    # -- checks ---------------------------------------------------------------------------------------

    def _check_layer(self, layer):
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < self.layer_count:
            raise LRPArgumentError("layer must be an index from 0 to %d, got %r" % (self.layer_count - 1, layer), 1)
        return layer

    def _check_channels(self, layer, channels):
        count = int(self.model.trace_shape(layer, 1)[-1])
        if not isinstance(channels, list):
            raise LRPArgumentError("channels must be a list of channel indices", 1)
        return sorted(set(_indices(channels, count, "channel")))


def _indices(values, count, what="pixel"):
    """A list of integer indices in 0 … count − 1."""
    if not isinstance(values, list) or len(values) > count:
        raise LRPArgumentError("%ss must be a list of at most %d indices" % (what, count), 1)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < count:
            raise LRPArgumentError("%s index %r is not in 0 … %d" % (what, v, count - 1), 1)
    return list(values)


def _number(value):
    """A float for JSON: None for NaN or ±∞."""
    return float(value) if np.isfinite(value) else None


def timed(function, *args, **kwargs):
    """function's result with its run time in milliseconds under "elapsed_ms"."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    result["elapsed_ms"] = (time.perf_counter() - start) * 1e3
    return result
