/* Compiled by tests/run.sh in every configuration of the compile matrix. */
#if defined(TEST_CUSTOM_ALLOC) || defined(TEST_PARTIAL_ALLOC)
#include <stddef.h>
void *my_malloc(size_t n);
void *my_realloc(void *p, size_t n);
void my_free(void *p);
#define FASTMCP_MALLOC(sz) my_malloc(sz)
#ifndef TEST_PARTIAL_ALLOC
#define FASTMCP_REALLOC(p, sz) my_realloc(p, sz)
#define FASTMCP_FREE(p) my_free(p)
#endif
#endif
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "fastmcp.h" /* a second inclusion must be harmless */

int compile_check_main(void);
int compile_check_main(void)
{
    unsigned char b[4];
    return (int)fmcp_random_bytes(b, sizeof b) + (int)fmcp_ct_equal(b, b, 4);
}
