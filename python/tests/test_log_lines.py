"""model_io, data_io and render print the toolbox's log lines, word for word, when the toolbox does."""

import numpy as np
import pytest

from conftest import shared
from lrp import data_io, model_io, render
from lrp.modules import Linear, Rect, Sequential, SoftMax


def lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_model_io_lines(tmp_path, capsys):
    nn = Sequential([Linear(3, 2), Rect(), SoftMax()])
    txt, pickled = str(tmp_path / "m.txt"), str(tmp_path / "m.nn")
    model_io.write(nn, txt)
    assert lines(capsys) == ["writing model as plain text to " + txt]
    model_io.write(nn, pickled)
    assert lines(capsys) == ["writing model pickled to " + pickled]
    model_io.read(txt)
    assert lines(capsys) == ["loading plain text model from " + txt]
    back = model_io.read(pickled)
    assert lines(capsys) == ["loading pickled model from " + pickled]
    model_io.read(pickled, fmt="pickle")
    assert lines(capsys) == ["loading pickled model from " + pickled]
    back.drop_softmax_output_layer()
    back.drop_softmax_output_layer()
    assert lines(capsys) == ["removing softmax output mapping", "output layer is not softmax. nothing to do"]
    # liblrp's own archive is not a toolbox format: no line.
    model_io.write(nn, str(tmp_path / "m.npz"))
    model_io.read(str(tmp_path / "m.npz"))
    assert lines(capsys) == []


def test_model_io_lines_on_the_toolbox_pickle(capsys):
    path = shared("models/LeNet-5.nn")
    model_io.read(path)
    assert lines(capsys) == ["loading pickled model from " + path]


@pytest.mark.parametrize("fmt,read_line,write_line", [
    ("npy", "loading np-formatted data from", "writing data in npy-format to"),
    ("npz", "loading np-formatted data from", "writing data in npy-format to"),
    ("mat", "loading matlab formatted data from", "writing data in mat-format to"),
    ("txt", "loading plain text data from", "writing data as plain text to"),
])
def test_data_io_lines(tmp_path, capsys, fmt, read_line, write_line):
    path = str(tmp_path / ("d." + fmt))
    data_io.write(np.arange(6.0).reshape(2, 3), path)
    assert lines(capsys) == [write_line + " " + path]
    assert data_io.read(path).shape == (2, 3)
    assert lines(capsys) == [read_line + " " + path]


def test_data_io_low_level_functions_are_quiet(tmp_path, capsys):
    path = str(tmp_path / "d.npz")
    np.savez(path, a=np.zeros(2), b=np.ones(3))
    data_io.keys(path)
    data_io.read_array(path, key="a")
    assert lines(capsys) == []


def test_render_save_image_line(tmp_path, capsys):
    path = str(tmp_path / "x.png")
    digit = render.digit_to_rgb(np.linspace(0, 1, 16), scaling=2)
    hm = render.hm_to_rgb(np.linspace(-1, 1, 16), scaling=2)
    assert lines(capsys) == []
    render.save_image([digit, hm], path)
    assert lines(capsys) == ["saving image to  " + path]   # the toolbox prints two spaces
