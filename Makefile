# fastmcp.h build. Edit src/, then `make amalgamate` to regenerate fastmcp.h.
#   make            library tests, examples and build/fmcp into build/
#   make test       everything: freshness, compile matrix, unit tests (plain,
#                   ASan+UBSan, and the threaded ones under TSan), interop tests;
#                   last line "N passed, N failed"
#   make bench      benchmarks against peer libraries (bench/run.sh)
#   make ct-check   constant-time check of the secret paths (ec, rsa, ed25519, x25519) under valgrind
#   make run        build and start examples/authenticated_server (development mode)
#   make i686-tests the unit tests built with -m32 into build/i686/ (skipped when
#                   $(CC) -m32 cannot link: install gcc-multilib)
#   make windows-tests the unit tests cross-built with mingw-w64 into build/win/
#                   (*.exe; tests/run.sh runs them under Wine); skipped without
#                   x86_64-w64-mingw32-gcc (install mingw-w64 and wine)
#   make fuzz-long  every fuzz target for FUZZ_SECONDS (default 600) from fuzz/seeds
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
TSAN     := -O1 -g -fsanitize=thread -fno-omit-frame-pointer

TEST_SRCS    := $(filter-out tests/test_tls.c,$(wildcard tests/test_*.c))
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
SAN_BINS     := $(TEST_SRCS:tests/%.c=$(BUILD)/san/%)
# The threaded tests again under ThreadSanitizer (build/tsan/).
TSAN_TESTS   := test_mcp test_stream test_mcp_http test_mcp_client test_mcp_client_stdio test_client_spawn test_mcp_tasks
TSAN_BINS    := $(TSAN_TESTS:%=$(BUILD)/tsan/%)
# Extra builds of some tests with a switch: one table, one entry per line,
# name:source:flags[:san] (flags comma-separated; "san" builds build/san/NAME
# too). Each builds build/tests/NAME from tests/SOURCE.c with the whole
# implementation in; -DFASTMCP_WITH_BEARSSL also links -lbearssl.
# the http tests again on the portable poll(2) backend
VARIANTS := test_http_poll:test_http:-DFASTMCP_HTTP_USE_POLL
# rsa (and the bn arithmetic under it), rsa-pss, x25519 and ed25519 (32-bit
# field code, radix 2^25.5) and ec (P-256, P-384) again with 32-bit limbs
VARIANTS += test_rsa_noint128:test_rsa:-DFASTMCP_NO_INT128:san
VARIANTS += test_rsa_pss_noint128:test_rsa_pss:-DFASTMCP_NO_INT128:san
VARIANTS += test_x25519_noint128:test_x25519:-DFASTMCP_NO_INT128:san
VARIANTS += test_ec_noint128:test_ec:-DFASTMCP_NO_INT128:san
VARIANTS += test_ed25519_noint128:test_ed25519:-DFASTMCP_NO_INT128:san
# json again without __int128 and SSE2 (bignum number conversion, portable scanners)
VARIANTS += test_json_portable:test_json:-DFASTMCP_NO_INT128,-DFASTMCP_NO_SIMD
# json with the size-first code (byte-wise scanners, conversions from the bits), no SSE2
VARIANTS += test_json_small:test_json:-DFASTMCP_SMALL,-DFASTMCP_NO_SIMD
# sha256 with the size-first code (FASTMCP_SMALL, also what -Os builds get)
VARIANTS += test_sha256_small:test_sha256:-DFASTMCP_SMALL
# base with randomness and clocks from the hooks only (the bare-metal setting)
VARIANTS += test_base_noos:test_base:-DFASTMCP_NO_OS_DEFAULTS
# the MCP engine with handlers inline (no worker pool, callback-form requests)
VARIANTS += test_mcp_nothreads:test_mcp:-DFASTMCP_NO_THREADS
# the MCP client without threads (pumps on the caller; no GET stream)
VARIANTS += test_mcp_client_nothreads:test_mcp_client:-DFASTMCP_NO_THREADS
# the stdio client's reading paths without threads (the caller always reads)
VARIANTS += test_mcp_client_stdio_nothreads:test_mcp_client_stdio:-DFASTMCP_NO_THREADS:san
# the MCP client without processes: HTTP only (no stdio transport)
VARIANTS += test_mcp_client_noprocess:test_mcp_client:-DFASTMCP_NO_PROCESS
# Built (with BearSSL) whenever it is installed: the TLS tests, and the MCP
# client again with TLS compiled in (its https:// test runs).
TLS_VARIANTS := test_tls:test_tls:-DFASTMCP_WITH_BEARSSL:san
TLS_VARIANTS += test_tls_bearssl_hs:test_tls:-DFASTMCP_WITH_BEARSSL,-DFASTMCP_TLS_BEARSSL_HANDSHAKE
TLS_VARIANTS += test_mcp_client_tls:test_mcp_client:-DFASTMCP_WITH_BEARSSL
# TLS: everything is built with BearSSL whenever it is installed (its header
# and library); `make BEARSSL=0` leaves it out, `make BEARSSL=1` insists on it.
BEARSSL_FOUND := $(if $(and $(wildcard /usr/include/bearssl.h /usr/local/include/bearssl.h),$(wildcard \
                   /usr/lib/libbearssl.* /usr/lib/*/libbearssl.* /usr/local/lib/libbearssl.*)),1,0)
BEARSSL  ?= $(BEARSSL_FOUND)
ifeq ($(BEARSSL),1)
STD      += -DFASTMCP_WITH_BEARSSL
LDLIBS   += -lbearssl
endif
ifeq ($(MAKELEVEL)$(filter clean amalgamate check-fresh,$(MAKECMDGOALS)),0)
ifeq ($(BEARSSL),1)
$(info fastmcp: building with BearSSL (TLS for https:// JWKS, clients and servers); make BEARSSL=0 leaves it out)
else
$(info fastmcp: building without TLS ($(if $(filter 1,$(BEARSSL_FOUND)),BEARSSL=0,BearSSL not installed: libbearssl-dev)))
endif
endif
# The flags every build here depends on: a change (make BEARSSL=1 after make,
# another OPT or CC) rewrites this stamp, and everything that depends on it
# is rebuilt. Written while the Makefile is read, only when the line differs.
FLAGS_STAMP := $(BUILD)/flags.stamp
FLAGS_LINE  := $(CC) $(CXX) $(STD) $(WARN) $(OPT) $(LDLIBS) $(SANITIZE) $(TSAN)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD) && { printf '%s\n' '$(FLAGS_LINE)' | cmp -s - $(FLAGS_STAMP) || printf '%s\n' '$(FLAGS_LINE)' > $(FLAGS_STAMP); })
endif
HDR := fastmcp.h $(FLAGS_STAMP)
ifneq ($(wildcard /usr/include/bearssl.h),)
VARIANTS += $(TLS_VARIANTS)
endif
variant_field = $(word $(2),$(subst :, ,$(1)))
VARIANT_BINS := $(foreach v,$(VARIANTS),$(BUILD)/tests/$(call variant_field,$(v),1) \
                  $(if $(call variant_field,$(v),4),$(BUILD)/san/$(call variant_field,$(v),1)))
# examples/uart_server.c is for a Cortex-M board (tools/baremetal-check builds and runs it in QEMU)
EXAMPLE_SRCS := $(filter-out examples/uart_server.c,$(wildcard examples/*.c))
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
bench_ecdsa_LIBS  := -lcrypto -lbearssl
bench_jwt_LIBS    := -ljwt -lcrypto
bench_ec_LIBS     := -lcrypto -lbearssl

.PHONY: all test bench amalgamate clean check-fresh tests san-tests tsan-tests fuzz fuzz-long run i686-tests ct-check ct-bins \
        windows-tests
all: tests $(EXAMPLE_BINS) $(CLI_BIN)

tests: $(TEST_BINS) $(VARIANT_BINS)
san-tests: $(SAN_BINS)
tsan-tests: $(TSAN_BINS)

$(BUILD)/tests/%: tests/%.c $(HDR) tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

# Most tests link one build of the implementation (tests/fastmcp_impl.c, made
# once per flag set) instead of compiling all of it into each binary: that
# halves the build. These call internal (static) functions and build it in.
OWN_IMPL_TESTS := test_base test_json test_oauth test_sha256 test_rsa2048 test_mcp_small test_bn test_rsa
SHARED_TESTS   := $(filter-out $(OWN_IMPL_TESTS),$(TEST_SRCS:tests/%.c=%))
IMPL_O         := $(BUILD)/obj/impl.o
IMPL_SAN_O     := $(BUILD)/obj/impl_san.o
# _DEFAULT_SOURCE, _FILE_OFFSET_BITS: what the implementation defines for the tests when built in
SHARED_DEFS    := -DFMCP_TEST_SHARED_IMPL -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
$(IMPL_O): tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -c -o $@ $<
$(IMPL_SAN_O): tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -I. -c -o $@ $<
$(SHARED_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(HDR) tests/test.h $(IMPL_O)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) $(SHARED_DEFS) -I. -o $@ $< $(IMPL_O) $(LDLIBS)
$(SHARED_TESTS:%=$(BUILD)/san/%): $(BUILD)/san/%: tests/%.c $(HDR) tests/test.h $(IMPL_SAN_O)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) $(SHARED_DEFS) -I. -o $@ $< $(IMPL_SAN_O) $(LDLIBS)
IMPL_TSAN_O    := $(BUILD)/obj/impl_tsan.o
$(IMPL_TSAN_O): tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(TSAN) -I. -c -o $@ $<
$(TSAN_BINS): $(BUILD)/tsan/%: tests/%.c $(HDR) tests/test.h $(IMPL_TSAN_O)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(TSAN) $(SHARED_DEFS) -I. -o $@ $< $(IMPL_TSAN_O) $(LDLIBS)

# The variant rules, made from the table: $(1) name, $(2) source, $(3) flags,
# $(4) "san" or empty, $(5) extra libraries.
define variant_rules
$(BUILD)/tests/$(1): tests/$(2).c $(HDR) tests/test.h
	@mkdir -p $$(@D)
	$$(CC) $$(STD) $$(WARN) $$(OPT) $(3) -I. -o $$@ $$< $(5)$$(LDLIBS)
ifneq ($(4),)
$(BUILD)/san/$(1): tests/$(2).c $(HDR) tests/test.h
	@mkdir -p $$(@D)
	$$(CC) $$(STD) $$(WARN) $$(SANITIZE) $(3) -I. -o $$@ $$< $(5)$$(LDLIBS)
endif
endef
variant_flags = $(subst $(comma), ,$(call variant_field,$(1),3))
comma := ,
$(foreach v,$(sort $(VARIANTS) $(TLS_VARIANTS)),$(eval $(call variant_rules,$(call variant_field,$(v),1),$(call variant_field,$(v),2),$(call variant_flags,$(v)),$(call variant_field,$(v),4),$(if $(findstring -DFASTMCP_WITH_BEARSSL,$(v)),-lbearssl ))))

$(BUILD)/san/%: tests/%.c $(HDR) tests/test.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SANITIZE) -I. -o $@ $< $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(HDR) $(wildcard examples/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/examples/%_server: examples/%/server.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/fmcp: cli/fmcp.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) -Wall -Wextra -O3 -march=native -g -I. -o $@ $< $($*_LIBS) $(LDLIBS)

# 32-bit x86 (x87 floating point, 32-bit size_t and pointers): the unit tests
# again with -m32, sharing one -m32 build of the implementation likewise
# (without BearSSL: there is no 32-bit libbearssl).
I686_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/i686/%)
I686_CC   := $(CC) -m32 -std=c99
i686-tests:
	@mkdir -p $(BUILD)/i686
	@if printf 'int main(void){return 0;}\n' | $(I686_CC) -x c -o $(BUILD)/i686/.probe - >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(I686_BINS); \
	else echo "skip: i686 tests ($(I686_CC) cannot link a program; install gcc-multilib)"; fi
$(BUILD)/i686/impl.o: tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	$(I686_CC) $(WARN) $(OPT) -I. -c -o $@ $<
$(SHARED_TESTS:%=$(BUILD)/i686/%): $(BUILD)/i686/%: tests/%.c $(HDR) tests/test.h $(BUILD)/i686/impl.o
	@mkdir -p $(@D)
	$(I686_CC) $(WARN) $(OPT) $(SHARED_DEFS) -I. -o $@ $< $(BUILD)/i686/impl.o -lpthread -lm
$(OWN_IMPL_TESTS:%=$(BUILD)/i686/%): $(BUILD)/i686/%: tests/%.c $(HDR) tests/test.h
	@mkdir -p $(@D)
	$(I686_CC) $(WARN) $(OPT) -I. -o $@ $< -lpthread -lm

# Windows (x86_64, mingw-w64): the unit tests as .exe files, run under Wine by
# tests/run.sh. The library needs -lws2_32 -lbcrypt -lshell32; -static keeps
# Wine from looking for the toolchain's DLLs, and -lpthread (winpthreads) is
# for the tests' own threads only (the library uses Win32 threads).
# __USE_MINGW_ANSI_STDIO: the tests print with C99 formats (%zu, %lld).
# Left out: tests that need POSIX in the test itself (fork, socketpair,
# sys/wait.h, pipes); test_client_spawn covers the stdio transport there.
WIN_CC    := x86_64-w64-mingw32-gcc
WIN_FLAGS := -std=c99 $(WARN) $(OPT) -D__USE_MINGW_ANSI_STDIO=1
WIN_LIBS  := -static -lws2_32 -lbcrypt -lshell32 -lpthread
WIN_SKIP  := test_tls test_stream test_mcp_client test_mcp_client_stdio
WIN_TESTS := $(filter-out $(WIN_SKIP),$(TEST_SRCS:tests/%.c=%))
WIN_BINS  := $(WIN_TESTS:%=$(BUILD)/win/%.exe)
windows-tests:
	@mkdir -p $(BUILD)/win
	@if command -v $(WIN_CC) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(WIN_BINS); \
	else echo "skip: windows tests ($(WIN_CC) absent; install mingw-w64)"; fi
$(BUILD)/win/impl.o: tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_FLAGS) -I. -c -o $@ $<
$(patsubst %,$(BUILD)/win/%.exe,$(filter $(SHARED_TESTS),$(WIN_TESTS))): $(BUILD)/win/%.exe: tests/%.c $(HDR) tests/test.h $(BUILD)/win/impl.o
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_FLAGS) $(SHARED_DEFS) -I. -o $@ $< $(BUILD)/win/impl.o $(WIN_LIBS)
$(patsubst %,$(BUILD)/win/%.exe,$(filter $(OWN_IMPL_TESTS),$(WIN_TESTS))): $(BUILD)/win/%.exe: tests/%.c $(HDR) tests/test.h
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_FLAGS) -I. -o $@ $< $(WIN_LIBS)

NPROC := $(shell nproc 2>/dev/null || echo 2)
VALGRIND := $(shell command -v valgrind 2>/dev/null)
test:
	@$(MAKE) -s -j$(NPROC) all san-tests tsan-tests i686-tests windows-tests $(if $(VALGRIND),ct-bins)
	@sh tests/run.sh

bench:
	@sh bench/run.sh

# prints a test token and the URL (and builds build/fmcp, which its "Try it" line uses);
# HOST, PORT, RATE_LIMIT, ... as in examples/auth_common.h
run: $(BUILD)/examples/authenticated_server $(CLI_BIN)
	ENVIRONMENT=development $(BUILD)/examples/authenticated_server

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
# fuzz_tls_server (the HTTPS server's handshake) needs BearSSL: without it, left out
ifneq ($(BEARSSL),1)
FUZZ_SRCS := $(filter-out fuzz/fuzz_tls_server.c,$(FUZZ_SRCS))
endif
# constant-time check of the ec module's secret paths under valgrind (tests/ct_ec.c)
# and of the RSA, Ed25519 and X25519 ones (tests/ct_sig.c)
CT_BINS := $(foreach t,ct_ec ct_sig,$(BUILD)/ct/$(t) $(BUILD)/ct/$(t)_noint128)
ct-bins: $(CT_BINS)
ct-check: $(CT_BINS)
	@for t in $(CT_BINS); do echo "valgrind $$t"; valgrind -q --error-exitcode=1 $$t || exit 1; done
$(BUILD)/ct/%: tests/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -I. -o $@ $< $(LDLIBS)
$(BUILD)/ct/%_noint128: tests/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) -DFASTMCP_NO_INT128 -I. -o $@ $< $(LDLIBS)

fuzz: $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
# the fuzz targets share one instrumented build of the implementation too
$(BUILD)/fuzz/impl.o: tests/fastmcp_impl.c $(HDR)
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer-no-link,address,undefined -I. -c -o $@ $<
$(BUILD)/fuzz/%: fuzz/%.c $(HDR) $(BUILD)/fuzz/impl.o
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(SHARED_DEFS) -I. -o $@ $< $(BUILD)/fuzz/impl.o $(LDLIBS)
# these reach static parsers, so they build the implementation in themselves
FUZZ_OWN_IMPL := $(BUILD)/fuzz/fuzz_http $(BUILD)/fuzz/fuzz_oauth $(BUILD)/fuzz/fuzz_introspect
$(FUZZ_OWN_IMPL): $(BUILD)/fuzz/%: fuzz/%.c $(HDR)
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -I. -o $@ $< $(LDLIBS)
# the TLS server target builds it in with BearSSL; without BearSSL there is
# nothing to build (tests/fuzz_smoke.sh reports it skipped)
ifeq ($(BEARSSL),1)
$(BUILD)/fuzz/fuzz_tls_server: fuzz/fuzz_tls_server.c $(HDR)
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -DFASTMCP_WITH_BEARSSL -I. -o $@ $< $(LDLIBS)
else
.PHONY: $(BUILD)/fuzz/fuzz_tls_server
$(BUILD)/fuzz/fuzz_tls_server:
	@rm -f $@; echo "fuzz_tls_server: skipped (needs BearSSL: libbearssl-dev)"
endif
# every target for FUZZ_SECONDS (default 600) from its committed corpus
FUZZ_SECONDS ?= 600
fuzz-long:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=-1 sh tests/fuzz_smoke.sh

amalgamate:
	@sh tools/amalgamate

check-fresh:
	@mkdir -p $(BUILD)
	@sh tools/amalgamate -o $(BUILD)/fastmcp.h.fresh && cmp -s fastmcp.h $(BUILD)/fastmcp.h.fresh \
	  || { echo "fastmcp.h is stale: run 'make amalgamate'"; exit 1; }

clean:
	rm -rf $(BUILD)
