"""The LRP designer: VisLRPDesigner's interactive design of composite LRP rules, model comparison, pixel flipping
and neuron ablation, on any model liblrp reads, served locally to the browser.

    python -m lrp.designer                       # the project's digit classifiers (and LeNet-5 with ../shared)
    python -m lrp.designer --model net.h5 --images photos/ --labels synsets.txt
    lrp-designer --model lenet.txt --images digits.npy --image-shape 32,32,1 --input-range -1,1

It prints the URL (with the session's token) and serves until interrupted. See README, "The LRP designer".
"""

from .cli import main

__all__ = ["main"]
