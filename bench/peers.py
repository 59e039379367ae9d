"""liblrp against its peers in one run: zennit (PyTorch on the CPU) in float64 and float32, and the reference numpy
LRP Toolbox where it can run the case, on the cases of bench/table.c — the toolbox's LeNet-5 and MLP on MNIST at
batch 1, 16 and 256, a VGG-11 and a VGG-16 of 224×224×3 with fixed random weights at batch 1 and 8 — for forward +
LRP-ε (0.01), LRP-α1β0, epsilon_plus and epsilon_alpha2_beta1 (and the forward pass alone).

    make bench-peers            (installs zennit and CPU PyTorch into .venv-peers, not the test environment)
    .venv-peers/bin/python bench/peers.py SHARED_DIR [--no-vgg | --vgg 11 16] [--repetitions N]

Every engine gets the same weights and inputs (liblrp NHWC, PyTorch NCHW); each repetition runs every engine once
in turn, so all see the same machine state; figures are medians in ms, and the ratios are zennit / liblrp in the
same precision (above 1: liblrp is faster). liblrp runs through its Python package (numpy in and out), zennit with a
composite registered once and forward + torch.autograd.grad per repetition, both on all cores. The toolbox runs
when LRP_TOOLBOX_PYTHON names its python/ folder (github.com/sebastian-lapuschkin/lrp_toolbox); it has no
composites and float64 only.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPOSITORY, "python"))
from lrp import data_io, model_io  # noqa: E402
from lrp.model import Model  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402


def _import_zennit():
    """zennit imports torchvision only for its ResNet canonizer, which no case here uses; where torchvision cannot
    load (PyPI's torchvision is built for CUDA PyTorch, the CPU PyTorch comes from elsewhere) a stand-in with its
    two block classes lets zennit import."""
    try:
        import torchvision.models.resnet  # noqa: F401
    except Exception:
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        tv, models, resnet = (types.ModuleType(n) for n in ("torchvision", "torchvision.models", "torchvision.models.resnet"))
        resnet.Bottleneck = type("Bottleneck", (nn.Module,), {})
        resnet.BasicBlock = type("BasicBlock", (nn.Module,), {})
        tv.models, models.resnet = models, resnet
        sys.modules.update({"torchvision": tv, "torchvision.models": models, "torchvision.models.resnet": resnet})
    from zennit import composites, rules, types as ztypes
    return composites, rules, ztypes


composites, zrules, ztypes = _import_zennit()

OPS = ["forward", "epsilon", "alpha1beta0", "epsilon_plus", "epsilon_alpha2_beta1"]


# -- models: one set of weights, as a liblrp model and as a PyTorch module ----------------------------------------

class SumPool(nn.Module):
    """The toolbox's SumPool (window sum / sqrt(window size), spec/numerics.md) for PyTorch."""

    def __init__(self, size):
        super().__init__()
        self.size = size
        self.pool = nn.AvgPool2d(size)

    def forward(self, x):
        return self.pool(x) * (self.size * self.size) ** 0.5


def from_liblrp(model):
    """A PyTorch Sequential with the weights of a liblrp chain (Linear, Convolution, SumPool, MaxPool, Rect,
    Flatten): NCHW, so a Flatten after a convolution gets rows reordered."""
    modules, chw = [], None
    for i in range(len(model)):
        header = model.describe(i).split()
        kind = header[0]
        if kind == "Convolution":
            hf, wf, df, nf, sh, sw = map(int, header[1:7])
            same = "pad=same" in header
            conv = nn.Conv2d(df, nf, (hf, wf), stride=(sh, sw), padding=(hf // 2, wf // 2) if same else 0)
            with torch.no_grad():
                conv.weight.copy_(torch.tensor(model.parameter(i, "W").transpose(3, 2, 0, 1)))
                conv.bias.copy_(torch.tensor(model.parameter(i, "B")))
            modules.append(conv)
        elif kind == "Linear":
            m, n = map(int, header[1:3])
            w = np.array(model.parameter(i, "W"))
            if chw is not None:  # rows of liblrp's flattened H,W,C → PyTorch's C,H,W
                c, h, wd = chw
                w = w.reshape(h, wd, c, n).transpose(2, 0, 1, 3).reshape(m, n)
                chw = None
            lin = nn.Linear(m, n)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(w.T))
                lin.bias.copy_(torch.tensor(model.parameter(i, "B")))
            modules.append(lin)
        elif kind == "SumPool":
            modules.append(SumPool(int(header[1])))
        elif kind == "MaxPool":
            modules.append(nn.MaxPool2d(int(header[1]), int(header[3])))
        elif kind == "Rect":
            modules.append(nn.ReLU())
        elif kind == "Flatten":
            modules.append(nn.Flatten())
        else:
            raise SystemExit("peers: no PyTorch form for %s" % kind)
    return nn.Sequential(*modules)


def vgg(depth, seed):
    """A liblrp VGG-11 or VGG-16 for 224×224×3 with He-normal weights from `seed` (no softmax)."""
    plan = {11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
            16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]}[depth]
    rng = np.random.default_rng(seed)
    model, channels = Model.new(), 3
    for width in plan:
        if width == 0:
            model.append("MaxPool 2 2 2 2")
            continue
        w = rng.standard_normal((3, 3, channels, width)) * (2.0 / (9 * channels)) ** 0.5
        model.append("Convolution 3 3 %d %d 1 1 pad=same" % (channels, width), w, 0.01 * rng.standard_normal(width))
        model.append("Rect")
        channels = width
    model.append("Flatten")
    for m, n in ((25088, 4096), (4096, 4096), (4096, 1000)):
        model.append("Linear %d %d" % (m, n), rng.standard_normal((m, n)) * (2.0 / m) ** 0.5, 0.01 * rng.standard_normal(n))
        if n != 1000:
            model.append("Rect")
    return model


# -- the engines: each returns a function running one repetition of (case, op) ------------------------------------

def liblrp_runner(model, x, op):
    model.set_rule(-1, "simple")
    if op == "epsilon_plus":
        model.set_composite("epsilon_plus")
    elif op == "epsilon_alpha2_beta1":
        model.set_composite("epsilon_alpha2_beta1")
    rule, param = {"epsilon": ("epsilon", 0.01), "alpha1beta0": ("alphabeta", 1.0)}.get(op, (None, 0.0))

    def run():
        y = model.forward(x)
        if op != "forward":
            model.relevance(y * (y == y.max(axis=1, keepdims=True)), rule=rule, param=param)
    return run


def zennit_composite(op):
    pools = (nn.AvgPool2d, SumPool)
    if op == "epsilon":
        return composites.LayerMapComposite([(ztypes.Linear, zrules.Epsilon(0.01)), (pools, zrules.Norm())])
    if op == "alpha1beta0":
        return composites.LayerMapComposite([(ztypes.Linear, zrules.AlphaBeta(1.0, 0.0)), (pools, zrules.Norm())])
    if op == "epsilon_plus":
        return composites.EpsilonPlus(layer_map=[(SumPool, zrules.Norm())])
    return composites.EpsilonAlpha2Beta1(layer_map=[(SumPool, zrules.Norm())])


def zennit_runner(module, x, op):
    x = torch.tensor(x.transpose(0, 3, 1, 2).copy() if x.ndim == 4 else x)
    if op == "forward":
        def run():
            with torch.no_grad():
                module(x)
        return run, None
    composite = zennit_composite(op)
    composite.register(module)

    def run():
        inp = x.clone().requires_grad_(True)
        y = module(inp)
        mask = (y == y.max(dim=1, keepdim=True).values).to(y.dtype)
        torch.autograd.grad(y, inp, y.detach() * mask)
    return run, composite


def toolbox_runner(path, x, op):
    """The reference toolbox on its own model file (None when it cannot run the case)."""
    folder = os.environ.get("LRP_TOOLBOX_PYTHON")
    if not folder or op not in ("forward", "epsilon", "alpha1beta0"):
        return None
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if not hasattr(np, "float"):
        np.float = float  # the toolbox predates NumPy 1.24, which removed this alias
    import model_io as toolbox_io
    with quiet():
        net = toolbox_io.read(path)
        net.drop_softmax_output_layer()

    def run():
        y = net.forward(x)
        if op == "epsilon":
            net.lrp(y * (y == y.max(axis=1, keepdims=True)), "epsilon", 0.01)
        elif op == "alpha1beta0":
            net.lrp(y * (y == y.max(axis=1, keepdims=True)), "alphabeta", 1.0)
    return run


@contextlib.contextmanager
def quiet():
    """Silences the toolbox's log lines ("loading plain text model from …") that its readers print."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


# -- the run ------------------------------------------------------------------------------------------------------

def median_ms(times):
    return statistics.median(times) * 1e3 if times else float("nan")


def bench_case(name, model, path, x, repetitions, rows):
    module64 = from_liblrp(model).double().eval()
    module32 = from_liblrp(model).float().eval()
    single = model.astype(np.float32)
    x64, x32 = np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(x, dtype=np.float32)
    for op in OPS:
        runners = {"liblrp f64": liblrp_runner(model, x64, op), "liblrp f32": liblrp_runner(single, x32, op)}
        z64, c64 = zennit_runner(module64, x64, op)
        z32, c32 = zennit_runner(module32, x32, op)
        runners["zennit f64"], runners["zennit f32"] = z64, z32
        toolbox = toolbox_runner(path, x64, op) if path else None
        if toolbox:
            runners["toolbox"] = toolbox
        times = {k: [] for k in runners}
        for run in runners.values():  # warm-up
            run()
        for _ in range(repetitions):
            for key, run in runners.items():
                t0 = time.perf_counter()
                run()
                times[key].append(time.perf_counter() - t0)
        for c in (c64, c32):
            if c is not None:
                c.remove()
        ms = {k: median_ms(v) for k, v in times.items()}
        rows.append((name, x.shape[0], op, ms))
        r64 = ms["zennit f64"] / ms["liblrp f64"]
        r32 = ms["zennit f32"] / ms["liblrp f32"]
        tb = "%.4g" % ms["toolbox"] if "toolbox" in ms else "—"
        print("| %s | %d | %s | %.4g | %.4g | %.4g | %.4g | %s | %.2f | %.2f |" % (
            name, x.shape[0], op, ms["liblrp f64"], ms["liblrp f32"], ms["zennit f64"], ms["zennit f32"], tb, r64, r32),
            flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shared", nargs="?", default=os.path.join(os.path.dirname(REPOSITORY), "shared"))
    parser.add_argument("--no-vgg", action="store_true")
    parser.add_argument("--vgg", type=int, nargs="*", default=[11, 16], help="VGG depths to run (default 11 16)")
    parser.add_argument("--repetitions", type=int, default=0, help="per case (default: 9 small, 3 VGG)")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    print("liblrp %s, zennit %s, PyTorch %s (%d threads), %d cores; medians in ms of forward (+ the rule's relevance)"
          % (__import__("lrp").__version__, _version("zennit"), torch.__version__, torch.get_num_threads(), os.cpu_count()))
    print("toolbox: %s\n" % (os.environ.get("LRP_TOOLBOX_PYTHON") or "not run (set LRP_TOOLBOX_PYTHON)"))
    print("| model | batch | case | liblrp f64 | liblrp f32 | zennit f64 | zennit f32 | toolbox f64 | zennit/liblrp f64 | zennit/liblrp f32 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with quiet():
        pixels = data_io.read(os.path.join(args.shared, "data/mnist/test_images.mat"))[:256] / 127.5 - 1
    lenet_x = np.pad(pixels.reshape(256, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), "constant", constant_values=-1.)
    rows = []
    for name, file, x in (("LeNet-5", "models/LeNet-5.txt", lenet_x), ("MLP 784-300-100-10", "models/mlp-rect.txt", pixels)):
        path = os.path.join(args.shared, file)
        with quiet():
            net = model_io.read(path)
            net.drop_softmax_output_layer()  # relevance starts at the scores in every engine
        net._sync()
        model = net._model
        for batch in (1, 16, 256):
            bench_case(name, model, path, x[:batch], args.repetitions or 9, rows)
    if not args.no_vgg:
        image = np.random.default_rng(42).standard_normal((8, 224, 224, 3))
        for depth in args.vgg:
            model = vgg(depth, depth)
            for batch in (1, 8):
                bench_case("VGG-%d" % depth, model, None, image[:batch], args.repetitions or 3, rows)
            del model
    lrp_cases = [r for r in rows if r[2] != "forward"]
    ahead64 = sum(r[3]["liblrp f64"] < r[3]["zennit f64"] for r in lrp_cases)
    ahead32 = sum(r[3]["liblrp f32"] < r[3]["zennit f32"] for r in lrp_cases)
    print("\nliblrp ahead of zennit on %d of %d LRP cases in float64 and %d of %d in float32" %
          (ahead64, len(lrp_cases), ahead32, len(lrp_cases)))


def _version(package):
    from importlib import metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
