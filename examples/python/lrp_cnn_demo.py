"""The toolbox's LRP demo for a convolutional network: LeNet-5 on MNIST digits padded to 32×32, explained
with several rules and with a per-layer mix, one image per rule.

    python lrp_cnn_demo.py [--model MODEL] [--data IMAGES] [--samples N] [--out DIR]
"""

import argparse
import os
import time

import numpy as np

import _paths  # noqa: F401
import data_io
import model_io
import render

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", default=_paths.SHARED + "/models/LeNet-5.txt")
parser.add_argument("--data", default=_paths.SHARED + "/data/mnist/test_images.mat")
parser.add_argument("--samples", type=int, default=5)
parser.add_argument("--out", default="lrp_cnn_demo_output")
args = parser.parse_args()

nn = model_io.read(args.model)
X = data_io.read(args.data)
X = X[np.random.RandomState(1).permutation(X.shape[0])[:args.samples]] / 127.5 - 1.
X = np.pad(X.reshape(-1, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), 'constant', constant_values=(-1.,))
os.makedirs(args.out, exist_ok=True)

start = time.time()
Ypred = nn.forward(X)
print('predicted classes:', np.argmax(Ypred, axis=1))
mask = np.zeros_like(Ypred)
mask[np.arange(len(X)), np.argmax(Ypred, axis=1)] = 1


def save(R, name):
    images = [render.digit_to_rgb(X[i, ..., 0], scaling=3) for i in range(len(X))]
    images += [render.hm_to_rgb(R[i, ..., 0], X=X[i, ..., 0], scaling=3, sigma=2) for i in range(len(X))]
    path = os.path.join(args.out, 'lrp_cnn_demo_%s.png' % name)
    render.save_image(images, path)
    print('%-22s relevance sums %s -> %s' % (name, np.round(R.reshape(len(X), -1).sum(axis=1), 3), path))


for rule, param in [('epsilon', 1.), ('alphabeta', 1.), ('alphabeta', 2.)]:
    save(nn.lrp(Ypred * mask, rule, param), '%s_%g' % (rule, param))

# A per-layer composition: flat on the first layer, alpha=2 elsewhere (set per module, then lrp()).
nn.set_lrp_parameters('alphabeta', 2.)
nn.modules[0].set_lrp_parameters('flat')
save(nn.lrp(Ypred * mask), 'flat_then_alphabeta_2')
print('done in %.2f s' % (time.time() - start))
