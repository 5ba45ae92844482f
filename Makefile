# fastmcp.h build. Edit src/, then `make amalgamate` to regenerate fastmcp.h.
#   make            library tests, examples and build/fmcp into build/
#   make test       everything: freshness, compile matrix, unit tests (plain and
#                   ASan+UBSan), interop tests; last line "N passed, N failed"
#   make bench      benchmarks against peer libraries (bench/run.sh)
#   make amalgamate regenerate fastmcp.h from src/
#   make clean
CC       ?= cc
CXX      ?= c++
BUILD    := build
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wvla -Werror
STD      := -std=c99
OPT      ?= -O2 -g
LDLIBS   := -lpthread -lm
SANITIZE := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TEST_SRCS    := $(wildcard tests/test_*.c)
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
SAN_BINS     := $(TEST_SRCS:tests/%.c=$(BUILD)/san/%)
# Extra builds of some tests with a portability switch (name_variant: -DSWITCH).
VARIANT_BINS := $(BUILD)/tests/test_http_poll
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)
CLI_BIN      := $(if $(wildcard cli/fmcp.c),$(BUILD)/fmcp,)
BENCH_SRCS   := $(wildcard bench/bench_*.c)
BENCH_BINS   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

# Per-benchmark peer libraries (bench_NAME_LIBS).
bench_json_LIBS   := -lcjson
bench_sha256_LIBS := -lcrypto
bench_rsa_LIBS    := -lcrypto -lbearssl
bench_jwt_LIBS    := -ljwt -lcrypto

.PHONY: all test bench amalgamate clean check-fresh tests san-tests fuzz
all: tests $(EXAMPLE_BINS) $(CLI_BIN)

tests: $(TEST_BINS) $(VARIANT_BINS)
san-tests: $(SAN_BINS)

$(BUILD)/tests/%: tests/%.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

# the http tests again on the portable poll(2) backend
$(BUILD)/tests/test_http_poll: tests/test_http.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_HTTP_USE_POLL -I. -o $@ $< $(LDLIBS)

$(BUILD)/san/%: tests/%.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -I. -o $@ $< $(LDLIBS)

$(BUILD)/examples/%: examples/%.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/fmcp: cli/fmcp.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/bench/%: bench/%.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) -Wall -Wextra -O3 -march=native -g -I. -o $@ $< $($*_LIBS) $(LDLIBS)

test: all san-tests
	@sh tests/run.sh

bench:
	@sh bench/run.sh

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
fuzz: $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: fuzz/%.c fastmcp.h
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -o $@ $< $(LDLIBS)

amalgamate:
	@sh tools/amalgamate

check-fresh:
	@mkdir -p $(BUILD)
	@sh tools/amalgamate -o $(BUILD)/fastmcp.h.fresh && cmp -s fastmcp.h $(BUILD)/fastmcp.h.fresh \
	  || { echo "fastmcp.h is stale: run 'make amalgamate'"; exit 1; }

clean:
	rm -rf $(BUILD)
