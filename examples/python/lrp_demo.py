"""The toolbox's LRP demo for a fully connected network: explain a few MNIST digits with several rules and
save one image per rule (digit, then one heatmap per sample).

    python lrp_demo.py [--model MODEL] [--data IMAGES] [--samples N] [--out DIR]
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
parser.add_argument("--model", default=_paths.SHARED + "/models/mlp-rect.txt")
parser.add_argument("--data", default=_paths.SHARED + "/data/mnist/test_images.mat")
parser.add_argument("--samples", type=int, default=5)
parser.add_argument("--out", default="lrp_demo_output")
args = parser.parse_args()

nn = model_io.read(args.model)
X = data_io.read(args.data)
X = X[np.random.RandomState(0).permutation(X.shape[0])[:args.samples]] / 127.5 - 1.
os.makedirs(args.out, exist_ok=True)

start = time.time()
Ypred = nn.forward(X)
print('predicted classes:', np.argmax(Ypred, axis=1))
mask = np.zeros_like(Ypred)
mask[np.arange(len(X)), np.argmax(Ypred, axis=1)] = 1
for rule, param in [('simple', None), ('epsilon', 1.), ('alphabeta', 1.), ('alphabeta', 2.), ('flat', None)]:
    R = nn.lrp(Ypred * mask, rule, param)
    images = [render.digit_to_rgb(X[0], scaling=3)]
    images += [render.hm_to_rgb(R[i], X=X[i], scaling=3, sigma=2) for i in range(len(X))]
    path = os.path.join(args.out, 'lrp_demo_%s%s.png' % (rule, '' if param is None else '_%g' % param))
    render.save_image(images, path)
    print('%-9s %-4s relevance sums %s -> %s' % (rule, '' if param is None else param,
                                                 np.round(R.reshape(len(X), -1).sum(axis=1), 3), path))
print('done in %.2f s' % (time.time() - start))
