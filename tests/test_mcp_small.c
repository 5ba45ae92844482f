/* Tests for the small-build paths of the engine: FASTMCP_SMALL_SCHEMA (tool
 * arguments checked for the compact spec's keywords, everything else refused
 * at registration) and FASTMCP_SMALL (the engine's and the stream's messages
 * formatted without snprintf, raw input schemas always walked for
 * x-mcp-header). Builds its own implementation with both switches. */
#define FASTMCP_SMALL
#define FASTMCP_SMALL_SCHEMA
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include "test.h"

static fmcp_json_doc *parse(const char *text)
{
    fmcp_json_doc *d = NULL;
    if (fmcp_json_parse(text, strlen(text), NULL, &d, NULL) != FMCP_OK) {
        fprintf(stderr, "  bad test JSON: %s\n", text);
        return NULL;
    }
    return d;
}

static char g_msg[256];

static int val(const char *schema, const char *inst)
{
    fmcp_json_doc *s = parse(schema), *i = inst ? parse(inst) : NULL;
    int r = -100;
    if (s && (i || !inst)) r = fmcp_schema_validate(fmcp_json_root(s), i ? fmcp_json_root(i) : NULL, g_msg, sizeof g_msg);
    if (s) fmcp_json_doc_destroy(s);
    if (i) fmcp_json_doc_destroy(i);
    return r;
}

static int chk(const char *schema)
{
    fmcp_json_doc *s = parse(schema);
    int r = -100;
    if (s) r = fmcp_schema_check(fmcp_json_root(s), g_msg, sizeof g_msg);
    if (s) fmcp_json_doc_destroy(s);
    return r;
}

#define OK(s, i) CHECKF(val(s, i) == FMCP_OK, "%s should accept %s: %s", s, i, g_msg)
#define NO(s, i, m) do { int r__ = val(s, i); CHECKF(r__ == FMCP_ERR_INVALID_ARG, "%s should reject %s (%d)", s, i, r__); \
                         CHECK_STR(g_msg, m); } while (0)

static void test_check(void)
{
    static const char *const refused[] = {
        "{\"type\":\"integer\",\"minimum\":1}", "{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{}}}",
        "{\"anyOf\":[{\"type\":\"string\"}]}", "{\"properties\":{\"a\":{\"maxLength\":3}}}",
        "{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}", "{\"items\":{\"uniqueItems\":true}}",
        "{\"patternProperties\":{\"^x\":{}}}", "{\"if\":{},\"then\":{}}"
    };
    size_t i;
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECKF(chk(refused[i]) == FMCP_ERR_UNSUPPORTED, "%s should be refused", refused[i]);
    CHECK(chk("{\"type\":\"integer\",\"minimum\":1}") == FMCP_ERR_UNSUPPORTED);
    CHECK_STR(g_msg, "keyword \"minimum\" needs the full validator (built with FASTMCP_SMALL_SCHEMA)");
    CHECK(chk("[]") == FMCP_ERR_INVALID_ARG);
    CHECK(chk("true") == FMCP_OK);
    /* what the compact spec writes, annotations and unknown keywords pass */
    CHECK(chk("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"description\":\"x\"},"
              "\"m\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"],\"x-mcp-header\":\"M\"}},\"required\":[\"a\"],"
              "\"additionalProperties\":false,\"title\":\"t\",\"format\":\"f\",\"pattern\":\"^a\"}") == FMCP_OK);
    CHECK(chk("{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"q\":{\"const\":1}}}}") == FMCP_OK);
}

static void test_validate(void)
{
    const char *s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"m\":{\"type\":\"string\","
                    "\"enum\":[\"x\",\"y\"]},\"l\":{\"type\":\"array\",\"items\":{\"type\":[\"number\",\"null\"]}},"
                    "\"o\":{\"type\":\"object\",\"properties\":{\"a/b~\":{\"type\":\"boolean\"}}}},"
                    "\"required\":[\"a\"],\"additionalProperties\":false}";
    OK(s, "{\"a\":1}");
    OK(s, "{\"a\":2.0,\"m\":\"y\",\"l\":[1,null,2.5],\"o\":{\"a/b~\":true,\"z\":1}}");
    NO(s, "{}", "#: missing required property 'a'");
    CHECK(val(s, NULL) == FMCP_ERR_INVALID_ARG);   /* absent arguments: {} */
    CHECK_STR(g_msg, "#: missing required property 'a'");
    NO(s, "{\"a\":1.5}", "#/a: expected integer, got number");
    NO(s, "{\"a\":\"1\"}", "#/a: expected integer, got string");
    NO(s, "{\"a\":1,\"m\":\"z\"}", "#/m: value is not one of the enum values");
    NO(s, "{\"a\":1,\"l\":[1,\"2\"]}", "#/l/1: value is not one of the allowed types, got string");
    NO(s, "{\"a\":1,\"o\":{\"a/b~\":0}}", "#/o/a~1b~0: expected boolean, got number");
    NO(s, "{\"a\":1,\"b\":2}", "#: property 'b' is not allowed");
    NO(s, "[]", "#: expected object, got array");
    OK("{\"additionalProperties\":{\"type\":\"string\"}}", "{\"x\":\"1\"}");
    NO("{\"additionalProperties\":{\"type\":\"string\"}}", "{\"x\":1}", "#/x: expected string, got number");
    OK("{\"const\":{\"k\":[1,2]}}", "{\"k\":[1.0,2]}");
    NO("{\"const\":{\"k\":[1,2]}}", "{\"k\":[2,1]}", "#: value differs from const");
    NO("false", "1", "#: no value is allowed here (false schema)");
    OK("{\"type\":\"integer\"}", "1e300");
    CHECK(fmcp_schema_validate(NULL, NULL, g_msg, sizeof g_msg) == FMCP_ERR_INVALID_ARG);
    /* a short message buffer: cut, still terminated */
    {
        fmcp_json_doc *d = parse(s), *i = parse("{\"a\":1,\"verylongmembername\":2}");
        char small[12];
        CHECK(d && i && fmcp_schema_validate(fmcp_json_root(d), fmcp_json_root(i), small, sizeof small) ==
                        FMCP_ERR_INVALID_ARG);
        CHECK_STR(small, "#: property");
        fmcp_json_doc_destroy(d);
        fmcp_json_doc_destroy(i);
    }
}

/* ---- the engine over a stream ------------------------------------------------ */

static char g_out[8192];
static size_t g_out_n;

static long out_write(void *user, const void *buf, size_t len)
{
    (void)user;
    if (len > sizeof g_out - 1 - g_out_n) return -1;
    memcpy(g_out + g_out_n, buf, len);
    g_out_n += len;
    g_out[g_out_n] = 0;
    return (long)len;
}

static fmcp_result add_tool(fmcp_ctx *c, void *user)
{
    (void)user;
    return fmcp_ctx_arg_int(c, "a", 0) == 13 ? FMCP_ERR_IO : fmcp_ctx_add_text(c, "ok");
}

static void feed(fmcp_stream *st, const char *line)
{
    g_out_n = 0; g_out[0] = 0;
    CHECK_OK(fmcp_stream_feed(st, line, strlen(line)));
}

static void test_engine(void)
{
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc td;
    fmcp_stream_desc d;
    fmcp_stream *st = NULL;
    memset(&sd, 0, sizeof sd);
    sd.name = "small"; sd.version = "1"; sd.workers = -1; sd.page_size = 1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    memset(&td, 0, sizeof td);
    td.name = "add"; td.params = "a:integer, b?:integer"; td.handler = add_tool;
    CHECK_OK(fmcp_server_add_tool(srv, &td));
    td.name = "min"; td.params = NULL; td.input_schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"minimum\":1}}}";
    CHECK(fmcp_server_add_tool(srv, &td) == FMCP_ERR_UNSUPPORTED);
    td.name = "raw"; td.input_schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";
    CHECK_OK(fmcp_server_add_tool(srv, &td));
    memset(&d, 0, sizeof d);
    d.write = out_write; d.max_line = 300;
    CHECK_OK(fmcp_stream_create(srv, &d, &st));
    if (!st) { fmcp_server_destroy(srv); return; }
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
             "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n");
    CHECK(strstr(g_out, "\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\"") != NULL);
    feed(st, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n");   /* page size 1: a cursor */
    CHECKF(strstr(g_out, "\"nextCursor\":\"p1\"") != NULL, "%s", g_out);
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nope-\xc3\xa9\"}}\n");
    CHECKF(strstr(g_out, "\"message\":\"Unknown tool: nope-\xc3\xa9\"") != NULL, "%s", g_out);
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":\"x\"}}}\n");
    CHECKF(strstr(g_out, "Invalid arguments: #/a: expected integer, got string") != NULL, "%s", g_out);
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":13}}}\n");
    {
        char want[96];
        snprintf(want, sizeof want, "\"text\":\"Tool failed: %s\"", fmcp_result_str(FMCP_ERR_IO));
        CHECKF(strstr(g_out, want) != NULL, "%s", g_out);
    }
    CHECKF(strstr(g_out, "\"isError\":true") != NULL, "%s", g_out);
    feed(st, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"raw\",\"arguments\":{\"a\":7}}}\n");
    CHECKF(strstr(g_out, "\"id\":6,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}") != NULL, "%s", g_out);
    {   /* over max_line: the stream's own message, with the limit in decimal */
        char line[400];
        memset(line, ' ', sizeof line - 1);
        line[sizeof line - 2] = '\n';
        line[sizeof line - 1] = 0;
        feed(st, line);
        CHECKF(strstr(g_out, "\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid Request: message exceeds 300 bytes\"")
               != NULL, "%s", g_out);
    }
    fmcp_stream_destroy(st);
    fmcp_server_destroy(srv);
}

/* The small formatter against snprintf for the formats the engine uses. */
static void test_format(void)
{
    char a[64], b[64];
    int na, nb;
    na = fmcp__mcp_snprintf(a, sizeof a, "{\"id\":%.*s,\"code\":%d,%%}", 3, "12345", -32603);
    nb = snprintf(b, sizeof b, "{\"id\":%.*s,\"code\":%d,%%}", 3, "12345", -32603);
    CHECK_EQ_INT(na, nb); CHECK_STR(a, b);
    na = fmcp__mcp_snprintf(a, sizeof a, "p%lu|%.4s|%s|%d", 4294967295ul, "abcdefg", "", 0);
    nb = snprintf(b, sizeof b, "p%lu|%.4s|%s|%d", 4294967295ul, "abcdefg", "", 0);
    CHECK_EQ_INT(na, nb); CHECK_STR(a, b);
    na = fmcp__mcp_snprintf(a, 8, "Unknown tool: %.100s", "abc");   /* cut: snprintf's length, terminated */
    CHECK_EQ_INT(na, 17); CHECK_STR(a, "Unknown");
}

int main(void)
{
    T_RUN(test_check);
    T_RUN(test_validate);
    T_RUN(test_engine);
    T_RUN(test_format);
    return t_finish("mcp_small");
}
