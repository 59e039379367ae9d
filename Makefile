# liblrp — build, demo, tests and benchmark.
#
#   make         build liblrp.so and lrp-demonstrator (the LRP Toolbox's Caffe demonstrator on liblrp, in C++)
#   make demo    install what is missing, build liblrp.so, explain the project's digit classifiers (and LeNet-5
#                on MNIST when ../shared is there): grids of heatmaps in out/demo
#   make c-demo  the C example on the XOR classifier
#   make evaluate  which explanation is right: localization and AOPC tables and plots in out/evaluate (needs
#                ../shared; about 10 minutes)
#   make test    install what is missing, build, and run every test (Swift, C, exported symbols, example)
#   make bench   liblrp's timings in float64 and float32, LeNet-5, MLP and VGG, and of the evaluation analyses
#                (needs ../shared)
#   make bench-designer   the LRP designer on a VGG-16 in headless Chromium: each interaction's time, the
#                comparison's progress and how responsive the page stays (float64, then float32)
#   make bench-peers   the same cases beside zennit and the reference toolbox (installs them in .venv-peers)
#   make fuzz    libFuzzer targets of every reader and parser, FUZZ_SECONDS (60) each
#   make install the header, library, HDF5 helper and pkg-config file under PREFIX (/usr/local)

SHARED  ?= ../shared
BUILD   := .build/release
LIB     := $(BUILD)/liblrp.so
CC      ?= cc
CSTRICT := -std=c99 -Wall -Wextra -Werror -O2 -Iinclude
CLINK   := -L$(BUILD) -llrp -Wl,-rpath,$(CURDIR)/$(BUILD) -lm
OUT     := out
PREFIX  ?= /usr/local
STATIC  := .build-static
VERSION := $(shell sed -n 's/^\#define LRP_VERSION_STRING "\(.*\)"/\1/p' include/lrp.h)

.DEFAULT_GOAL := all

.PHONY: all demonstrator demonstrator-test deps test-deps lib example demo c-demo evaluate patterns test swift-test c-test exports-test example-test python-test package-test install install-test fuzz-build fuzz fuzz-test bench bench-designer bench-peers clean

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --tests

lib: deps
	swift build -c release --product lrp
	swift build -c release --product lrp-hdf5-reader
	@ln -sf liblrp.so $(BUILD)/liblrp.so.1

all: lib demonstrator

# lrp-demonstrator: C++17 against include/lrp.h only, images through ImageMagick's Magick++ (Debian libmagick++-dev).
DEMONSTRATOR := $(BUILD)/lrp-demonstrator
DEMO_SOURCES := $(wildcard demonstrator/*.cpp)
CXX     ?= c++
# (recursive: pkg-config runs when the recipe does, after deps installed Magick++; its headers as system headers)
MAGICK_CFLAGS = $(shell pkg-config --cflags Magick++ | sed 's/-I/-isystem /g')
MAGICK_LIBS = $(shell pkg-config --libs Magick++)
CXXSTRICT = -std=c++17 -Wall -Wextra -Werror -O2 -Iinclude $(MAGICK_CFLAGS)
demonstrator: lib $(DEMONSTRATOR)

$(DEMONSTRATOR): $(DEMO_SOURCES) $(wildcard demonstrator/*.hpp) include/lrp.h $(BUILD)/liblrp.so
	$(CXX) $(CXXSTRICT) $(DEMO_SOURCES) -o $(DEMONSTRATOR) $(CLINK) $(MAGICK_LIBS)

demonstrator-test: demonstrator
	python3 -m pytest -q python/tests/test_demonstrator.py

example: lib
	$(CC) $(CSTRICT) examples/c/explain.c -o examples/c/explain $(CLINK)

demo: lib
	@bash scripts/install-deps.sh --demo
	python3 examples/python/demo.py --out $(OUT)/demo $$( [ -d $(SHARED)/golden ] && echo --toolbox $(SHARED) )

evaluate: lib
	@bash scripts/install-deps.sh --demo
	python3 examples/python/evaluate_explanations.py $(SHARED) $(OUT)/evaluate

patterns: lib
	@bash scripts/install-deps.sh --demo
	python3 examples/python/pattern_evidence.py $(SHARED) $(OUT)/patterns

c-demo: example
	@mkdir -p $(OUT)
	@for rule in simple epsilon:0.01 alphabeta:1 alphabeta:2 ww flat; do \
	  name=$$(echo $$rule | tr ':' '_'); \
	  echo "=== XOR classifier, rule $$rule"; \
	  examples/c/explain models/xor.txt models/xor-inputs.txt --rule $$rule --out $(OUT)/xor-relevance-$$name.npy || exit 1; \
	  echo; \
	done

test: test-deps lib demonstrator swift-test c-test exports-test example-test python-test package-test install-test fuzz-test
	@echo "all tests passed"

swift-test: test-deps
	swift test

c-test: lib
	$(CC) $(CSTRICT) -pthread Tests/c/test_capi.c -o Tests/c/test_capi $(CLINK)
	@tmp=$$(mktemp -d) && Tests/c/test_capi $$tmp; status=$$?; rm -rf $$tmp; exit $$status
	$(CC) $(CSTRICT) Tests/c/test_graph.c -o Tests/c/test_graph $(CLINK)
	@tmp=$$(mktemp -d) && Tests/c/test_graph Tests/fixtures $$tmp; status=$$?; rm -rf $$tmp; exit $$status
	$(CC) $(CSTRICT) Tests/c/test_rules.c -o Tests/c/test_rules $(CLINK)
	@tmp=$$(mktemp -d) && Tests/c/test_rules Tests/fixtures $$tmp; status=$$?; rm -rf $$tmp; exit $$status
	$(CC) $(CSTRICT) Tests/c/test_evaluation.c -o Tests/c/test_evaluation $(CLINK)
	Tests/c/test_evaluation Tests/fixtures
	$(CC) $(CSTRICT) Tests/c/test_precision.c -o Tests/c/test_precision $(CLINK)
	Tests/c/test_precision Tests/fixtures
	$(CC) $(CSTRICT) Tests/c/test_patterns.c -o Tests/c/test_patterns $(CLINK)
	@tmp=$$(mktemp -d) && Tests/c/test_patterns $$tmp; status=$$?; rm -rf $$tmp; exit $$status

exports-test: lib
	bash Tests/c/check-exports.sh $(LIB) include/lrp.h

python-test: lib
	python3 -m pytest -q python/tests

package-test: deps
	bash Tests/python-package.sh

example-test: example
	SHARED=$(SHARED) bash Tests/c/run-example.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: lrp-demonstrator in bin, the header, liblrp.so.$(VERSION) (SONAME liblrp.so.1, the Swift runtime
# linked in) with its liblrp.so.1 and liblrp.so links, the HDF5 helper in libexec, and a pkg-config file:
#   cc app.c $$(pkg-config --cflags --libs liblrp)
install: deps
	swift build -c release --product lrp -Xswiftc -static-stdlib --scratch-path $(STATIC)
	swift build -c release --product lrp-hdf5-reader -Xswiftc -static-stdlib --scratch-path $(STATIC)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/libexec
	install -m 644 include/lrp.h $(DESTDIR)$(PREFIX)/include/lrp.h
	install -m 755 $(STATIC)/release/liblrp.so $(DESTDIR)$(PREFIX)/lib/liblrp.so.$(VERSION)
	ln -sf liblrp.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/liblrp.so.1
	ln -sf liblrp.so.1 $(DESTDIR)$(PREFIX)/lib/liblrp.so
	install -m 755 $(STATIC)/release/lrp-hdf5-reader $(DESTDIR)$(PREFIX)/libexec/lrp-hdf5-reader
	install -d $(DESTDIR)$(PREFIX)/bin
	$(CXX) $(CXXSTRICT) $(DEMO_SOURCES) -o $(STATIC)/lrp-demonstrator -L$(STATIC)/release -llrp -Wl,-rpath,$(PREFIX)/lib \
		$(MAGICK_LIBS)
	install -m 755 $(STATIC)/lrp-demonstrator $(DESTDIR)$(PREFIX)/bin/lrp-demonstrator
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/liblrp.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/liblrp.pc
	@echo "installed liblrp $(VERSION) in $(DESTDIR)$(PREFIX)"

install-test: deps
	bash Tests/c/install-test.sh

# Fuzzing (Fuzz/README.md): every reader and parser of the C API under libFuzzer and AddressSanitizer.
FUZZ_SECONDS ?= 60
fuzz-build: lib
	LRP_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product lrp-fuzz --static-swift-stdlib -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz: fuzz-build
	bash Fuzz/run.sh $(FUZZ_SECONDS)

fuzz-test: fuzz-build
	bash Fuzz/run.sh 5

bench: lib
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Iinclude -rdynamic bench/bench.c -o bench/bench $(CLINK)
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Iinclude bench/table.c -o bench/table $(CLINK) -lopenblas
	bench/table $(SHARED)
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Iinclude bench/evaluation.c -o bench/evaluation $(CLINK)
	bench/evaluation $(SHARED)
	bench/bench $(SHARED)
	python3 bench/bench_python.py $(SHARED)

bench-designer: lib
	@bash scripts/install-deps.sh --tests
	python3 bench/designer.py
	python3 bench/designer.py --f32

# zennit and CPU PyTorch in a virtual environment of their own (.venv-peers), never the test environment; the
# reference toolbox joins when LRP_TOOLBOX_PYTHON names its python/ folder.
PEERS = .venv-peers
bench-peers: lib
	@test -x $(PEERS)/bin/python || python3 -m venv $(PEERS)
	@$(PEERS)/bin/python -c "import torch, zennit" 2>/dev/null || { \
		$(PEERS)/bin/pip install -q --only-binary=:all: "torch==2.13.0+cpu" 2>/dev/null || $(PEERS)/bin/pip install -q torch; \
		$(PEERS)/bin/pip install -q zennit numpy; }
	$(PEERS)/bin/python bench/peers.py $(SHARED)

clean:
	rm -rf .build .build-static .build-fuzz $(OUT) examples/c/explain Tests/c/test_capi Tests/c/test_evaluation Tests/c/test_precision bench/bench bench/table bench/evaluation python/build python/*.egg-info
