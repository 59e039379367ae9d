"""A minimal LRP example in the toolbox's style: read a model and one digit, explain the prediction, save
the heatmap.

    python mini.py [MODEL] [DATA] [OUTPUT]

MODEL defaults to the toolbox's MLP (../shared/models/mlp-rect.txt), DATA to the MNIST test images.
"""

import sys

import numpy as np

import _paths  # noqa: F401  (puts python/toolbox on the path)
import data_io
import model_io
import render

model_path = sys.argv[1] if len(sys.argv) > 1 else _paths.SHARED + "/models/mlp-rect.txt"
data_path = sys.argv[2] if len(sys.argv) > 2 else _paths.SHARED + "/data/mnist/test_images.mat"
output = sys.argv[3] if len(sys.argv) > 3 else "mini.png"

nn = model_io.read(model_path)
X = data_io.read(data_path)[:1] / 127.5 - 1.  # one digit, scaled to [-1, 1]

Ypred = nn.forward(X)
print('predicted class:', np.argmax(Ypred))
mask = np.zeros_like(Ypred)
mask[:, np.argmax(Ypred)] = 1
R = nn.lrp(Ypred * mask, 'epsilon', 1.)
print('relevance sums to', R.sum(), 'of the score', Ypred.max())

digit = render.digit_to_rgb(X, scaling=3)
hm = render.hm_to_rgb(R, X=X, scaling=3, sigma=2)
render.save_image([digit, hm], output)
print('wrote', output)
