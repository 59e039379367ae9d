"""Keras and Caffe models through the Python API: model_io.read with architecture= and weights=, modules.Graph,
liblrp's model archive, the lrp-convert command, and the errors of broken files."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPOSITORY, relative_error, shared

from lrp import data_io, errors, model_io
from lrp.modules import Add, Concatenate, Graph, Linear, Rect, Sequential

FIXTURES = os.path.join(REPOSITORY, "Tests", "fixtures")


def fixture(relative):
    return os.path.join(FIXTURES, relative)


def masked(y):
    return y * (y == y.max(axis=1, keepdims=True))


@pytest.mark.parametrize("name,architecture", [
    ("keras3_same_padding.h5", None), ("tfkeras215_bn.h5", None), ("yalcinakin_cifar10_dropout.h5", None),
    ("dl4j_cnn_batch_norm.h5", None), ("ct213_lenet5_tanh_avgpool.weights.h5", "ct213_lenet5_tanh_avgpool.json"),
    ("hls4ml_3layer_batch_norm.weights.h5", "hls4ml_3layer_batch_norm.json"),
    ("hls4ml_conv2d_listconfig.weights.h5", "hls4ml_conv2d_listconfig.json")])
def test_shared_keras_models_match_keras(name, architecture):
    kw = {} if architecture is None else {"architecture": shared("models/keras/" + architecture)}
    nn = model_io.read(shared("models/keras/" + name), **kw)
    io = np.load(shared("models/keras/%s.io.npz" % name.split(".")[0]))
    assert relative_error(nn.forward(io["x"]), io["y"]) <= 1e-5
    assert nn.input_shape == io["x"].shape[1:]


def test_caffe_lenets():
    prototxt = shared("models/caffe/ethereon_lenet_deploy.prototxt")
    io = np.load(shared("models/caffe/ethereon_lenet.io.npz"))
    outputs = []
    for weights in ("ethereon_lenet.caffemodel", "ethereon_lenet.caffe-tensorflow.npy"):
        nn = model_io.read(prototxt, weights=shared("models/caffe/" + weights))
        assert isinstance(nn, Sequential)
        assert [m.name for m in nn.modules][:2] == ["conv1", "pool1"]
        outputs.append(nn.forward(io["x"]))
        assert nn.modules[-1].name == "prob"
        nn.drop_softmax_output_layer()
        assert relative_error(nn.forward(io["x"]), io["ip2_logits"]) <= 1e-5
    assert np.array_equal(outputs[0], outputs[1])
    assert (outputs[0].argmax(1) == io["labels"]).all()
    samples = np.load(shared("models/caffe/ahmdtaha_lenet_samples.npz"))
    nn = model_io.read(shared("models/caffe/ahmdtaha_lenet_deploy.prototxt"),
                       weights=shared("models/caffe/ahmdtaha_lenet.caffemodel"))
    y = nn.forward(samples["x"].reshape(-1, 28, 28, 1) / 256.0)
    assert (y.argmax(1) == samples["labels"]).all()


def test_imported_graph_relevance_presets_and_modules():
    nn = model_io.read(fixture("keras/residual_graph.h5"))
    assert isinstance(nn, Graph)
    assert nn.names[:3] == ["pad", "conv_a", "conv_a/relu"]
    assert nn.inputs[nn.names.index("residual")] == ["bn_after_relu", "conv_b"]
    io = np.load(fixture("keras/residual_graph.io.npz"))
    y = nn.forward(io["x"])
    assert relative_error(y, io["y"]) <= 1e-5
    R = masked(y)
    uniform = nn.lrp(R, "epsilon", 0.01)
    nn.set_lrp_parameters("epsilon", 0.01)
    assert np.array_equal(nn.lrp(R), uniform)
    nn.modules[1].set_lrp_parameters("alphabeta", 2.0)  # conv_a
    mixed = nn.lrp(R)
    assert not np.allclose(mixed, uniform)
    # A single-input module runs alone; a merge module refuses.
    conv_b = nn.modules[nn.names.index("conv_b")]
    assert conv_b.W.shape == (3, 3, 6, 6)
    with pytest.raises(errors.LRPUnsupportedError, match="merges several inputs"):
        nn.modules[nn.names.index("residual")].forward(y)


def test_graph_built_in_python():
    """x → Add(x, x) → Concatenate(·, x) → Linear 4 1 (weights 1): for x = (1, 2), y = 9 and the simple rule
    gives the input (3, 6) (see Tests/c/test_graph.c for the arithmetic)."""
    fc = Linear(4, 1)
    fc.W = np.ones((4, 1))
    graph = Graph([("sum", Add(), ["input", "input"]), ("joined", Concatenate(), ["sum", "input"]), ("out", fc, "joined")])
    y = graph.forward(np.array([[1.0, 2.0]]))
    assert y.tolist() == [[9.0]]
    assert np.allclose(graph.lrp(y), [[3.0, 6.0]], atol=1e-12)
    assert graph.names == ["sum", "joined", "out"] and graph.inputs[1] == ["sum", "input"]
    fc.W = 2 * np.ones((4, 1))  # the module is a view of the graph's layer
    assert graph.forward(np.array([[1.0, 2.0]])).tolist() == [[18.0]]
    with pytest.raises(errors.LRPArgumentError, match="neither 'input' nor an earlier node"):
        Graph([("a", Rect(), ["nowhere"])])


def test_archive_round_trip_keeps_structure_and_presets(tmp_path):
    nn = model_io.read(fixture("caffe/branchy_deploy.prototxt"), weights=fixture("caffe/branchy.caffemodel"), batchnorm="keep")
    nn.modules[0].set_lrp_parameters("alphabeta", 2.0)
    nn.modules[-3].set_lrp_parameters("epsilon", 0.25)
    path = str(tmp_path / "branchy.npz")
    model_io.write(nn, path)
    back = model_io.read(path)
    assert isinstance(back, Graph) and back.names == nn.names and back.inputs == nn.inputs
    assert (back.modules[0].lrp_var, back.modules[0].lrp_param) == ("alphabeta", 2.0)
    assert (back.modules[-3].lrp_var, back.modules[-3].lrp_param) == ("epsilon", 0.25)
    io = np.load(fixture("caffe/branchy.io.npz"))
    assert np.array_equal(back.forward(io["x"]), nn.forward(io["x"]))
    y = nn.forward(io["x"])
    assert np.array_equal(back.lrp(masked(y)), nn.lrp(masked(y)))
    architecture = json.loads(np.load(path)["architecture.json"])
    assert architecture["format"] == "liblrp-model" and architecture["output"] == "prob"
    assert np.load(path)["conv1/W"].shape == (3, 3, 3, 8)
    with pytest.raises(errors.LRPUnsupportedError, match="chains of layers only"):
        model_io.write(nn, str(tmp_path / "branchy.txt"))


def test_lrp_convert_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPOSITORY, "python"))
    out = str(tmp_path / "v1.txt")
    run = subprocess.run([sys.executable, "-m", "lrp.convert", fixture("caffe/v1net_deploy.prototxt"),
                          fixture("caffe/v1net.caffemodel"), "-o", out], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert "8 layers (Sequential)" in run.stdout and "ip1/flatten" in run.stdout
    io = np.load(fixture("caffe/v1net.io.npz"))
    assert relative_error(model_io.read(out).forward(io["x"]), io["prob"]) <= 1e-12
    weights = str(tmp_path / "w.npz")
    run = subprocess.run([sys.executable, "-m", "lrp.convert", "--caffe-weights", fixture("caffe/v1net.caffemodel"),
                          fixture("caffe/v1net_deploy.prototxt"), "-o", weights], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert sorted(np.load(weights).files) == ["conv/0", "conv/1", "ip1/0", "ip1/1", "ip2/0", "ip2/1"]
    bad = subprocess.run([sys.executable, "-m", "lrp.convert", fixture("keras/grouped_sequential.weights.h5"), "-o", out],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "architecture JSON" in bad.stderr


def test_errors_are_exceptions_naming_the_problem(tmp_path):
    with pytest.raises(errors.LRPIOError):
        model_io.read(str(tmp_path / "missing.h5"))
    broken = tmp_path / "broken.h5"
    with open(fixture("keras/residual_graph.h5"), "rb") as f:
        broken.write_bytes(f.read()[:5000])
    with pytest.raises(errors.LRPFormatError, match="broken.h5.*truncated") as raised:
        model_io.read(str(broken))
    assert isinstance(raised.value, ValueError)
    with open(fixture("keras/grouped_sequential.json")) as f:
        text = f.read().replace('"class_name": "Dense"', '"class_name": "LSTM"')
    (tmp_path / "lstm.json").write_text(text)
    with pytest.raises(errors.LRPUnsupportedError, match="layer 'dense' \\(LSTM\\): the layer class LSTM is not supported"):
        model_io.read(fixture("keras/grouped_sequential.weights.h5"), architecture=str(tmp_path / "lstm.json"))
    with pytest.raises(errors.LRPArgumentError, match="weights="):
        model_io.read(fixture("caffe/v1net_deploy.prototxt"))
    with pytest.raises(errors.LRPArgumentError, match="batchnorm"):
        model_io.read(fixture("keras/residual_graph.h5"), batchnorm="fold")


def test_toolbox_shim_reads_keras(tmp_path):
    script = ("import model_io, numpy as np\n"
              "nn = model_io.read(%r)\n"
              "print(type(nn).__name__, len(nn.modules))\n" % fixture("keras/residual_graph.h5"))
    env = dict(os.environ, PYTHONPATH=os.path.join(REPOSITORY, "python", "toolbox"))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Graph", "14"]


def test_caffe_layer_numbering_and_input_shape():
    prototxt = fixture("caffe/branchy_deploy.prototxt")
    nn = model_io.read(prototxt, weights=fixture("caffe/branchy.caffemodel"))
    layers = model_io.caffe_layers(prototxt, nn)
    names = [m.name for m in nn.modules]
    # Caffe numbers the Input layer 0 and inserts a Split after every blob two layers read
    assert layers[:3] == [("data", "Input", -1), ("conv1", "Convolution", names.index("conv1")),
                          ("bn1", "BatchNorm", names.index("conv1"))]
    splits = [(name, layer) for name, kind, layer in layers if kind == "Split"]
    assert [name for name, _ in splits] == ["split1", "sum_sum_0_split", "norm_norm_0_split", "concat_concat_0_split"]
    assert all(layer >= 0 for _, layer in splits)
    assert dict((name, layer) for name, _, layer in layers)["drop"] == names.index("sig")  # the blob fc1 as Sigmoid left it
    assert len(layers) == 27 and layers[-1] == ("prob", "Softmax", names.index("prob"))
    for name, kind, layer in layers:
        if kind in ("Convolution", "InnerProduct", "Pooling", "Concat", "Eltwise"):
            assert names[layer] == name
    assert model_io.caffe_input_shape(prototxt) == (1, 3, 11, 11)
    assert model_io.caffe_input_shape(shared("models/caffe/ethereon_lenet_deploy.prototxt"))[1:] == (1, 28, 28)


def test_caffe_mean_files_read_as_arrays():
    for name in ("mean", "mean_shape"):
        blob = data_io.read_array(fixture("caffe/%s.binaryproto" % name))
        expected = np.load(fixture("caffe/%s.npy" % name))
        assert blob.shape == (1,) + expected.shape
        assert np.array_equal(blob[0], expected)
