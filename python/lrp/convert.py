"""lrp-convert: turns Keras and Caffe models into liblrp's own files, with no Keras or Caffe installed.

    lrp-convert model.h5 -o model.npz                           a full Keras model
    lrp-convert weights.h5 model.json -o model.npz              Keras weights with their architecture
    lrp-convert deploy.prototxt net.caffemodel -o model.npz     a Caffe net (weights: .caffemodel, .npz, .npy)
    lrp-convert --caffe-weights net.caffemodel [deploy.prototxt] -o weights.npz
                                                                the blobs in liblrp's npz layout for Caffe weights

The output is liblrp's model archive (.npz: every layer and graph) or the toolbox's text format (.txt: when
the toolbox's layers suffice). --batchnorm keep keeps BatchNorm layers separate instead of merging them.
"""

import argparse
import os
import sys
import time

from . import model_io
from ._capi import check, lib, path as encode_path
from .errors import LRPError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lrp-convert", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("model", help="model file (.h5, .prototxt, .txt, .npz; with --caffe-weights: the .caffemodel)")
    parser.add_argument("companion", nargs="?", help="the second file: Keras architecture JSON, Caffe weights "
                        "(with --caffe-weights: the prototxt, optional)")
    parser.add_argument("-o", "--output", required=True, help="output file (.npz or .txt)")
    parser.add_argument("--batchnorm", choices=("merge", "keep"), default="merge",
                        help="merge BatchNorm into the layer before it (default) or keep it separate")
    parser.add_argument("--caffe-weights", action="store_true",
                        help="convert a .caffemodel's blobs to liblrp's npz layout for Caffe weights")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.caffe_weights:
            check(lib.lrp_caffe_convert_weights(encode_path(args.model), None if args.companion is None else
                                                encode_path(args.companion), encode_path(args.output)))
            print("lrp-convert: wrote the Caffe blobs of %s to %s (%.2f s)" % (args.model, args.output,
                                                                              time.perf_counter() - start))
            return 0
        kind = os.path.splitext(args.model)[1].lower()
        companion = {}
        if args.companion is not None:
            companion = {"architecture": args.companion} if kind in (".h5", ".hdf5", ".json") else {"weights": args.companion}
        net = model_io.read(args.model, batchnorm=args.batchnorm, **companion)
        model_io.write(net, args.output)
    except LRPError as error:
        print("lrp-convert: %s" % error, file=sys.stderr)
        return 1
    print("lrp-convert: %s → %s: %d layers (%s) in %.2f s" % (args.model, args.output, len(net.modules),
                                                             type(net).__name__, time.perf_counter() - start))
    for i, m in enumerate(net.modules):
        print("  %3d  %-24s %s" % (i, m.name, m._header()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
