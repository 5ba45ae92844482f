/* Unit tests for the json module: parser conformance (JSONTestSuite,
 * JSON_checker), round trips, numbers (against libc strtod as the
 * independent reference), errors, accessors, writer, allocation failures. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <dirent.h>
#include <math.h>
#include <float.h>

/* ---- helpers --------------------------------------------------------------- */

static fmcp_result parse_s(const char *s, fmcp_json_doc **d, fmcp_json_error *e)
{
    return fmcp_json_parse(s, strlen(s), NULL, d, e);
}

/* Parse s, serialise the root compactly, compare with want. */
static int write_eq(const char *s, const char *want)
{
    fmcp_json_doc *d = NULL;
    char buf[1024];
    size_t need = 0;
    int ok;
    if (parse_s(s, &d, NULL) != FMCP_OK) return 0;
    ok = fmcp_json_write(fmcp_json_root(d), buf, sizeof buf, &need) == FMCP_OK &&
         need == strlen(want) + 1 && strcmp(buf, want) == 0;
    if (!ok) fprintf(stderr, "  write of %s gave %s (want %s)\n", s, buf, want);
    fmcp_json_doc_destroy(d);
    return ok;
}

/* Finish a growable writer and compare its output with want (NULL: expect error err). */
static int jw_expect(fmcp_json_writer *w, const char *want, fmcp_result err)
{
    char *out = NULL;
    size_t n = 0;
    fmcp_result r = fmcp_jw_finish(w, &out, &n);
    int ok;
    if (!want) {
        ok = r == err && out == NULL;
        if (!ok) fprintf(stderr, "  writer: got %d, want error %d\n", (int)r, (int)err);
        fmcp_jw_reset(w);
        return ok;
    }
    ok = r == FMCP_OK && out && n == strlen(want) && strcmp(out, want) == 0;
    if (!ok) fprintf(stderr, "  writer: got %d \"%s\", want \"%s\"\n", (int)r, out ? out : "(null)", want);
    if (out) fmcp_free_text(w->alloc, out, n);
    return ok;
}

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* ---- JSONTestSuite --------------------------------------------------------- */

/* i_ files our policy decides: the strict UTF-8 / surrogate / BOM rules reject these. */
static int i_must_reject(const char *name)
{
    return strstr(name, "surrogate") || strstr(name, "utf-8") || strstr(name, "UTF-8") ||
           strstr(name, "utf16") || strstr(name, "UTF-16") || strstr(name, "UTF8") ||
           strstr(name, "latin_1") || strstr(name, "overlong") || strstr(name, "not_in_unicode") ||
           strstr(name, "lone_utf8") || strstr(name, "500_nested");
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_json_test_suite(void)
{
    char dir[1200], path[1600];
    const char *vd = t_vectors_dir();
    DIR *dh;
    struct dirent *de;
    char *names[400];
    size_t nnames = 0, k;
    int ny = 0, nn = 0, ni = 0;
    if (!vd) T_SKIP("../shared/vectors absent");
    snprintf(dir, sizeof dir, "%s/JSONTestSuite/test_parsing", vd);
    dh = opendir(dir);
    if (!dh) T_SKIP("%s absent", dir);
    while ((de = readdir(dh)) != NULL && nnames < 400)
        if (strstr(de->d_name, ".json")) names[nnames++] = strdup(de->d_name);
    closedir(dh);
    qsort(names, nnames, sizeof names[0], cmp_names); /* stable report order */
    for (k = 0; k < nnames; k++) {
        const char *name = names[k];
        char *text;
        size_t len;
        fmcp_json_doc *d = NULL;
        fmcp_json_error e;
        fmcp_result r;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        text = t_read_file(path, &len);
        CHECKF(text != NULL, "read %s", path);
        if (!text) continue;
        r = fmcp_json_parse(text, len, NULL, &d, &e);
        if (r == FMCP_OK) {
            /* any accepted document must also serialise and re-parse to an equal value */
            size_t need = 0;
            char *out;
            fmcp_json_doc *d2 = NULL;
            CHECK(fmcp_json_write(fmcp_json_root(d), NULL, 0, &need) == FMCP_ERR_BUFFER_TOO_SMALL);
            out = (char *)malloc(need);
            CHECK(out && fmcp_json_write(fmcp_json_root(d), out, need, &need) == FMCP_OK);
            CHECKF(out && fmcp_json_parse(out, need - 1, NULL, &d2, NULL) == FMCP_OK &&
                   fmcp_json_equal(fmcp_json_root(d), fmcp_json_root(d2)), "%s re-parse", name);
            fmcp_json_doc_destroy(d2);
            free(out);
        } else {
            CHECKF(d == NULL && e.code == r && e.message && e.line >= 1 && e.column >= 1 && e.offset <= len,
                   "%s: error report", name);
        }
        if (has_prefix(name, "y_")) { ny++; CHECKF(r == FMCP_OK, "%s rejected: %s at %zu", name, e.message, e.offset); }
        else if (has_prefix(name, "n_")) { nn++; CHECKF(r != FMCP_OK, "%s accepted", name); }
        else if (has_prefix(name, "i_")) {
            ni++;
            printf("%-50s %s%s%s\n", name, r == FMCP_OK ? "accepted" : "rejected: ",
                   r == FMCP_OK ? "" : fmcp_result_str(r), r == FMCP_OK ? "" : "");
            if (i_must_reject(name)) CHECKF(r != FMCP_OK, "%s accepted (policy: reject)", name);
        }
        fmcp_json_doc_destroy(d);
        free(text);
    }
    for (k = 0; k < nnames; k++) free(names[k]);
    CHECK_EQ_INT(ny, 95);
    CHECK_EQ_INT(nn, 188);
    CHECK_EQ_INT(ni, 35);
}

/* ---- nativejson-benchmark roundtrip and JSON_checker ------------------------ */

static void test_roundtrip_files(void)
{
    const char *vd = t_vectors_dir();
    int i, done = 0;
    if (!vd) T_SKIP("../shared/vectors absent");
    for (i = 1; i <= 27; i++) {
        char path[1200], out[256];
        size_t len, need = 0;
        char *text;
        fmcp_json_doc *d = NULL;
        snprintf(path, sizeof path, "%s/json-bench/roundtrip/roundtrip%02d.json", vd, i);
        text = t_read_file(path, &len);
        if (!text) continue;
        done++;
        CHECKF(fmcp_json_parse(text, len, NULL, &d, NULL) == FMCP_OK, "%s", path);
        if (d) {
            CHECK(fmcp_json_write(fmcp_json_root(d), out, sizeof out, &need) == FMCP_OK);
            CHECKF(need == len + 1 && memcmp(out, text, len) == 0, "%s: got %s", path, out);
        }
        fmcp_json_doc_destroy(d);
        free(text);
    }
    if (!done) T_SKIP("roundtrip files absent");
    CHECK_EQ_INT(done, 27);
}

static void test_jsonchecker(void)
{
    const char *vd = t_vectors_dir();
    char dir[1200], path[1600];
    DIR *dh;
    struct dirent *de;
    int seen = 0;
    if (!vd) T_SKIP("../shared/vectors absent");
    snprintf(dir, sizeof dir, "%s/json-bench/jsonchecker", vd);
    dh = opendir(dir);
    if (!dh) T_SKIP("%s absent", dir);
    while ((de = readdir(dh)) != NULL) {
        const char *name = de->d_name;
        size_t len;
        char *text;
        fmcp_json_doc *d = NULL;
        fmcp_json_parse_options o;
        fmcp_result r;
        if (!strstr(name, ".json")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        text = t_read_file(path, &len);
        if (!text) continue;
        seen++;
        r = fmcp_json_parse(text, len, NULL, &d, NULL);
        fmcp_json_doc_destroy(d);
        d = NULL;
        if (has_prefix(name, "pass")) CHECKF(r == FMCP_OK, "%s rejected", name);
        else if (strstr(name, "fail01_EXCLUDE")) {
            /* RFC 8259 allows any value at the top level: a bare string is accepted */
            CHECKF(r == FMCP_OK, "%s rejected", name);
        } else if (strstr(name, "fail18_EXCLUDE")) {
            /* 20 levels: accepted under the default cap of 64, refused with a cap of 19 */
            CHECKF(r == FMCP_OK, "%s rejected", name);
            memset(&o, 0, sizeof o);
            o.max_depth = 19;
            CHECK(fmcp_json_parse(text, len, &o, &d, NULL) == FMCP_ERR_DEPTH && d == NULL);
            o.max_depth = 20;
            CHECK(fmcp_json_parse(text, len, &o, &d, NULL) == FMCP_OK);
            fmcp_json_doc_destroy(d);
        } else CHECKF(r != FMCP_OK, "%s accepted", name);
        free(text);
    }
    closedir(dh);
    CHECK_EQ_INT(seen, 36);
}

/* ---- errors ---------------------------------------------------------------- */

static void check_err(const char *s, size_t len, fmcp_result code, size_t off, size_t line, size_t col)
{
    fmcp_json_doc *d = (fmcp_json_doc *)&d;
    fmcp_json_error e;
    fmcp_result r = fmcp_json_parse(s, len, NULL, &d, &e);
    CHECKF(r == code && d == NULL && e.code == code && e.offset == off && e.line == line && e.column == col,
           "input %s: got %d at %zu (%zu:%zu) \"%s\", want %d at %zu (%zu:%zu)", s, (int)r, e.offset,
           e.line, e.column, e.message, (int)code, off, line, col);
}

static void test_errors(void)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *d = NULL;
    fmcp_json_error e;
    check_err("", 0, FMCP_ERR_PARSE, 0, 1, 1);
    check_err("  \n ", 4, FMCP_ERR_PARSE, 4, 2, 2);
    check_err("[1,]", 4, FMCP_ERR_PARSE, 3, 1, 4);
    check_err("{\n  \"a\": 1,\n  \"b\" 2\n}", 20, FMCP_ERR_PARSE, 18, 3, 7);
    check_err("[\n\"x\",\n tru]", 12, FMCP_ERR_PARSE, 8, 3, 2);
    check_err("[1]\n\n  x", 8, FMCP_ERR_PARSE, 7, 3, 3);
    check_err("[\"a\xc3\x28\"]", 7, FMCP_ERR_ENCODING, 3, 1, 4);
    check_err("\xef\xbb\xbf{}", 5, FMCP_ERR_PARSE, 0, 1, 1);
    check_err("[\"\\ud800x\"]", 11, FMCP_ERR_ENCODING, 2, 1, 3);
    check_err("[\"\\udc00\"]", 10, FMCP_ERR_ENCODING, 2, 1, 3);
    check_err("[\"\\u12\"]", 8, FMCP_ERR_PARSE, 2, 1, 3);
    check_err("[\"a\tb\"]", 7, FMCP_ERR_PARSE, 3, 1, 4);
    check_err("[\"abc", 5, FMCP_ERR_PARSE, 5, 1, 6);
    check_err("[01]", 4, FMCP_ERR_PARSE, 2, 1, 3);
    check_err("[1.]", 4, FMCP_ERR_PARSE, 3, 1, 4);
    check_err("[1e]", 4, FMCP_ERR_PARSE, 3, 1, 4);
    check_err("[-]", 3, FMCP_ERR_PARSE, 2, 1, 3);
    check_err("[1e999]", 7, FMCP_ERR_PARSE, 1, 1, 2);
    check_err("{\"a\":1 \"b\":2}", 13, FMCP_ERR_PARSE, 7, 1, 8);
    check_err("[1]\0", 4, FMCP_ERR_PARSE, 3, 1, 4);
    check_err("{\"a\":1,}", 8, FMCP_ERR_PARSE, 7, 1, 8);
    /* NUL byte in a string is a control character */
    check_err("[\"a\0b\"]", 7, FMCP_ERR_PARSE, 3, 1, 4);
    /* UTF-8 rules: overlong, surrogate, beyond U+10FFFF, stray continuation, truncated */
    check_err("\"\xc0\xaf\"", 4, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xe0\x80\xaf\"", 5, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xf0\x80\x80\xaf\"", 6, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xed\xa0\x80\"", 5, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xf4\x90\x80\x80\"", 6, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xf5\x80\x80\x80\"", 6, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\x80\"", 3, FMCP_ERR_ENCODING, 1, 1, 2);
    check_err("\"\xe2\x82", 3, FMCP_ERR_ENCODING, 1, 1, 2);
    /* non-ASCII outside strings */
    check_err("[\xc3\xa9]", 4, FMCP_ERR_PARSE, 1, 1, 2);
    /* depth: default 64 */
    {
        char deep[200];
        memset(deep, '[', 65);
        memset(deep + 65, ']', 65);
        CHECK(fmcp_json_parse(deep, 130, NULL, &d, &e) == FMCP_ERR_DEPTH && e.offset == 64 && e.code == FMCP_ERR_DEPTH);
        CHECK(fmcp_json_parse(deep + 1, 128, NULL, &d, &e) == FMCP_OK);
        fmcp_json_doc_destroy(d);
        memset(&o, 0, sizeof o);
        o.max_depth = 3;
        CHECK(fmcp_json_parse("[{\"a\":[1]}]", 11, &o, &d, NULL) == FMCP_OK);
        fmcp_json_doc_destroy(d);
        CHECK(fmcp_json_parse("[{\"a\":[[1]]}]", 13, &o, &d, NULL) == FMCP_ERR_DEPTH);
    }
    /* size cap */
    memset(&o, 0, sizeof o);
    o.max_size = 5;
    CHECK(fmcp_json_parse("[1,2]", 5, &o, &d, NULL) == FMCP_OK);
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_json_parse("[1,22]", 6, &o, &d, &e) == FMCP_ERR_TOO_LARGE && d == NULL && e.code == FMCP_ERR_TOO_LARGE);
    /* bad arguments; err may be NULL */
    CHECK(fmcp_json_parse(NULL, 3, NULL, &d, NULL) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_json_parse("1", 1, NULL, NULL, NULL) == FMCP_ERR_INVALID_ARG);
    CHECK(fmcp_json_parse("x", 1, NULL, &d, NULL) == FMCP_ERR_PARSE);
    /* the length is honoured: the text need not be NUL-terminated */
    CHECK(fmcp_json_parse("[1]]]]", 3, NULL, &d, NULL) == FMCP_OK);
    fmcp_json_doc_destroy(d);
    CHECK(fmcp_json_parse("123", 2, NULL, &d, NULL) == FMCP_OK && fmcp_json_int(fmcp_json_root(d), 0) == 12);
    fmcp_json_doc_destroy(d);
}

static void test_duplicates(void)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *d = NULL;
    fmcp_json_error e;
    char big[4000];
    size_t n = 0;
    int i;
    const char *dup = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"alg\":\"none\"}";
    CHECK(parse_s(dup, &d, NULL) == FMCP_OK);
    CHECK_STR(fmcp_json_get_str(fmcp_json_root(d), "alg", NULL), "none"); /* last wins */
    fmcp_json_doc_destroy(d);
    memset(&o, 0, sizeof o);
    o.reject_duplicate_keys = 1;
    CHECK(fmcp_json_parse(dup, strlen(dup), &o, &d, &e) == FMCP_ERR_DUPLICATE && d == NULL);
    CHECK(e.code == FMCP_ERR_DUPLICATE);
    /* escapes are compared after unescaping */
    CHECK(fmcp_json_parse("{\"a\":1,\"\\u0061\":2}", 18, &o, &d, NULL) == FMCP_ERR_DUPLICATE);
    CHECK(fmcp_json_parse("{\"a\":{\"b\":1,\"b\":2}}", 19, &o, &d, NULL) == FMCP_ERR_DUPLICATE);
    CHECK(fmcp_json_parse("{\"a\":{\"b\":1},\"b\":{\"a\":2}}", 25, &o, &d, NULL) == FMCP_OK);
    fmcp_json_doc_destroy(d);
    /* a large object (hashing path) */
    n += (size_t)sprintf(big + n, "{");
    for (i = 0; i < 200; i++) n += (size_t)sprintf(big + n, "%s\"k%d\":%d", i ? "," : "", i, i);
    n += (size_t)sprintf(big + n, "}");
    CHECK(fmcp_json_parse(big, n, &o, &d, NULL) == FMCP_OK);
    CHECK(fmcp_json_len(fmcp_json_root(d)) == 200);
    fmcp_json_doc_destroy(d);
    big[n - 1] = 0;
    n--;
    n += (size_t)sprintf(big + n, ",\"k137\":0}");
    CHECK(fmcp_json_parse(big, n, &o, &d, NULL) == FMCP_ERR_DUPLICATE);
    o.reject_duplicate_keys = 0;
    CHECK(fmcp_json_parse(big, n, &o, &d, NULL) == FMCP_OK);
    CHECK(fmcp_json_get_int(fmcp_json_root(d), "k137", -1) == 0);
    fmcp_json_doc_destroy(d);
}

/* ---- accessors --------------------------------------------------------------- */

static void test_accessors(void)
{
    const char *s = "{\"name\":\"fast\\u0000mcp\",\"n\":-42,\"big\":9223372036854775807,"
                    "\"min\":-9223372036854775808,\"over\":9223372036854775808,\"f\":2.5,\"e\":1E2,"
                    "\"t\":true,\"no\":false,\"nil\":null,\"arr\":[10,[20,21],{\"x\":30},40],\"o\":{}}";
    fmcp_json_doc *d = NULL;
    const fmcp_json *r, *a, *v;
    size_t len;
    const char *str;
    int i;
    CHECK_OK(parse_s(s, &d, NULL));
    if (!d) return;
    r = fmcp_json_root(d);
    CHECK(fmcp_json_typeof(r) == FMCP_JSON_OBJECT && fmcp_json_is(r, FMCP_JSON_OBJECT));
    CHECK_EQ_INT(fmcp_json_len(r), 12);
    str = fmcp_json_str(fmcp_json_get(r, "name"), &len);
    CHECK(str && len == 8 && memcmp(str, "fast\0mcp", 8) == 0 && str[8] == 0);
    CHECK_EQ_INT(fmcp_json_get_int(r, "n", 0), -42);
    CHECK(fmcp_json_get_int(r, "big", 0) == INT64_MAX);
    CHECK(fmcp_json_get_int(r, "min", 0) == INT64_MIN);
    CHECK(fmcp_json_is_int(fmcp_json_get(r, "min")));
    CHECK(!fmcp_json_is_int(fmcp_json_get(r, "over")));
    CHECK(fmcp_json_get_int(r, "over", 7) == 7);
    CHECK(fmcp_json_get_double(r, "over", 0) == 9223372036854775808.0);
    CHECK(fmcp_json_get_double(r, "f", 0) == 2.5);
    CHECK(!fmcp_json_is_int(fmcp_json_get(r, "e")) && fmcp_json_get_double(r, "e", 0) == 100.0);
    CHECK(fmcp_json_get_double(r, "n", 0) == -42.0);
    CHECK(fmcp_json_get_int(r, "f", 5) == 5);
    str = fmcp_json_number_text(fmcp_json_get(r, "e"), &len);
    CHECK(str && len == 3 && memcmp(str, "1E2", 3) == 0);
    CHECK(fmcp_json_number_text(fmcp_json_get(r, "t"), &len) == NULL && len == 0);
    CHECK(fmcp_json_get_bool(r, "t", 0) == 1 && fmcp_json_get_bool(r, "no", 1) == 0);
    CHECK(fmcp_json_get_bool(r, "nil", 3) == 3 && fmcp_json_get_bool(r, "name", 4) == 4);
    CHECK(fmcp_json_is(fmcp_json_get(r, "nil"), FMCP_JSON_NULL));
    CHECK(fmcp_json_get(r, "missing") == NULL && fmcp_json_get(r, "nam") == NULL);
    CHECK_STR(fmcp_json_get_str(r, "missing", "dflt"), "dflt");
    CHECK_STR(fmcp_json_get_str(r, "n", "dflt"), "dflt");
    CHECK(fmcp_json_getn(r, "nilx", 3) == fmcp_json_get(r, "nil"));
    a = fmcp_json_get(r, "arr");
    CHECK_EQ_INT(fmcp_json_len(a), 4);
    CHECK_EQ_INT(fmcp_json_int(fmcp_json_at(a, 0), 0), 10);
    CHECK_EQ_INT(fmcp_json_int(fmcp_json_at(fmcp_json_at(a, 1), 1), 0), 21);
    CHECK_EQ_INT(fmcp_json_get_int(fmcp_json_at(a, 2), "x", 0), 30);
    CHECK_EQ_INT(fmcp_json_int(fmcp_json_at(a, 3), 0), 40);
    CHECK(fmcp_json_at(a, 4) == NULL && fmcp_json_at(r, 0) == NULL);
    CHECK(fmcp_json_key(fmcp_json_at(a, 0), &len) == NULL);
    {
        static const int64_t want[4] = {10, -1, -1, 40};
        for (i = 0, v = fmcp_json_first(a); v; v = fmcp_json_next(v), i++)
            if (i < 4) CHECK(fmcp_json_int(v, -1) == want[i]);
        CHECK_EQ_INT(i, 4);
    }
    {
        static const char *keys[12] = {"name", "n", "big", "min", "over", "f", "e", "t", "no", "nil", "arr", "o"};
        for (i = 0, v = fmcp_json_first(r); v; v = fmcp_json_next(v), i++)
            if (i < 12) CHECK_STR(fmcp_json_key(v, &len), keys[i]);
        CHECK_EQ_INT(i, 12);
    }
    CHECK(fmcp_json_first(fmcp_json_get(r, "o")) == NULL && fmcp_json_len(fmcp_json_get(r, "o")) == 0);
    CHECK(fmcp_json_next(r) == NULL);
    /* NULL is "missing" everywhere */
    CHECK(fmcp_json_typeof(NULL) == FMCP_JSON_NULL && !fmcp_json_is(NULL, FMCP_JSON_NULL));
    CHECK(fmcp_json_int(NULL, 9) == 9 && fmcp_json_double(NULL, 1.5) == 1.5 && fmcp_json_bool(NULL, 2) == 2);
    CHECK(fmcp_json_str(NULL, &len) == NULL && fmcp_json_len(NULL) == 0 && fmcp_json_first(NULL) == NULL);
    CHECK(fmcp_json_next(NULL) == NULL && fmcp_json_get(NULL, "a") == NULL && fmcp_json_root(NULL) == NULL);
    CHECK(fmcp_json_get_str(NULL, "a", "d") != NULL);
    fmcp_json_doc_destroy(NULL);
    fmcp_json_doc_destroy(d);
}

static void test_equal(void)
{
    fmcp_json_doc *a = NULL, *b = NULL;
    static const char *same[][2] = {
        {"{\"a\":1,\"b\":[1,2,{\"c\":null}]}", "{ \"b\" : [1, 2.0, {\"c\":null}], \"a\" : 1e0 }"},
        {"\"\\u00e9\"", "\"\xc3\xa9\""},
        {"[0]", "[-0.0]"},
        {"9007199254740993", "9007199254740993"},
    };
    static const char *diff[][2] = {
        {"{\"a\":1}", "{\"a\":1,\"b\":1}"},
        {"{\"a\":1,\"a\":2}", "{\"a\":2,\"b\":2}"},
        {"[1,2]", "[2,1]"},
        {"9007199254740993", "9007199254740992.0"},
        {"\"a\"", "\"a\\u0000\""},
        {"true", "1"},
        {"null", "false"},
    };
    size_t i;
    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        CHECK(parse_s(same[i][0], &a, NULL) == FMCP_OK && parse_s(same[i][1], &b, NULL) == FMCP_OK);
        CHECKF(fmcp_json_equal(fmcp_json_root(a), fmcp_json_root(b)), "same[%zu]", i);
        fmcp_json_doc_destroy(a); fmcp_json_doc_destroy(b);
    }
    for (i = 0; i < sizeof diff / sizeof diff[0]; i++) {
        CHECK(parse_s(diff[i][0], &a, NULL) == FMCP_OK && parse_s(diff[i][1], &b, NULL) == FMCP_OK);
        CHECKF(!fmcp_json_equal(fmcp_json_root(a), fmcp_json_root(b)), "diff[%zu]", i);
        CHECKF(!fmcp_json_equal(fmcp_json_root(b), fmcp_json_root(a)), "diff[%zu] reversed", i);
        fmcp_json_doc_destroy(a); fmcp_json_doc_destroy(b);
    }
    CHECK(fmcp_json_equal(NULL, NULL));
}

/* ---- numbers (libc strtod is the reference: glibc rounds correctly) ------------- */

static int num_matches_strtod(const char *text)
{
    fmcp_json_doc *d = NULL;
    double want = strtod(text, NULL), got;
    int ok;
    if (fmcp_json_parse(text, strlen(text), NULL, &d, NULL) != FMCP_OK) {
        /* only out-of-range magnitudes may be refused */
        ok = isinf(want);
        if (!ok) fprintf(stderr, "  %s refused (strtod %.17g)\n", text, want);
        return ok;
    }
    got = fmcp_json_double(fmcp_json_root(d), 0);
    ok = memcmp(&got, &want, sizeof got) == 0;
    if (!ok) fprintf(stderr, "  %s: got %.17g want %.17g\n", text, got, want);
    fmcp_json_doc_destroy(d);
    return ok;
}

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static unsigned long long rng(void)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_numbers(void)
{
    static const char *fixed[] = {
        "0", "-0", "0.0", "-0.0", "1", "0.1", "0.3", "1e23", "8.98846567431158e307",
        "1.7976931348623157e308", "1.7976931348623158e308", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "2.2250738585072014e-308", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "5e-324", "1e-400", "123e-10000000",
        "9007199254740993", "9007199254740992.5", "9007199254740993.0000000000000000000000001",
        "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000001", "179769313486231580793728971405301e276",
        "1e308", "1.5e308", "9.999999999999999e22", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "7.3177701707893310e+15",
        "-65.613616999999977", "0.30000000000000004", "3.0540412e5", "2.2250738585072009e-308",
        "1e-19", "9999999999999999999e-19", "1234567890123456789e19", "4.35679e-12",
    };
    static const char *over[] = { "1e309", "-1e309", "1.7976931348623159e308", "1e1000000000000" };
    size_t i;
    int k;
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) CHECKF(num_matches_strtod(fixed[i]), "%s", fixed[i]);
    for (i = 0; i < sizeof over / sizeof over[0]; i++) {
        fmcp_json_doc *d = NULL;
        CHECKF(fmcp_json_parse(over[i], strlen(over[i]), NULL, &d, NULL) == FMCP_ERR_PARSE, "%s", over[i]);
    }
    /* random decimal strings of every shape: 1..25 digits, point anywhere, exponents across the range */
    for (k = 0; k < 200000; k++) {
        char buf[80];
        int nd = 1 + (int)(rng() % 25), pt = (int)(rng() % (unsigned)(nd + 1)), j, n = 0;
        if (rng() & 1) buf[n++] = '-';
        for (j = 0; j < nd; j++) {
            if (j == pt && j) buf[n++] = '.';
            buf[n++] = (char)('0' + (j == 0 ? 1 + rng() % 9 : rng() % 10));
        }
        if (rng() % 3) n += sprintf(buf + n, "e%d", (int)(rng() % 700) - 350);
        buf[n] = 0;
        if (!num_matches_strtod(buf)) { CHECKF(0, "%s", buf); break; }
    }
    /* 15-19 digit mantissas with small exponents: the 128-bit exact path */
    for (k = 0; k < 200000; k++) {
        char buf[80];
        int nd = 15 + (int)(rng() % 5), j, n = 0;
        for (j = 0; j < nd; j++) buf[n++] = (char)('0' + (j == 0 ? 1 + rng() % 9 : rng() % 10));
        n += sprintf(buf + n, "e%d", (int)(rng() % 51) - 25);
        buf[n] = 0;
        if (!num_matches_strtod(buf)) { CHECKF(0, "%s", buf); break; }
    }
    /* the portable bignum path alone (used without __int128 and for long or
     * extreme inputs), on the same kind of random strings */
    for (k = 0; k < 50000; k++) {
        char buf[80];
        int nd = 1 + (int)(rng() % 40), pt = (int)(rng() % (unsigned)(nd + 1)), j, n = 0;
        double got = 0, want;
        for (j = 0; j < nd; j++) {
            if (j == pt && j) buf[n++] = '.';
            buf[n++] = (char)('0' + (j == 0 ? 1 + rng() % 9 : rng() % 10));
        }
        if (rng() % 4) n += sprintf(buf + n, "e%d", (int)(rng() % 660) - 340);
        buf[n] = 0;
        want = strtod(buf, NULL);
        if (fmcp__dec_slow(buf, buf + n, &got) != 0) { CHECKF(isinf(want), "%s refused", buf); continue; }
        if (memcmp(&got, &want, 8) != 0) { CHECKF(0, "slow path %s: %.17g want %.17g", buf, got, want); break; }
    }
    /* random doubles printed with 17 digits must read back exactly */
    for (k = 0; k < 100000; k++) {
        char buf[40];
        unsigned long long bits = rng();
        double v;
        memcpy(&v, &bits, 8);
        if (isnan(v) || isinf(v)) continue;
        sprintf(buf, "%.17g", v);
        if (!num_matches_strtod(buf)) { CHECKF(0, "%s", buf); break; }
    }
}

/* Every number in canada.json (coordinates with 15-17 digits) against strtod. */
static void test_numbers_canada(void)
{
    char path[1200];
    const char *vd = t_vectors_dir();
    char *text, *p;
    size_t len;
    fmcp_json_doc *d = NULL;
    const fmcp_json *v;
    long checked = 0, bad = 0;
    if (!vd) T_SKIP("../shared/vectors absent");
    snprintf(path, sizeof path, "%s/json-bench/canada.json", vd);
    text = t_read_file(path, &len);
    if (!text) T_SKIP("%s absent", path);
    CHECK_OK(fmcp_json_parse(text, len, NULL, &d, NULL));
    /* walk the coordinate arrays: features[0].geometry.coordinates[][][2] */
    v = fmcp_json_get(fmcp_json_at(fmcp_json_get(fmcp_json_root(d), "features"), 0), "geometry");
    for (v = fmcp_json_first(fmcp_json_get(v, "coordinates")); v; v = fmcp_json_next(v)) {
        const fmcp_json *pt;
        for (pt = fmcp_json_first(v); pt; pt = fmcp_json_next(pt)) {
            const fmcp_json *x;
            for (x = fmcp_json_first(pt); x; x = fmcp_json_next(x)) {
                size_t n;
                const char *t = fmcp_json_number_text(x, &n);
                char tmp[64];
                double want, got = fmcp_json_double(x, -1);
                if (!t || n >= sizeof tmp) { bad++; continue; }
                memcpy(tmp, t, n); tmp[n] = 0;
                want = strtod(tmp, &p);
                if (memcmp(&want, &got, 8) != 0) bad++;
                checked++;
            }
        }
    }
    CHECKF(bad == 0, "%ld of %ld numbers differ", bad, checked);
    CHECKF(checked > 100000, "only %ld numbers found", checked);
    fmcp_json_doc_destroy(d);
    free(text);
}

/* ---- the big files: parse, write, compare ------------------------------------ */

static void test_bench_files_roundtrip(void)
{
    static const char *files[] = {"twitter.json", "citm_catalog.json", "canada.json"};
    const char *vd = t_vectors_dir();
    size_t i;
    if (!vd) T_SKIP("../shared/vectors absent");
    for (i = 0; i < 3; i++) {
        char path[1200];
        size_t len, need = 0, need2 = 0;
        char *text = NULL, *out = NULL, *out2 = NULL;
        fmcp_json_doc *d = NULL, *d2 = NULL;
        snprintf(path, sizeof path, "%s/json-bench/%s", vd, files[i]);
        text = t_read_file(path, &len);
        if (!text) T_SKIP("%s absent", path);
        CHECK_OK(fmcp_json_parse(text, len, NULL, &d, NULL));
        CHECK(fmcp_json_write(fmcp_json_root(d), NULL, 0, &need) == FMCP_ERR_BUFFER_TOO_SMALL);
        out = (char *)malloc(need);
        CHECK(fmcp_json_write(fmcp_json_root(d), out, need - 1, &need2) == FMCP_ERR_BUFFER_TOO_SMALL && need2 == need);
        CHECK(fmcp_json_write(fmcp_json_root(d), out, need, &need2) == FMCP_OK && need2 == need);
        CHECK(strlen(out) + 1 == need);
        CHECK_OK(fmcp_json_parse(out, need - 1, NULL, &d2, NULL));
        CHECK(fmcp_json_equal(fmcp_json_root(d), fmcp_json_root(d2)));
        /* compact output of compact output is a fixed point */
        out2 = (char *)malloc(need);
        CHECK(fmcp_json_write(fmcp_json_root(d2), out2, need, &need2) == FMCP_OK && strcmp(out, out2) == 0);
        /* the writer's deep copy gives the same bytes */
        {
            fmcp_json_writer w;
            fmcp_jw_init(&w, NULL);
            fmcp_jw_value(&w, fmcp_json_root(d));
            CHECK(jw_expect(&w, out, FMCP_OK));
        }
        fmcp_json_doc_destroy(d); fmcp_json_doc_destroy(d2);
        free(text); free(out); free(out2);
    }
}

/* ---- writer --------------------------------------------------------------------- */

static void test_writer_basic(void)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "s"); fmcp_jw_str(&w, "q\"b\\s/\x01\x1f\b\f\n\r\t\x7f \xc3\xa9\xf0\x9f\x98\x80");
    fmcp_jw_key(&w, "i"); fmcp_jw_int(&w, INT64_MIN);
    fmcp_jw_key(&w, "u"); fmcp_jw_uint(&w, UINT64_MAX);
    fmcp_jw_key(&w, "d"); fmcp_jw_double(&w, 0.5);
    fmcp_jw_key(&w, "a"); fmcp_jw_array_begin(&w);
    fmcp_jw_bool(&w, 1); fmcp_jw_bool(&w, 0); fmcp_jw_null(&w); fmcp_jw_str(&w, NULL);
    fmcp_jw_array_begin(&w); fmcp_jw_array_end(&w);
    fmcp_jw_object_begin(&w); fmcp_jw_object_end(&w);
    fmcp_jw_strn(&w, "a\0b", 3);
    fmcp_jw_raw(&w, " {\"r\": [1, 2]} ", 15);
    fmcp_jw_raw_trusted(&w, "{\"t\":1}", 7);   /* copied as is, commas still placed */
    fmcp_jw_array_end(&w);
    fmcp_jw_keyn(&w, "k\0\"", 3); fmcp_jw_int(&w, 0);
    fmcp_jw_object_end(&w);
    CHECK(jw_expect(&w, "{\"s\":\"q\\\"b\\\\s/\\u0001\\u001f\\b\\f\\n\\r\\t\x7f \xc3\xa9\xf0\x9f\x98\x80\","
                        "\"i\":-9223372036854775808,\"u\":18446744073709551615,\"d\":0.5,"
                        "\"a\":[true,false,null,null,[],{},\"a\\u0000b\", {\"r\": [1, 2]} ,{\"t\":1}],\"k\\u0000\\\"\":0}",
                    FMCP_OK));
    /* raw values of every size: small ones are checked on the stack, larger
     * ones (and growing ones) spill to the writer's allocator */
    {
        static char big[40000];
        size_t n = 0, k, sizes[] = { 1, 30, 100, 400, 1500, 6000 };
        char *out;
        size_t olen;
        int i;
        for (i = 0; i < 6; i++) {
            n = 0;
            big[n++] = '[';
            for (k = 0; k < sizes[i]; k++) n += (size_t)sprintf(big + n, "%s%u", k ? "," : "", (unsigned)k);
            big[n++] = ']';
            fmcp_jw_init(&w, NULL);
            fmcp_jw_raw(&w, big, n);
            CHECK_OK(fmcp_jw_finish(&w, &out, &olen));
            CHECK(olen == n && memcmp(out, big, n) == 0);
            fmcp_free_text(w.alloc, out, olen);
            big[n - 1] = ',';   /* now invalid */
            fmcp_jw_init(&w, NULL);
            fmcp_jw_raw(&w, big, n);
            CHECK(fmcp_jw_finish(&w, &out, &olen) != FMCP_OK);
        }
    }
    /* pretty */
    fmcp_jw_init(&w, NULL);
    w.pretty = 1;
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "a"); fmcp_jw_array_begin(&w); fmcp_jw_int(&w, 1); fmcp_jw_int(&w, 2); fmcp_jw_array_end(&w);
    fmcp_jw_key(&w, "b"); fmcp_jw_object_begin(&w); fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    CHECK(jw_expect(&w, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}", FMCP_OK));
    /* a scalar at the top level; a second finish has nothing to give */
    fmcp_jw_init(&w, NULL);
    fmcp_jw_str(&w, "x");
    CHECK(jw_expect(&w, "\"x\"", FMCP_OK));
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));
}

static void test_writer_doubles(void)
{
    static const struct { double v; const char *want; } cases[] = {
        {0.5, "0.5"}, {-2.25, "-2.25"}, {100, "100"}, {0.1, "0.1"}, {1e300, "1e+300"},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {0.30000000000000004, "0.30000000000000004"},
        {-0.0, "-0"}, {123456789.125, "123456789.125"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fmcp_json_writer w;
        fmcp_jw_init(&w, NULL);
        fmcp_jw_double(&w, cases[i].v);
        CHECKF(jw_expect(&w, cases[i].want, FMCP_OK), "%.17g", cases[i].v);
    }
    /* every written double reads back exactly (strtod as the reader) */
    for (i = 0; i < 20000; i++) {
        fmcp_json_writer w;
        unsigned long long bits = rng();
        double v, back;
        char *out = NULL;
        size_t n;
        memcpy(&v, &bits, 8);
        if (isnan(v) || isinf(v)) continue;
        fmcp_jw_init(&w, NULL);
        fmcp_jw_double(&w, v);
        CHECK(fmcp_jw_finish(&w, &out, &n) == FMCP_OK);
        if (!out) break;
        back = strtod(out, NULL);
        CHECKF(memcmp(&back, &v, 8) == 0, "%s", out);
        fmcp_free_text(w.alloc, out, n);
    }
}

/* ---- doubles to text: shortest round trip without printf ------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define DTOA_SAMPLES 100000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DTOA_SAMPLES 100000
#endif
#endif
#ifndef DTOA_SAMPLES
#define DTOA_SAMPLES 1000000
#endif

/* Significant digits of the mantissa part of a number text (no leading or trailing zeros). */
static int sig_digits(const char *s, char *dig)
{
    int n = 0, i;
    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9' && (n || *s != '0')) dig[n++] = *s;
    while (n && dig[n - 1] == '0') n--;
    for (i = n; i < 2; i++) dig[i] = 0;
    dig[n] = 0;
    return n;
}

static int reads_back(const char *s, double v)
{
    double b = strtod(s, NULL);
    return memcmp(&b, &v, 8) == 0;
}

/* v formatted by the library: reads back to v; no string of fewer digits
 * does (the two nearest of n-1 digits are tried, from glibc's exactly
 * rounded %e); of n digits it is the nearest (glibc's when that reads back);
 * laid out like %.Pg, P = max(15, n), whenever glibc's digits agree. */
static int check_dtoa(double v, int full)
{
    char out[48], ref[64], dig[32], rdig[32];
    size_t len = fmcp__fmt_double(out, v);
    int n, p;
    out[len] = 0;
    if (!reads_back(out, v)) { fprintf(stderr, "  %.17g -> %s does not read back\n", v, out); return 0; }
#ifdef _WIN32
    full = 0;   /* the C runtime's strtod (msvcrt, Wine's) is not correctly rounded: no referee for shortest */
#endif
    if (!full || v == 0) return 1;
    n = sig_digits(out, dig);
    if (n > 1) {
        unsigned long long m;
        int ex, dm;
        snprintf(ref, sizeof ref, "%.*e", n - 2, fabs(v));
        ex = atoi(strchr(ref, 'e') + 1);
        sig_digits(ref, rdig);
        m = strtoull(rdig, NULL, 10);
        while ((int)strlen(rdig) < n - 1) { m *= 10; rdig[strlen(rdig) + 1] = 0; rdig[strlen(rdig)] = '0'; }
        for (dm = -1; dm <= 1; dm++) {
            snprintf(ref, sizeof ref, "%llue%d", m + (unsigned long long)(long long)dm, ex - (n - 2));
            if (reads_back(ref, fabs(v))) { fprintf(stderr, "  %s: %s is shorter\n", out, ref); return 0; }
        }
    }
    snprintf(ref, sizeof ref, "%.*e", n - 1, fabs(v));
    if (reads_back(ref, fabs(v))) {
        sig_digits(ref, rdig);
        if (strcmp(rdig, dig) != 0) { fprintf(stderr, "  %s: %s is nearer\n", out, ref); return 0; }
        p = n > 15 ? n : 15;
        snprintf(ref, sizeof ref, "%.*g", p, v);
        sig_digits(ref, rdig);
        if (strcmp(rdig, dig) == 0 && strcmp(ref, out) != 0) { fprintf(stderr, "  %s: %%.%dg gives %s\n", out, p, ref); return 0; }
    }
    return 1;
}

static void test_dtoa_cases(void)
{
    static const struct { double v; const char *want; } cases[] = {
        {5e-324, "5e-324"}, {-5e-324, "-5e-324"}, {1e-323, "1e-323"}, {1.5e-323, "1.5e-323"},
        {2.2250738585072009e-308, "2.225073858507201e-308"}, {DBL_MIN, "2.2250738585072014e-308"},
        {DBL_MAX, "1.7976931348623157e+308"}, {-DBL_MAX, "-1.7976931348623157e+308"},
        {0.1, "0.1"}, {0.3, "0.3"}, {2.0 / 3, "0.6666666666666666"}, {1e21, "1e+21"}, {1e22, "1e+22"},
        {1e23, "1e+23"}, {9007199254740993.0, "9007199254740992"}, {9007199254740994.0, "9007199254740994"},
        {18014398509481984.0, "18014398509481984"}, {123456789012345678.0, "1.2345678901234568e+17"},
        {1e15, "1e+15"}, {1e14, "100000000000000"}, {123456789012345.0, "123456789012345"},
        {1e16, "1e+16"}, {1e-4, "0.0001"}, {1e-5, "1e-05"}, {1.5e-7, "1.5e-07"}, {0.0, "0"}, {-0.0, "-0"},
        {1, "1"}, {-1, "-1"}, {4.35, "4.35"}, {1e100, "1e+100"}, {1e-100, "1e-100"},
        {5e-310, "5e-310"}, {2.5, "2.5"}, {0.000123, "0.000123"}, {1.0 / 1024, "0.0009765625"},
    };
    size_t i;
    int e;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[48];
        size_t n = fmcp__fmt_double(out, cases[i].v);
        out[n] = 0;
        CHECKF(strcmp(out, cases[i].want) == 0, "%.17g gave %s, want %s", cases[i].v, out, cases[i].want);
        CHECKF(check_dtoa(cases[i].v, 1), "%.17g", cases[i].v);
    }
    /* every power of ten, the doubles either side of it, and every power of two */
    for (e = -323; e <= 308; e++) {
        char s[16];
        double p;
        snprintf(s, sizeof s, "1e%d", e);
        p = strtod(s, NULL);
        CHECKF(check_dtoa(p, 1) && check_dtoa(nextafter(p, 0), 1) && check_dtoa(nextafter(p, HUGE_VAL), 1), "1e%d", e);
        if (t_case_failed) break;
    }
    for (e = -1074; e <= 1023; e++) CHECKF(check_dtoa(ldexp(1.0, e), 1), "2^%d", e);
    /* the largest subnormal and the smallest normal, the integers around 2^53 */
    CHECK(check_dtoa(nextafter(DBL_MIN, 0), 1));
    for (i = 0; i < 64; i++) CHECK(check_dtoa(9007199254740992.0 - 32 + (double)i * 2, 1));
}

/* Integers of every length against printf (32-bit targets split the division). */
static void test_writer_ints(void)
{
    int i;
    for (i = 0; i < 20000; i++) {
        unsigned long long u = rng() >> (rng() % 64);
        long long v = (long long)u * ((i & 1) ? -1 : 1);
        char want[48], got[48];
        size_t n = 0;
        fmcp_json_writer w;
        fmcp_jw_init_fixed(&w, got, sizeof got);
        fmcp_jw_array_begin(&w); fmcp_jw_uint(&w, u); fmcp_jw_int(&w, v); fmcp_jw_array_end(&w);
        CHECK(fmcp_jw_finish(&w, NULL, &n) == FMCP_OK);
        snprintf(want, sizeof want, "[%llu,%lld]", u, v);
        CHECKF(n == strlen(want) && memcmp(got, want, n) == 0, "%s", want);
        if (t_case_failed) break;
    }
}

/* Random bit patterns (all exponents), random integers and short decimals. */
static void test_dtoa_random(void)
{
    long i, bad = 0;
    for (i = 0; i < DTOA_SAMPLES && bad < 5; i++) {
        unsigned long long bits = rng();
        double v;
        memcpy(&v, &bits, 8);
        if (i % 4 == 1) v = (double)(bits >> (rng() % 64));
        if (i % 4 == 2) { char s[40]; snprintf(s, sizeof s, "%llue%d", bits % 1000000, (int)(rng() % 40) - 20); v = strtod(s, NULL); }
        if (isnan(v) || isinf(v)) continue;
        if (!check_dtoa(v, i % 8 == 0)) bad++;
    }
    CHECKF(bad == 0, "%ld of %ld", bad, i);
}

/* Random strings (controls, quotes, backslashes, multi-byte UTF-8 at every
 * offset) written then parsed back give the same bytes. */
static void test_writer_string_roundtrip(void)
{
    static const char *pieces[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", " ", "/", "\xc3\xa9", "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80", "\x7f", "xyzxyzxyz"};
    int k;
    for (k = 0; k < 3000; k++) {
        char src[200], *out = NULL;
        size_t n = 0, len = 0, got_len = 0;
        int parts = (int)(rng() % 24), j;
        fmcp_json_writer w;
        fmcp_json_doc *d = NULL;
        const char *got;
        for (j = 0; j < parts; j++) {
            const char *p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
            memcpy(src + n, p, strlen(p));
            n += strlen(p);
        }
        fmcp_jw_init(&w, NULL);
        fmcp_jw_strn(&w, src, n);
        CHECK(fmcp_jw_finish(&w, &out, &len) == FMCP_OK);
        if (!out) break;
        CHECK(fmcp_json_parse(out, len, NULL, &d, NULL) == FMCP_OK);
        got = fmcp_json_str(fmcp_json_root(d), &got_len);
        CHECKF(got && got_len == n && memcmp(got, src, n) == 0, "%s", out);
        fmcp_json_doc_destroy(d);
        fmcp_free_text(w.alloc, out, len);
        if (t_case_failed) break;
    }
}

static void test_writer_errors(void)
{
    fmcp_json_writer w;
    int i;
    /* invalid UTF-8 in values and keys */
    static const char *bad[] = {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80", "\xe2\x82"};
    for (i = 0; i < 6; i++) {
        fmcp_jw_init(&w, NULL);
        fmcp_jw_str(&w, bad[i]);
        CHECK(jw_expect(&w, NULL, FMCP_ERR_ENCODING));
        fmcp_jw_init(&w, NULL);
        fmcp_jw_object_begin(&w); fmcp_jw_key(&w, bad[i]); fmcp_jw_int(&w, 1); fmcp_jw_object_end(&w);
        CHECK(jw_expect(&w, NULL, FMCP_ERR_ENCODING));
    }
    /* NaN and infinities */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_begin(&w); fmcp_jw_double(&w, NAN); fmcp_jw_array_end(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_INVALID_ARG));
    fmcp_jw_init(&w, NULL); fmcp_jw_double(&w, HUGE_VAL);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_INVALID_ARG));
    fmcp_jw_init(&w, NULL); fmcp_jw_double(&w, -HUGE_VAL);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_INVALID_ARG));
    /* structure */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_begin(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* unclosed */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_begin(&w); fmcp_jw_object_end(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* mismatched */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_end(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* unbalanced */
    fmcp_jw_init(&w, NULL); fmcp_jw_object_begin(&w); fmcp_jw_int(&w, 1); fmcp_jw_object_end(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* value without key */
    fmcp_jw_init(&w, NULL); fmcp_jw_object_begin(&w); fmcp_jw_key(&w, "a"); fmcp_jw_object_end(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* key without value */
    fmcp_jw_init(&w, NULL); fmcp_jw_object_begin(&w); fmcp_jw_key(&w, "a"); fmcp_jw_key(&w, "b");
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* two keys */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_begin(&w); fmcp_jw_key(&w, "a");
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* key in array */
    fmcp_jw_init(&w, NULL); fmcp_jw_int(&w, 1); fmcp_jw_int(&w, 2);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* two top-level values */
    fmcp_jw_init(&w, NULL);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_STATE));                   /* nothing */
    fmcp_jw_init(&w, NULL); fmcp_jw_raw(&w, "[1,]", 4);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_PARSE));                   /* invalid raw */
    fmcp_jw_init(&w, NULL); fmcp_jw_raw(&w, "1 2", 3);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_PARSE));
    /* errors are sticky: later valid calls do not clear them */
    fmcp_jw_init(&w, NULL); fmcp_jw_array_begin(&w); fmcp_jw_str(&w, "\xff"); fmcp_jw_int(&w, 1); fmcp_jw_array_end(&w);
    CHECK(w.err == FMCP_ERR_ENCODING && jw_expect(&w, NULL, FMCP_ERR_ENCODING));
    /* depth limit */
    fmcp_jw_init(&w, NULL);
    for (i = 0; i < FASTMCP_JSON_WRITER_MAX_DEPTH; i++) fmcp_jw_array_begin(&w);
    CHECK(w.err == FMCP_OK);
    fmcp_jw_array_begin(&w);
    CHECK(jw_expect(&w, NULL, FMCP_ERR_DEPTH));
}

static void test_writer_fixed(void)
{
    char buf[64];
    fmcp_json_writer w;
    char *out;
    size_t n = 0;
    const char *want = "{\"key\":[1,\"two\",null]}"; /* 22 bytes + NUL */
    size_t cap;
    for (cap = 0; cap <= 30; cap++) {
        memset(buf, 'X', sizeof buf);
        fmcp_jw_init_fixed(&w, cap ? buf : NULL, cap);
        fmcp_jw_object_begin(&w); fmcp_jw_key(&w, "key"); fmcp_jw_array_begin(&w);
        fmcp_jw_int(&w, 1); fmcp_jw_str(&w, "two"); fmcp_jw_null(&w);
        fmcp_jw_array_end(&w); fmcp_jw_object_end(&w);
        if (cap >= 23) {
            CHECK(fmcp_jw_finish(&w, &out, &n) == FMCP_OK && out == buf && n == 22 && strcmp(buf, want) == 0);
            CHECK(buf[23] == 'X');
        } else {
            CHECKF(fmcp_jw_finish(&w, &out, &n) == FMCP_ERR_BUFFER_TOO_SMALL && out == NULL && n == 23, "cap %zu n %zu", cap, n);
            CHECK(cap == 0 || buf[cap] == 'X'); /* never writes past cap */
        }
    }
    /* fmcp_json_write: measure with NULL, then exact fit, then one short */
    {
        fmcp_json_doc *d = NULL;
        size_t need = 0;
        CHECK(parse_s("{\"a\":\"x\\ty\",\"b\":[1.50,-0,true]}", &d, NULL) == FMCP_OK);
        CHECK(fmcp_json_write(fmcp_json_root(d), NULL, 0, &need) == FMCP_ERR_BUFFER_TOO_SMALL);
        CHECK_EQ_INT(need, 32);
        memset(buf, 'X', sizeof buf);
        CHECK(fmcp_json_write(fmcp_json_root(d), buf, 31, &need) == FMCP_ERR_BUFFER_TOO_SMALL && need == 32 && buf[31] == 'X');
        CHECK(fmcp_json_write(fmcp_json_root(d), buf, 32, &need) == FMCP_OK && need == 32);
        CHECK_STR(buf, "{\"a\":\"x\\ty\",\"b\":[1.50,-0,true]}");
        /* a member value alone */
        CHECK(fmcp_json_write(fmcp_json_get(fmcp_json_root(d), "b"), buf, sizeof buf, &need) == FMCP_OK);
        CHECK_STR(buf, "[1.50,-0,true]");
        CHECK(fmcp_json_write(NULL, buf, sizeof buf, &need) == FMCP_ERR_INVALID_ARG);
        fmcp_json_doc_destroy(d);
    }
}

static void test_write_escapes(void)
{
    /* parse-unescape then write-escape: the canonical escaped form */
    CHECK(write_eq("[\"\\/\\u0041\\u00e9\\ud83d\\ude00\\b\\f\\n\\r\\t\\\"\\\\\\u0000\\u001F\\u007f\"]",
                   "[\"/A\xc3\xa9\xf0\x9f\x98\x80\\b\\f\\n\\r\\t\\\"\\\\\\u0000\\u001f\x7f\"]"));
    CHECK(write_eq(" { \"a\" : [ 1 , { } , [ ] , \"\" ] } ", "{\"a\":[1,{},[],\"\"]}"));
    CHECK(write_eq("{\"\\n\":{\"\\u0000\":1}}", "{\"\\n\":{\"\\u0000\":1}}"));
    CHECK(write_eq("[[[[1],2],3],[4,[5,[6]]]]", "[[[[1],2],3],[4,[5,[6]]]]"));
    CHECK(write_eq("-1.5E+10", "-1.5E+10"));
}

static void test_writer_value(void)
{
    fmcp_json_doc *d = NULL;
    fmcp_json_writer w;
    const char *s = "{\"a\":[1,{\"b\":[]},[[2]]],\"c\":{\"d\":{\"e\":\"\\u0001\"}},\"f\":3.0}";
    CHECK_OK(parse_s(s, &d, NULL));
    if (!d) return;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_array_begin(&w);
    fmcp_jw_value(&w, fmcp_json_root(d));
    fmcp_jw_value(&w, fmcp_json_get(fmcp_json_root(d), "c"));
    fmcp_jw_value(&w, fmcp_json_get(fmcp_json_root(d), "f"));
    fmcp_jw_array_end(&w);
    CHECK(jw_expect(&w, "[{\"a\":[1,{\"b\":[]},[[2]]],\"c\":{\"d\":{\"e\":\"\\u0001\"}},\"f\":3.0},"
                        "{\"d\":{\"e\":\"\\u0001\"}},3.0]", FMCP_OK));
    fmcp_jw_init(&w, NULL);
    w.pretty = 1;
    fmcp_jw_value(&w, fmcp_json_get(fmcp_json_root(d), "c"));
    CHECK(jw_expect(&w, "{\n  \"d\": {\n    \"e\": \"\\u0001\"\n  }\n}", FMCP_OK));
    fmcp_json_doc_destroy(d);
}

/* ---- mutated inputs: never crash; failures report sanely; successes round-trip ---- */

static void test_mutations(void)
{
    static const char *seeds[] = {
        "{\"a\":[1,2.5e-3,{\"b\":\"x\\u00e9\\n\"}],\"c\":null,\"d\":true}",
        "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",-0,1e308,[[[]]],{}]",
        "{\"k\":\"\\ud83d\\ude00\",\"n\":-12345678901234567890}",
    };
    static const char bytes[] = "[]{}\",:\\u0123456789.eE+-tfn \n\x80\xc3\xed\xf4";
    int k;
    for (k = 0; k < 30000; k++) {
        char buf[128];
        const char *seed = seeds[k % 3];
        size_t n = strlen(seed), i, edits = 1 + rng() % 3;
        fmcp_json_doc *d = (fmcp_json_doc *)&d;
        fmcp_json_error e;
        memcpy(buf, seed, n);
        for (i = 0; i < edits; i++) {
            size_t at = (size_t)(rng() % n);
            switch (rng() % 3) {
            case 0: buf[at] = bytes[rng() % (sizeof bytes - 1)]; break;
            case 1: if (n < sizeof buf - 1) { memmove(buf + at + 1, buf + at, n - at); buf[at] = bytes[rng() % (sizeof bytes - 1)]; n++; } break;
            default: if (n > 1) { memmove(buf + at, buf + at + 1, n - at - 1); n--; } break;
            }
        }
        if (fmcp_json_parse(buf, n, NULL, &d, &e) == FMCP_OK) {
            char out[512];
            size_t need = 0;
            fmcp_json_doc *d2 = NULL;
            CHECK(fmcp_json_write(fmcp_json_root(d), out, sizeof out, &need) == FMCP_OK);
            CHECK(fmcp_json_parse(out, need - 1, NULL, &d2, NULL) == FMCP_OK);
            CHECK(fmcp_json_equal(fmcp_json_root(d), fmcp_json_root(d2)));
            fmcp_json_doc_destroy(d2);
            fmcp_json_doc_destroy(d);
        } else {
            CHECK(d == NULL && e.offset <= n && e.line >= 1 && e.message != NULL);
        }
        if (t_case_failed) break;
    }
}

/* ---- allocation failures ------------------------------------------------------ */

static void test_alloc_sweep(void)
{
    char big[20000];
    size_t n = 0;
    int i;
    fmcp_json_parse_options o;
    n += (size_t)sprintf(big + n, "{");
    for (i = 0; i < 400; i++) n += (size_t)sprintf(big + n, "%s\"k%d\":[%d,\"s\\n%d\",{\"x\":[]}]", i ? "," : "", i, i, i);
    n += (size_t)sprintf(big + n, "}");
    memset(&o, 0, sizeof o);
    o.alloc = &t_alloc;
    o.reject_duplicate_keys = 1;
    T_ALLOC_SWEEP({
        fmcp_json_doc *d = NULL;
        t_rc = (int)fmcp_json_parse(big, n, &o, &d, NULL);
        if (t_rc == 0) { CHECK(fmcp_json_len(fmcp_json_root(d)) == 400); fmcp_json_doc_destroy(d); }
        else CHECK(d == NULL);
    });
    T_ALLOC_SWEEP({
        fmcp_json_writer w;
        char *out = NULL;
        size_t len = 0;
        int k;
        fmcp_jw_init(&w, &t_alloc);
        fmcp_jw_array_begin(&w);
        for (k = 0; k < 300; k++) { fmcp_jw_str(&w, "some text to grow the buffer"); fmcp_jw_double(&w, k * 0.25); }
        fmcp_jw_raw(&w, "{\"raw\":[1,2,3]}", 15);
        fmcp_jw_raw(&w, big, n);   /* too big for the stack check: spills to t_alloc */
        fmcp_jw_array_end(&w);
        t_rc = (int)fmcp_jw_finish(&w, &out, &len);
        if (t_rc == 0) { CHECK(out && strlen(out) == len && len > 9000 + n); fmcp_free_text(w.alloc, out, len); }
        else { CHECK(out == NULL); fmcp_jw_reset(&w); }
    });
    /* fmcp_jw_value through a growable writer */
    {
        fmcp_json_doc *d = NULL;
        CHECK(fmcp_json_parse(big, n, NULL, &d, NULL) == FMCP_OK);
        T_ALLOC_SWEEP({
            fmcp_json_writer w;
            char *out = NULL;
            size_t len = 0;
            fmcp_jw_init(&w, &t_alloc);
            fmcp_jw_value(&w, fmcp_json_root(d));
            t_rc = (int)fmcp_jw_finish(&w, &out, &len);
            if (t_rc == 0) { CHECK(len == n && memcmp(out, big, n) == 0); fmcp_free_text(w.alloc, out, len); }
        });
        fmcp_json_doc_destroy(d);
    }
}

int main(void)
{
    T_RUN(test_json_test_suite);
    T_RUN(test_roundtrip_files);
    T_RUN(test_jsonchecker);
    T_RUN(test_errors);
    T_RUN(test_duplicates);
    T_RUN(test_accessors);
    T_RUN(test_equal);
    T_RUN(test_numbers);
    T_RUN(test_numbers_canada);
    T_RUN(test_bench_files_roundtrip);
    T_RUN(test_writer_basic);
    T_RUN(test_writer_doubles);
    T_RUN(test_writer_ints);
    T_RUN(test_dtoa_cases);
    T_RUN(test_dtoa_random);
    T_RUN(test_writer_string_roundtrip);
    T_RUN(test_writer_errors);
    T_RUN(test_writer_fixed);
    T_RUN(test_write_escapes);
    T_RUN(test_writer_value);
    T_RUN(test_mutations);
    T_RUN(test_alloc_sweep);
    return t_finish("json");
}
