# liblrp — build, demo, tests and benchmark.
#
#   make demo    install what is missing, build liblrp.so, explain the project's digit classifiers (and LeNet-5
#                on MNIST when ../shared is there): grids of heatmaps in out/demo
#   make c-demo  the C example on the XOR classifier
#   make test    install what is missing, build, and run every test (Swift, C, exported symbols, example)
#   make bench   LeNet-5 and MLP timings at batch 256 (needs ../shared)

SHARED  ?= ../shared
BUILD   := .build/release
LIB     := $(BUILD)/liblrp.so
CC      ?= cc
CSTRICT := -std=c99 -Wall -Wextra -Werror -O2 -Iinclude
CLINK   := -L$(BUILD) -llrp -Wl,-rpath,$(CURDIR)/$(BUILD) -lm
OUT     := out

.PHONY: deps test-deps lib example demo c-demo test swift-test c-test exports-test example-test bench clean

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --tests

lib: deps
	swift build -c release --product lrp
	swift build -c release --product lrp-hdf5-reader

example: lib
	$(CC) $(CSTRICT) examples/c/explain.c -o examples/c/explain $(CLINK)

demo: lib
	@bash scripts/install-deps.sh --demo
	python3 examples/python/demo.py --out $(OUT)/demo $$( [ -d $(SHARED)/golden ] && echo --toolbox $(SHARED) )

c-demo: example
	@mkdir -p $(OUT)
	@for rule in simple epsilon:0.01 alphabeta:1 alphabeta:2 ww flat; do \
	  name=$$(echo $$rule | tr ':' '_'); \
	  echo "=== XOR classifier, rule $$rule"; \
	  examples/c/explain models/xor.txt models/xor-inputs.txt --rule $$rule --out $(OUT)/xor-relevance-$$name.npy || exit 1; \
	  echo; \
	done

test: test-deps lib swift-test c-test exports-test example-test python-test package-test
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

exports-test: lib
	bash Tests/c/check-exports.sh $(LIB) include/lrp.h

python-test: lib
	python3 -m pytest -q python/tests

package-test: deps
	bash Tests/python-package.sh

example-test: example
	SHARED=$(SHARED) bash Tests/c/run-example.sh

bench: lib
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Iinclude -rdynamic bench/bench.c -o bench/bench $(CLINK)
	bench/bench $(SHARED)
	python3 bench/bench_python.py $(SHARED)

clean:
	rm -rf .build .build-python $(OUT) examples/c/explain Tests/c/test_capi bench/bench python/build python/*.egg-info
