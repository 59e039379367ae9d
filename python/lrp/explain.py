"""`lrp explain`: heatmaps of image files from the command line.

    lrp explain IMAGE_OR_FOLDER... --model PATH [--weights W | --architecture A] [--rule SPEC | --composite NAME|FILE]
                [--class top|K|topN] [--size HxW] [--channels C] [--resize stretch|crop] [--range LOW,HIGH]
                [--mean M[,M,M]] [--std S[,S,S]] [--bgr] [--batch N] [--cmap bwr] [--opacity 0.5] [--grid] [--out DIR]

Per image it writes NAME.heatmap.png (the relevance summed over channels, centred on zero, with a colour bar of
its range), NAME.overlay.png (the heatmap over the image) and NAME.relevance.npy (the input relevance, H×W×C), and
beside them explain.json: the model, rules, class choice and every preprocessing step (lrp.images), with each
image's class, score and relevance total, so a result can be reproduced. Images go through the model in batches.
What is explained is the chosen class's score entering a final SoftMax (its logit), else the model's output;
"topN" explains the sum of the N best classes' scores in one backward pass.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time

import numpy as np

from . import model_io, render
from .errors import LRPArgumentError, LRPError
from .images import Preprocessing, image_files

#: The longer side of the written heatmaps and overlays, at least (inputs are enlarged by whole pixels).
MIN_SIDE = 224


def parse_arguments(argv):
    """The command line of `lrp explain`."""
    p = argparse.ArgumentParser(prog="lrp explain", description="Explain image files with LRP: heatmap and overlay PNGs "
                                "and the raw relevance per image.")
    p.add_argument("inputs", nargs="+", help="image files or folders of them")
    p.add_argument("--model", required=True, help="a model file (any format model_io.read takes)")
    p.add_argument("--weights", help="the weights of a Caffe prototxt")
    p.add_argument("--architecture", help="the architecture JSON of a Keras weights-only .h5")
    rules = p.add_mutually_exclusive_group()
    rules.add_argument("--rule", help="one rule spec for every layer (e.g. epsilon:0.01, gamma:0.25, alphabeta:2)")
    rules.add_argument("--composite", help="a named composite (default epsilon_plus) or a composite / VisLRPDesigner JSON file")
    p.add_argument("--class", dest="target", default="top", help="top (default), a class index K, or topN (the N best together)")
    p.add_argument("--size", help="HxW the images are resized to (default: the model's declared input)")
    p.add_argument("--channels", type=int, help="1 or 3 (default: the model's declared input, else 3)")
    p.add_argument("--resize", choices=["stretch", "crop"], default="stretch",
                   help="stretch to HxW (default), or scale the shorter side to it and cut out the centre")
    p.add_argument("--range", default="0,1", help="LOW,HIGH: the values pixels 0…255 map to (default 0,1; a negative LOW as --range=-1,1)")
    p.add_argument("--mean", help="subtracted after the range mapping: one value or one per channel (RGB order)")
    p.add_argument("--std", help="divided by after the mean: one value or one per channel")
    p.add_argument("--bgr", action="store_true", help="feed channels in BGR order (Caffe models)")
    p.add_argument("--batch", type=int, default=16, help="images per forward/backward pass (default 16)")
    p.add_argument("--cmap", default="bwr", help="bwr (default), seismic, coldnhot, coolwarm or jet")
    p.add_argument("--opacity", type=float, default=0.5, help="of the heatmap over the image (default 0.5)")
    p.add_argument("--grid", action="store_true", help="also write grid.png: image, heatmap and overlay of every image")
    p.add_argument("--out", default="out/explain", help="the output folder (default out/explain)")
    return p.parse_args(argv)


def numbers(text, what):
    """Comma-separated numbers."""
    try:
        return [float(v) for v in str(text).split(",")]
    except ValueError:
        raise LRPArgumentError("%s takes comma-separated numbers, got %r" % (what, text), 1) from None


def input_geometry(model, args):
    """(height, width, channels) of the images: --size/--channels, else the model's declared input."""
    declared = model.input_shape()
    declared = tuple(declared) if declared and len(declared) == 3 else None
    if args.size:
        parts = args.size.lower().split("x")
        if len(parts) != 2 or not all(v.strip().isdigit() for v in parts):
            raise LRPArgumentError("--size takes HxW, e.g. 224x224, got %r" % args.size, 1)
        height, width = (int(v) for v in parts)
    elif declared:
        height, width = declared[:2]
    else:
        raise LRPArgumentError("the model does not declare an image input: give --size HxW (and --channels)", 1)
    channels = args.channels or (declared[2] if declared else 3)
    return height, width, channels


def target_scores(model, x, target):
    """The scores explained (logits of a final SoftMax, else the output) and the initial relevance: each
    sample's chosen class's score, or for topN the N best classes' scores, 0 elsewhere."""
    y = model.forward(x)
    softmax = model.final_softmax()
    scores = np.asarray(model.trace(softmax, 0) if softmax is not None else y, dtype=np.float64).reshape(y.shape[0], -1)
    order = np.argsort(-scores, axis=1, kind="stable")
    if target == "top":
        chosen = order[:, :1]
    elif target.startswith("top") and target[3:].isdigit() and int(target[3:]) >= 1:
        chosen = order[:, :min(int(target[3:]), scores.shape[1])]
    elif target.isdigit() and int(target) < scores.shape[1]:
        chosen = np.full((scores.shape[0], 1), int(target))
    else:
        raise LRPArgumentError("--class takes top, topN or a class index from 0 to %d, got %r"
                               % (scores.shape[1] - 1, target), 1)
    r = np.zeros_like(scores)
    rows = np.arange(scores.shape[0])[:, None]
    r[rows, chosen] = scores[rows, chosen]
    return scores, chosen, r.reshape(y.shape).astype(y.dtype)


def model_inputs(model, x):
    """The images N×H×W×C as the model takes them: as they are, or flattened to N×(H·W·C) for a model with a
    flat input (an MLP); the library's message when neither fits."""
    try:
        model.output_shape(x.shape)
        return x
    except LRPError:
        flat = x.reshape(x.shape[0], -1)
        model.output_shape(flat.shape)
        return flat


def output_names(files):
    """A distinct file stem per image (its name, with its folder's name before it where names repeat)."""
    stems = [os.path.splitext(os.path.basename(f))[0] for f in files]
    names = []
    for f, stem in zip(files, stems):
        name = stem if stems.count(stem) == 1 else "%s_%s" % (os.path.basename(os.path.dirname(os.path.abspath(f))), stem)
        while name in names:
            name += "_"
        names.append(name)
    return names


def main(argv=None):
    """lrp explain: the heatmaps, overlays and relevance of image files."""
    args = parse_arguments(argv)
    try:
        summary = run(args)
    except (LRPError, OSError) as error:
        print("lrp explain: %s" % error, file=sys.stderr)
        return 2
    print(summary)
    return 0


def run(args):
    """Explains args.inputs; returns the summary line."""
    started = time.perf_counter()
    files = image_files(args.inputs)
    if args.batch < 1:
        raise LRPArgumentError("--batch must be at least 1", 1)
    with contextlib.redirect_stdout(io.StringIO()):
        net = model_io.read(args.model, weights=args.weights, architecture=args.architecture)
    model = getattr(net, "_model", net)
    height, width, channels = input_geometry(model, args)
    low, high = (numbers(args.range, "--range") + [None])[:2]
    if high is None:
        raise LRPArgumentError("--range takes LOW,HIGH, got %r" % args.range, 1)
    prep = Preprocessing(height, width, channels, args.resize, low, high,
                         None if args.mean is None else numbers(args.mean, "--mean"),
                         None if args.std is None else numbers(args.std, "--std"), args.bgr)
    if args.rule:
        model.set_rule_spec(-1, args.rule)
        rules = {"rule": args.rule}
    else:
        composite = args.composite or "epsilon_plus"
        params = None
        if composite == "epsilon_gamma_box":  # zB's bounds: the preprocessed value range
            ends = prep.inputs(np.array([[[[0.0] * channels]], [[[255.0] * channels]]]))
            params = "low=%r,high=%r" % (float(ends.min()), float(ends.max()))
        model.set_composite(composite, params)
        rules = {"composite": composite, "params": params}
    softmax = model.final_softmax()
    if softmax is not None:
        model.set_rule_spec(softmax, "pass")  # relevance starts at the logits
    if not 0 <= args.opacity <= 1:
        raise LRPArgumentError("--opacity must be from 0 to 1, got %s" % args.opacity, 1)
    os.makedirs(args.out, exist_ok=True)
    scaling = max(1, -(-MIN_SIDE // max(height, width)))
    names = output_names(files)
    records, grid_rows = [], []
    progress = _progress(len(files))
    for start in range(0, len(files), args.batch):
        chunk = files[start:start + args.batch]
        pictures = np.stack([prep.picture(f) for f in chunk])
        x = prep.inputs(pictures)
        scores, chosen, r = target_scores(model, model_inputs(model, x), args.target)
        relevance = np.asarray(model.relevance(r), dtype=np.float64).reshape(x.shape)
        for k, f in enumerate(chunk):
            name = names[start + k]
            rows = write_outputs(args, name, pictures[k], relevance[k], scaling)
            if args.grid:
                grid_rows.append(rows)
            records.append({"file": os.path.abspath(f), "outputs": name, "classes": chosen[k].tolist(),
                            "scores": scores[k, chosen[k]].tolist(), "relevance_sum": float(relevance[k].sum())})
        progress(len(chunk))
    progress(None)
    if args.grid:
        picture = render.grid(grid_rows, column_labels=["image", "relevance", "overlay"], row_labels=names)
        write_png(picture, os.path.join(args.out, "grid.png"))
    record = {"model": os.path.abspath(args.model), "weights": args.weights and os.path.abspath(args.weights),
              "architecture": args.architecture and os.path.abspath(args.architecture), **rules,
              "explained": "logit of the final SoftMax" if softmax is not None else "model output", "class": args.target,
              "preprocessing": prep.record(), "cmap": args.cmap, "opacity": args.opacity, "images": records}
    with open(os.path.join(args.out, "explain.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    seconds = time.perf_counter() - started
    return "lrp explain: %d image(s) in %.1f s (%.1f images/s), outputs and explain.json in %s" % (
        len(files), seconds, len(files) / max(seconds, 1e-9), args.out)


def write_outputs(args, name, picture, relevance, scaling):
    """NAME.heatmap.png (with its colour bar), NAME.overlay.png and NAME.relevance.npy; returns the grid row."""
    shown = render.image_to_rgb(picture / 255.0, 0, 1, scaling)
    heat, scale = render.relevance_to_rgb(relevance.sum(axis=-1), scaling=scaling, shape=relevance.shape[:2],
                                          cmap=args.cmap, return_scale=True)
    over = render.overlay(heat, shown, args.opacity)
    bar = render.colorbar(-scale, scale, length=heat.shape[1], cmap=args.cmap, scale=1 if heat.shape[1] < 160 else 2)
    write_png(np.vstack([heat, np.ones((2, heat.shape[1], 3)), bar]), os.path.join(args.out, name + ".heatmap.png"))
    write_png(over, os.path.join(args.out, name + ".overlay.png"))
    np.save(os.path.join(args.out, name + ".relevance.npy"), relevance)
    return [shown, heat, over]


def write_png(rgb, path):
    """Writes an RGB image as PNG without the toolbox's log line."""
    with contextlib.redirect_stdout(io.StringIO()):
        render.save_image([rgb], path)


def _progress(total):
    """A progress callback: tqdm's bar on stderr when tqdm is there, else nothing; called with None at the end."""
    try:
        from tqdm import tqdm
    except ImportError:
        return lambda done: None
    bar = tqdm(total=total, unit="image", file=sys.stderr, disable=not sys.stderr.isatty() and total < 2)

    def advance(done):
        if done is None:
            bar.close()
        else:
            bar.update(done)
    return advance
