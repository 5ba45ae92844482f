# fastmcp.h build. Edit src/, then `make amalgamate` to regenerate fastmcp.h.
#   make            library tests, examples and build/fmcp into build/
#   make test       everything: freshness, compile matrix, unit tests (plain and
#                   ASan+UBSan), interop tests; last line "N passed, N failed"
#   make bench      benchmarks against peer libraries (bench/run.sh)
#   make run        build and start examples/authenticated_server (development mode)
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

TEST_SRCS    := $(filter-out tests/test_tls.c,$(wildcard tests/test_*.c))
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
SAN_BINS     := $(TEST_SRCS:tests/%.c=$(BUILD)/san/%)
# Extra builds of some tests with a portability switch (name_variant: -DSWITCH).
VARIANT_BINS := $(BUILD)/tests/test_http_poll
VARIANT_BINS += $(BUILD)/tests/test_rsa_noint128 $(BUILD)/san/test_rsa_noint128
VARIANT_BINS += $(BUILD)/tests/test_rsa_pss_noint128 $(BUILD)/san/test_rsa_pss_noint128
VARIANT_BINS += $(BUILD)/tests/test_json_portable
VARIANT_BINS += $(BUILD)/tests/test_x25519_noint128 $(BUILD)/san/test_x25519_noint128
VARIANT_BINS += $(BUILD)/tests/test_ed25519_noint128 $(BUILD)/san/test_ed25519_noint128
VARIANT_BINS += $(BUILD)/tests/test_mcp_nothreads
VARIANT_BINS += $(BUILD)/tests/test_mcp_client_nothreads
VARIANT_BINS += $(BUILD)/tests/test_mcp_client_stdio_nothreads $(BUILD)/san/test_mcp_client_stdio_nothreads
# TLS: `make BEARSSL=1` builds everything with BearSSL; test_tls is built
# (with it) whenever BearSSL is installed.
ifeq ($(BEARSSL),1)
STD      += -DFASTMCP_WITH_BEARSSL
LDLIBS   += -lbearssl
endif
ifneq ($(wildcard /usr/include/bearssl.h),)
VARIANT_BINS += $(BUILD)/tests/test_tls $(BUILD)/san/test_tls $(BUILD)/tests/test_mcp_client_tls
endif
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)
# examples/NAME/server.c (a directory with its config files) -> build/examples/NAME_server
EXAMPLE_BINS += $(patsubst examples/%/server.c,$(BUILD)/examples/%_server,$(wildcard examples/*/server.c))
CLI_BIN      := $(if $(wildcard cli/fmcp.c),$(BUILD)/fmcp,)
BENCH_SRCS   := $(wildcard bench/bench_*.c)
BENCH_BINS   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

# Per-benchmark peer libraries (bench_NAME_LIBS).
bench_json_LIBS   := -lcjson
bench_sha256_LIBS := -lcrypto
bench_rsa_LIBS    := -lcrypto -lbearssl
bench_jwt_LIBS    := -ljwt -lcrypto
bench_ec_LIBS     := -lcrypto

.PHONY: all test bench amalgamate clean check-fresh tests san-tests fuzz run
all: tests $(EXAMPLE_BINS) $(CLI_BIN)

tests: $(TEST_BINS) $(VARIANT_BINS)
san-tests: $(SAN_BINS)

$(BUILD)/tests/%: tests/%.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

# Most tests link one build of the implementation (tests/fastmcp_impl.c, made
# once per flag set) instead of compiling all of it into each binary: that
# halves the build. These call internal (static) functions and build it in.
OWN_IMPL_TESTS := test_json test_oauth test_sha256
SHARED_TESTS   := $(filter-out $(OWN_IMPL_TESTS),$(TEST_SRCS:tests/%.c=%))
IMPL_O         := $(BUILD)/obj/impl.o
IMPL_SAN_O     := $(BUILD)/obj/impl_san.o
# _DEFAULT_SOURCE: what the implementation defines for the tests when built in
SHARED_DEFS    := -DFMCP_TEST_SHARED_IMPL -D_DEFAULT_SOURCE
$(IMPL_O): tests/fastmcp_impl.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -c -o $@ $<
$(IMPL_SAN_O): tests/fastmcp_impl.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -I. -c -o $@ $<
$(SHARED_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c fastmcp.h tests/test.h $(IMPL_O)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) $(SHARED_DEFS) -I. -o $@ $< $(IMPL_O) $(LDLIBS)
$(SHARED_TESTS:%=$(BUILD)/san/%): $(BUILD)/san/%: tests/%.c fastmcp.h tests/test.h $(IMPL_SAN_O)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) $(SHARED_DEFS) -I. -o $@ $< $(IMPL_SAN_O) $(LDLIBS)

# the http tests again on the portable poll(2) backend
$(BUILD)/tests/test_http_poll: tests/test_http.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_HTTP_USE_POLL -I. -o $@ $< $(LDLIBS)

# rsa (and the bn arithmetic under it) again with 32-bit limbs
$(BUILD)/tests/test_rsa_noint128: tests/test_rsa.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)
$(BUILD)/san/test_rsa_noint128: tests/test_rsa.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)

$(BUILD)/tests/test_rsa_pss_noint128: tests/test_rsa_pss.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)
$(BUILD)/san/test_rsa_pss_noint128: tests/test_rsa_pss.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)

# x25519 again with the 32-bit field code (radix 2^25.5)
$(BUILD)/tests/test_x25519_noint128: tests/test_x25519.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)
$(BUILD)/san/test_x25519_noint128: tests/test_x25519.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)

# ed25519 again with the 32-bit field code
$(BUILD)/tests/test_ed25519_noint128: tests/test_ed25519.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)
$(BUILD)/san/test_ed25519_noint128: tests/test_ed25519.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)

# json again without __int128 and SSE2 (bignum number conversion, portable scanners)
$(BUILD)/tests/test_json_portable: tests/test_json.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -DFASTMCP_NO_SIMD -I. -o $@ $< $(LDLIBS)

# the MCP engine with handlers inline (no worker pool, callback-form requests)
$(BUILD)/tests/test_mcp_nothreads: tests/test_mcp.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_THREADS -I. -o $@ $< $(LDLIBS)

# the MCP client without threads (pumps on the caller; no GET stream)
$(BUILD)/tests/test_mcp_client_nothreads: tests/test_mcp_client.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_THREADS -I. -o $@ $< $(LDLIBS)
# the stdio client's reading paths without threads (the caller always reads)
$(BUILD)/tests/test_mcp_client_stdio_nothreads: tests/test_mcp_client_stdio.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_THREADS -I. -o $@ $< $(LDLIBS)
$(BUILD)/san/test_mcp_client_stdio_nothreads: tests/test_mcp_client_stdio.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_NO_THREADS -I. -o $@ $< $(LDLIBS)
# the MCP client again with TLS compiled in (its https:// test runs)
$(BUILD)/tests/test_mcp_client_tls: tests/test_mcp_client.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_WITH_BEARSSL -I. -o $@ $< -lbearssl $(LDLIBS)

# the TLS tests, always against BearSSL
$(BUILD)/tests/test_tls: tests/test_tls.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_WITH_BEARSSL -I. -o $@ $< -lbearssl $(LDLIBS)
$(BUILD)/san/test_tls: tests/test_tls.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -DFASTMCP_WITH_BEARSSL -I. -o $@ $< -lbearssl $(LDLIBS)

$(BUILD)/san/%: tests/%.c fastmcp.h tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -I. -o $@ $< $(LDLIBS)

$(BUILD)/examples/%: examples/%.c fastmcp.h $(wildcard examples/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/examples/%_server: examples/%/server.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/fmcp: cli/fmcp.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/bench/%: bench/%.c fastmcp.h
	@mkdir -p $(@D)
	$(CC) $(STD) -Wall -Wextra -O3 -march=native -g -I. -o $@ $< $($*_LIBS) $(LDLIBS)

NPROC := $(shell nproc 2>/dev/null || echo 2)
test:
	@$(MAKE) -s -j$(NPROC) all san-tests
	@sh tests/run.sh

bench:
	@sh bench/run.sh

# prints a test token and the URL; HOST, PORT, RATE_LIMIT, ... as in examples/auth_common.h
run: $(BUILD)/examples/authenticated_server
	ENVIRONMENT=development $(BUILD)/examples/authenticated_server

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
fuzz: $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
# the fuzz targets share one instrumented build of the implementation too
$(BUILD)/fuzz/impl.o: tests/fastmcp_impl.c fastmcp.h
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer-no-link,address,undefined -I. -c -o $@ $<
$(BUILD)/fuzz/%: fuzz/%.c fastmcp.h $(BUILD)/fuzz/impl.o
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(SHARED_DEFS) -I. -o $@ $< $(BUILD)/fuzz/impl.o $(LDLIBS)

amalgamate:
	@sh tools/amalgamate

check-fresh:
	@mkdir -p $(BUILD)
	@sh tools/amalgamate -o $(BUILD)/fastmcp.h.fresh && cmp -s fastmcp.h $(BUILD)/fastmcp.h.fresh \
	  || { echo "fastmcp.h is stale: run 'make amalgamate'"; exit 1; }

clean:
	rm -rf $(BUILD)
