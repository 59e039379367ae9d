"""The designer's command line: reads the model and images it is given (or the defaults), starts the server on
127.0.0.1 with a random token, prints the URL and serves until interrupted."""

import argparse
import secrets
import sys

from ..errors import LRPError
from . import subjects as subject_sources
from .server import create_app


def parse_arguments(argv=None):
    """The command line's options."""
    parser = argparse.ArgumentParser(prog="lrp-designer", description="The LRP designer: build, compare and test "
                                     "composite LRP rules on a model in the browser.")
    parser.add_argument("--model", help="a model file (any format model_io.read takes); default: the project's models")
    parser.add_argument("--weights", help="the weights file of a Caffe prototxt")
    parser.add_argument("--architecture", help="the architecture JSON of a Keras weights-only .h5")
    parser.add_argument("--images", help="a folder or file of images (PNG, JPEG, … resized to the model's input), "
                                         "or an .npy of model inputs (N × input shape)")
    parser.add_argument("--labels", help="a text file with one class name per line")
    parser.add_argument("--image-shape", help="H,W,C of the images where the model does not declare its input")
    parser.add_argument("--input-range", help="LOW,HIGH: the values pixels 0…255 map to (default 0,1; for .npy "
                                              "the range of the data)")
    parser.add_argument("--patterns", help="PatternNet's patterns for the model (iNNvestigate's .npz layout or a "
                                           "liblrp model archive), for the rules pattern_net and pattern_attribution")
    parser.add_argument("--boxes", help="one ground-truth box per image, rows 'top left bottom right' (bottom/right "
                                        "exclusive) in a text file or an N×4 .npy: the localization scores μ, μ_w")
    parser.add_argument("--precision", choices=["float64", "float32"], default="float64",
                        help="the engine's precision for the model (float32: about 2.5× faster on large models)")
    parser.add_argument("--perturbation-steps", type=int, help="the comparison's MoRF/LeRF steps (default: up to 100, "
                                                               "fewer for large models, at least 10)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    parser.add_argument("--token", help="the session's token (default: a random one)")
    parser.add_argument("--threads", type=int, default=4, help="the server's worker threads (default 4)")
    return parser.parse_args(argv)


def load_subjects(args):
    """The subjects the arguments name."""
    if args.boxes and not args.images:
        raise LRPError("--boxes belongs to --images")
    if args.model or args.images:
        if not (args.model and args.images):
            raise LRPError("--model and --images go together")
        return [subject_sources.user_subject(args.model, args.images, args.weights, args.architecture, args.labels,
                                             args.input_range, args.image_shape, args.patterns, args.boxes)]
    return subject_sources.default_subjects()


def in_precision(subjects, precision):
    """The subjects with their models converted to `precision` ("float64" leaves them as read)."""
    if precision != "float64":
        for subject in subjects:
            subject.model.set_precision(precision)
    return subjects


def serve(app, host, port, threads, announce):
    """Serves `app` with waitress; `announce(url_without_token)` is called once the socket listens."""
    from waitress.server import create_server
    server = create_server(app, host=host, port=port, threads=threads, ident="lrp-designer")
    bound_host, bound_port = server.effective_host, server.effective_port
    announce("http://%s:%s/" % (bound_host if ":" not in bound_host else "[%s]" % bound_host, bound_port))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def main(argv=None):
    """lrp-designer: reads the subjects, starts the server and prints the URL with its token."""
    args = parse_arguments(argv)
    try:
        chosen = in_precision(load_subjects(args), args.precision)
    except (LRPError, OSError) as error:
        print("lrp-designer: %s" % error, file=sys.stderr)
        sys.exit(2)
    if args.perturbation_steps is not None and args.perturbation_steps < 1:
        print("lrp-designer: --perturbation-steps must be at least 1", file=sys.stderr)
        sys.exit(2)
    token = args.token or secrets.token_urlsafe(24)
    app = create_app(chosen, token, args.perturbation_steps)

    def announce(url):
        print("lrp-designer: %d network(s): %s" % (len(chosen), ", ".join(s.name for s in chosen)), flush=True)
        print("lrp-designer: open %s?token=%s" % (url, token), flush=True)

    serve(app, args.host, args.port, args.threads, announce)
