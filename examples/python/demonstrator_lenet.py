"""lrp-demonstrator on a Caffe LeNet, as a toolbox user runs it: writes MNIST digits as PNG files, a config in the
toolbox's layout, a file list with class codes, runs .build/release/lrp-demonstrator and tiles what it wrote
(the images as the net saw them above their heatmaps) into one picture.

    make && python3 examples/python/demonstrator_lenet.py [OUT_DIR] [PICTURE]

Needs ../shared (the Caffe LeNet of ethereon/caffe-tensorflow and MNIST digits); defaults: out/demonstrator and
OUT_DIR/lenet.png (the README's docs/demonstrator-lenet.png was made with PICTURE set to it)."""

import os
import subprocess
import sys

import numpy as np
from PIL import Image

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPOSITORY), "shared", "models", "caffe")
BINARY = os.path.join(REPOSITORY, ".build", "release", "lrp-demonstrator")
CONFIG = """param_file
{shared}/ethereon_lenet_deploy.prototxt

model_file
{shared}/ethereon_lenet.caffemodel

mean_file
{out}/mean.txt

use_mean_file_asbinaryprotoblob
0

synsetfile
{out}/digits.txt

lastlayerindex
-1

-1: the layer below the lowest Softmax (the logits); -2: the highest InnerProduct

firstlayerindex
0

numclasses
10

baseimgsize
28

standalone_outpath
{out}/lrp_output

standalone_rootpath
someimages

relpropformulatype
100

100: alpha-beta (beta below) on convolutions, epsilon (epsstab) on InnerProduct

epsstab
0.01

alphabeta_beta
1
"""


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPOSITORY, "out", "demonstrator"))
    picture = sys.argv[2] if len(sys.argv) > 2 else os.path.join(out, "lenet.png")
    samples = np.load(os.path.join(SHARED, "ahmdtaha_lenet_samples.npz"))
    os.makedirs(os.path.join(out, "images", "someimages"), exist_ok=True)
    names = []
    for i, digit in enumerate(samples["x"]):
        names.append("someimages/digit%d.png" % i)
        Image.fromarray(digit).save(os.path.join(out, "images", names[-1]))
    with open(os.path.join(out, "mean.txt"), "w") as f:          # "C H W", then the values: a zero mean
        f.write("1 28 28\n" + " ".join(["0"] * 28 * 28) + "\n")
    with open(os.path.join(out, "digits.txt"), "w") as f:
        f.write("".join("digit %d\n" % k for k in range(10)))
    with open(os.path.join(out, "config.txt"), "w") as f:
        f.write(CONFIG.format(shared=SHARED, out=out))
    with open(os.path.join(out, "filelist.txt"), "w") as f:      # -1: explain the top class
        f.write("".join("%s -1\n" % name for name in names))
    subprocess.run([BINARY, "--parallel", "config.txt", "filelist.txt", "images"], cwd=out, check=True)

    scale, gap = 4, 4
    tiles = [[Image.open(os.path.join(out, "lrp_output", name + suffix)).convert("RGB")
              for name in names] for suffix in ("_as_inputted_into_the_dnn.png", "_heatmap.png")]
    side = 28 * scale
    grid = Image.new("RGB", (len(names) * (side + gap) - gap, 2 * side + gap), "white")
    for row, images in enumerate(tiles):
        for column, image in enumerate(images):
            grid.paste(image.resize((side, side), Image.NEAREST), (column * (side + gap), row * (side + gap)))
    grid.save(picture)
    print("wrote", picture)


if __name__ == "__main__":
    main()
