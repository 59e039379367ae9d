"""The README's Python snippet (the first ```python block of README.md, under "## Python") runs as written:
from the repository root, with PYTHONPATH=python, in a fresh interpreter.

The run happens in a temporary folder that holds a symbolic link to every top-level entry of the repository,
so relative paths ('models/digits-cnn-sumpool.txt') resolve exactly as from the root while the files the snippet
writes ('heatmap.png', ...) stay out of the checkout."""

import os
import re
import subprocess
import sys

import pytest

from conftest import REPOSITORY

README = os.path.join(REPOSITORY, "README.md")


def first_python_block(text):
    match = re.search(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, re.S | re.M)
    assert match, "README.md has no ```python block"
    return match.group(1)


def test_first_python_block_finds_the_fenced_code():
    text = "intro\n\n```sh\nmake\n```\n\n## Python\n\n```python\nimport numpy\nx = 1\n```\n\n```python\ny = 2\n```\n"
    assert first_python_block(text) == "import numpy\nx = 1\n"


def test_readme_python_snippet_runs_as_written(tmp_path):
    with open(README, encoding="utf-8") as f:
        snippet = first_python_block(f.read())
    if "sklearn" in snippet:
        pytest.importorskip("sklearn", reason="the README snippet loads scikit-learn's digits")
    for entry in os.listdir(REPOSITORY):
        if entry not in (".git",):
            os.symlink(os.path.join(REPOSITORY, entry), tmp_path / entry)
    script = tmp_path / "readme_snippet.py"
    script.write_text(snippet, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPOSITORY, "python"))
    run = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, (
        "README.md's Python snippet (its first ```python block, under '## Python') does not run as written from "
        "the repository root with PYTHONPATH=python — it must say where `lrp` comes from, define every name it "
        "uses (X, the labels, the validation data) and run line by line. Update README.md (not this test).\n"
        "--- snippet ---\n%s--- stderr (last 2000 characters) ---\n%s" % (snippet, run.stderr[-2000:]))
