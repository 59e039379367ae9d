"""The designer's web application (Flask): the page, its static files and a JSON API over the workbenches.

Every request needs the session's token — in the URL (`?token=…`, as Jupyter), the `X-LRP-Token` header or the
cookie the page's first request sets; others get 403. Request bodies are limited to MAX_REQUEST_BYTES. A bad
request (bad JSON, a segment out of range, an unknown rule, a parameter that is not a number …) gets status 400
and {"error": message}; nothing changes and the server goes on.
"""

import hmac
import json
import os

from flask import Flask, Response, jsonify, request, send_from_directory

from ..errors import LRPError
from . import designs
from .workbench import Workbench, timed

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
MAX_REQUEST_BYTES = 2 * designs.MAX_FILE_BYTES
COOKIE = "lrp_designer_token"
#: The workbench's computations served at /api/<name>, with the request fields each takes, in order.
COMPUTATIONS = {"explain": ["image", "class", "segments"], "neurons": ["image", "class", "segments", "layer"],
                "conditional": ["image", "class", "segments", "layer", "channels"],
                "ablate": ["image", "layer", "channels"], "flip": ["image", "mask"],
                "perturbation": ["image", "class", "segments"]}


class BadRequest(Exception):
    """A request the designer refuses, with the message the page shows."""


def create_app(subjects, token, perturbation_steps=None):
    """The Flask application serving `subjects` (lrp.designer.subjects.Subject) behind `token`;
    `perturbation_steps` fixes the comparison's perturbation steps (default: Workbench.steps' budget)."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    benches = {s.key: Workbench(s, perturbation_steps) for s in subjects}
    app.config["WORKBENCHES"] = benches

    @app.before_request
    def check_token():
        given = request.args.get("token") or request.headers.get("X-LRP-Token") or request.cookies.get(COOKIE) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response("403: this designer session needs its token (the URL it printed at start)\n", 403,
                            mimetype="text/plain")
        return None

    @app.after_request
    def remember_token(response):
        if request.args.get("token"):
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.errorhandler(BadRequest)
    @app.errorhandler(LRPError)
    def refused(error):
        return jsonify({"error": str(error)}), 400

    @app.errorhandler(413)
    def too_large(_):
        return jsonify({"error": "the request is larger than %d bytes" % MAX_REQUEST_BYTES}), 413

    @app.errorhandler(404)
    def missing(_):
        return jsonify({"error": "no such page: %s" % request.path}), 404

    @app.errorhandler(405)
    def method(_):
        return jsonify({"error": "%s is not allowed on %s" % (request.method, request.path)}), 405

    def body():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object")
        return data

    def bench(data):
        key = data.get("net")
        if not isinstance(key, str) or key not in benches:
            raise BadRequest("unknown network %r (known: %s)" % (key, ", ".join(benches)))
        return benches[key]

    @app.get("/")
    def page():
        return send_from_directory(STATIC, "index.html")

    @app.get("/static/<path:name>")
    def static_file(name):
        return send_from_directory(STATIC, name)

    @app.get("/api/session")
    def session():
        return jsonify({"networks": [_network_json(b) for b in benches.values()],
                        "presets": [{"key": k, "label": label, "rule": designs.unified_spec(p)} for k, label, p in designs.PRESETS],
                        "parameter_groups": [{"group": g, "parameters": [{"name": n, "key": k, "label": label}
                                                                          for n, k, label in ps]}
                                             for g, ps in designs.PARAMETER_GROUPS],
                        "lrp0": designs.LRP0})

    @app.post("/api/image")
    def image():
        data = body()
        b = bench(data)
        index = b.check_image(data.get("image"))
        h, w, c = b.subject.image_shape
        return jsonify({"height": h, "width": w, "channels": c, "pixels": b.subject.display[index].ravel().tolist()})

    def computation(name, fields):
        """POST /api/<name>: the workbench's method `name` with the body's `fields`, timed."""
        def run():
            data = body()
            return jsonify(timed(getattr(bench(data), name), *[data.get(f) for f in fields]))
        app.add_url_rule("/api/" + name, name, run, methods=["POST"])

    for name, fields in COMPUTATIONS.items():
        computation(name, fields)

    @app.post("/api/design/import")
    def import_design():
        data = body()
        b = bench(data)
        text = data.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be the design file's content")
        with b.lock:
            name, specs = designs.read_design(text, b.model)
        return jsonify({"name": name, "segments": designs.segments_of(specs)})

    @app.post("/api/design/export")
    def export_design():
        data = body()
        b = bench(data)
        name = data.get("name") if isinstance(data.get("name"), str) else "My New Model"
        fmt = data.get("format", "vislrpdesigner")
        if fmt not in ("vislrpdesigner", "liblrp"):
            raise BadRequest("format must be 'vislrpdesigner' or 'liblrp', got %r" % (fmt,))
        with b.lock:
            segments = b.canonical(data.get("segments"))
            if fmt == "vislrpdesigner":
                content = designs.vislrpdesigner_json(name, segments)
            else:
                content = designs.composite_json(segments)
            # the library must read back what it is given: check before handing the file out
            designs.read_design(json.dumps(content), b.model)
        return jsonify({"filename": _filename(name, fmt), "content": content})

    return app


def _network_json(bench):
    s = bench.subject
    h, w, c = s.image_shape
    return {"key": s.key, "name": s.name, "source": s.source, "layers": bench.layers, "softmax": bench.softmax,
            "classes": s.class_names, "images": len(s), "image_shape": [h, w, c], "bounds": list(s.bounds),
            "labels": None if s.labels is None else [int(v) for v in s.labels],
            "boxes": None if s.boxes is None else s.boxes.tolist(),
            "examples": bench.examples}


def _filename(name, fmt):
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-") or "design"
    return stem + (".json" if fmt == "vislrpdesigner" else ".composite.json")
