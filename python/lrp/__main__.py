"""`lrp COMMAND …` (and `python -m lrp COMMAND …`): the package's commands; `lrp explain` explains image files."""

import sys


def main(argv=None):
    """Dispatches `lrp explain …` to lrp.explain."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "explain":
        asked = bool(argv) and argv[0] in ("-h", "--help")
        print("usage: lrp explain IMAGE_OR_FOLDER... --model PATH [options]   (lrp explain --help for the options)",
              file=sys.stdout if asked else sys.stderr)
        return 0 if asked else 2
    from .explain import main as explain
    return explain(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
