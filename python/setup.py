"""Builds liblrp.so from the Swift package one folder up — with the Swift runtime linked in statically, so
the installed package runs on machines without Swift — and bundles it, with its HDF5 helper program lrp-hdf5-reader, into the `lrp` package.

    pip install ./python        (from the repository root)

Needs Swift 6 and libopenblas-dev/libdnnl-dev/zlib1g-dev at build time; at run time only libopenblas0, libdnnl2
and zlib.
"""

import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(HERE)
SCRATCH = os.path.join(REPOSITORY, ".build-static")  # shared with make install
#: The Swift products built, and the files bundled beside the package: the library and the helper process
#: that parses HDF5 files for it (liblrp finds it in its own folder).
PRODUCTS = ("lrp", "lrp-hdf5-reader")
FILES = ("liblrp.so", "lrp-hdf5-reader")


class BuildWithLibrary(build_py):
    """build_py that first builds liblrp.so (swift build -c release -Xswiftc -static-stdlib)."""

    def run(self):
        if not os.path.exists(os.path.join(REPOSITORY, "Package.swift")):
            raise RuntimeError("liblrp's Package.swift is not at %s: build from the repository's python folder" % REPOSITORY)
        for product in PRODUCTS:
            command = ["swift", "build", "-c", "release", "--product", product, "-Xswiftc", "-static-stdlib",
                       "--scratch-path", SCRATCH]
            print(" ".join(command))
            subprocess.check_call(command, cwd=REPOSITORY)
        super().run()
        target = os.path.join(self.build_lib, "lrp")
        os.makedirs(target, exist_ok=True)
        for name in FILES:
            shutil.copy2(os.path.join(SCRATCH, "release", name), os.path.join(target, name))


class BinaryDistribution(Distribution):
    """The package carries a compiled library, so its wheel is platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
