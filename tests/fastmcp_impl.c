/* The library's implementation on its own. The Makefile compiles it once per
 * flag set and links it into the tests built with -DFMCP_TEST_SHARED_IMPL,
 * instead of compiling the whole implementation into every test binary. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
