/* libFuzzer target: the JSON parser must never crash, leak or accept what its
 * own writer cannot reproduce. Build: make fuzz (clang -fsanitize=fuzzer). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <string.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fmcp_json_doc *doc = NULL, *doc2 = NULL;
    fmcp_json_error err;
    fmcp_json_parse_options o;
    size_t need = 0;
    char *out;
    memset(&o, 0, sizeof o);
    o.max_depth = 32;
    o.reject_duplicate_keys = size > 0 && (data[0] & 1);
    if (fmcp_json_parse((const char *)data, size, &o, &doc, &err) != FMCP_OK) {
        if (doc) abort();                        /* failure must not hand out a document */
        if (err.offset > size) abort();          /* error position inside the input */
        return 0;
    }
    /* Serialise, re-parse, and the two documents must be equal. */
    if (fmcp_json_write(fmcp_json_root(doc), NULL, 0, &need) != FMCP_ERR_BUFFER_TOO_SMALL) abort();
    out = (char *)malloc(need);
    if (!out) abort();
    if (fmcp_json_write(fmcp_json_root(doc), out, need, &need) != FMCP_OK) abort();
    if (fmcp_json_parse(out, strlen(out), &o, &doc2, &err) != FMCP_OK) abort();
    if (!fmcp_json_equal(fmcp_json_root(doc), fmcp_json_root(doc2))) abort();
    fmcp_json_doc_destroy(doc2);
    fmcp_json_doc_destroy(doc);
    free(out);
    return 0;
}
