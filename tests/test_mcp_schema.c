/* Tests for the mcp_schema module: the compact spec, registration checks and
 * the JSON Schema 2020-12 validator. Expected results follow the JSON Schema
 * 2020-12 Core and Validation specifications (draft-bhutton-json-schema-01,
 * draft-bhutton-json-schema-validation-01) and RFC 6901 for pointers; the
 * $ref rules for MCP follow the 2026-07-28 "$ref Resolution" section. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
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

/* fmcp_schema_validate on two JSON texts; -100 when a text does not parse. */
static int val(const char *schema, const char *inst)
{
    fmcp_json_doc *s = parse(schema), *i = parse(inst);
    int r = -100;
    if (s && i) r = fmcp_schema_validate(fmcp_json_root(s), fmcp_json_root(i), g_msg, sizeof g_msg);
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
#define NO(s, i) CHECKF(val(s, i) == FMCP_ERR_INVALID_ARG, "%s should reject %s", s, i)

static int utf8_valid(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    while (*s) {
        int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : (*s & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0) return 0;
        s++;
        while (n--) if ((*s++ & 0xC0) != 0x80) return 0;
    }
    return 1;
}

static void test_spec(void)
{
    fmcp_json_writer w;
    char *out = NULL;
    size_t n = 0;
    fmcp_jw_init(&w, NULL);
    CHECK_OK(fmcp_schema_from_spec("a:integer, b?:string, m:enum(x| y )", &w));
    CHECK_OK(fmcp_jw_finish(&w, &out, &n));
    CHECK_STR(out, "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"},"
                   "\"m\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"]}},\"required\":[\"a\",\"m\"]}");
    if (out) fmcp_free_text(w.alloc, out, n);
    fmcp_jw_init(&w, NULL);
    CHECK_EQ_INT(fmcp_schema_from_spec("a:float", &w), FMCP_ERR_PARSE);
    fmcp_jw_reset(&w);
    fmcp_jw_init(&w, NULL);
    CHECK_EQ_INT(fmcp_schema_from_spec("a:enum(x||y)", &w), FMCP_ERR_PARSE);
    fmcp_jw_reset(&w);
    CHECK_EQ_INT(fmcp_schema_from_spec(NULL, &w), FMCP_ERR_INVALID_ARG);
}

static void test_type(void)
{
    OK("{\"type\":\"integer\"}", "1");
    OK("{\"type\":\"integer\"}", "1.0");   /* 2020-12: a number with zero fractional part is an integer */
    OK("{\"type\":\"integer\"}", "1e20");
    OK("{\"type\":\"integer\"}", "-0");
    NO("{\"type\":\"integer\"}", "1.5");
    NO("{\"type\":\"integer\"}", "\"1\"");
    OK("{\"type\":\"number\"}", "1.5");
    NO("{\"type\":\"number\"}", "\"x\"");
    OK("{\"type\":\"string\"}", "\"\"");
    NO("{\"type\":\"string\"}", "null");
    OK("{\"type\":\"boolean\"}", "false");
    NO("{\"type\":\"boolean\"}", "0");
    OK("{\"type\":\"null\"}", "null");
    NO("{\"type\":\"null\"}", "false");
    OK("{\"type\":\"object\"}", "{}");
    NO("{\"type\":\"object\"}", "[]");
    OK("{\"type\":\"array\"}", "[]");
    NO("{\"type\":\"array\"}", "{}");
    OK("{\"type\":[\"string\",\"null\"]}", "null");
    OK("{\"type\":[\"string\",\"null\"]}", "\"a\"");
    NO("{\"type\":[\"string\",\"null\"]}", "1");
    CHECK_STR(g_msg, "#: number is not one of the allowed types");
    NO("{\"type\":\"integer\"}", "\"a\"");
    CHECK_STR(g_msg, "#: expected integer, got string");
    OK("{}", "[1,{\"a\":null}]");
    OK("{\"type\":\"any\"}", "1");   /* unknown names do not reject (as before) */
}

static void test_enum_const(void)
{
    const char *e = "{\"enum\":[1,\"a\",{\"b\":[1]},null]}";
    OK(e, "1.0");   /* equality of numbers is by value */
    OK(e, "{\"b\":[1]}");
    OK(e, "null");
    NO(e, "\"b\"");
    NO(e, "true");
    NO(e, "{\"b\":[1],\"c\":0}");
    NO("{\"enum\":[false]}", "0");
    OK("{\"const\":{\"a\":1,\"b\":2}}", "{\"b\":2,\"a\":1}");
    NO("{\"const\":{\"a\":1,\"b\":2}}", "{\"a\":1}");
    OK("{\"const\":null}", "null");
    NO("{\"const\":null}", "0");
    NO("{\"const\":false}", "0");
    NO("{\"const\":[1]}", "[true]");
    CHECK_STR(g_msg, "#: value differs from const");
}

static void test_numbers(void)
{
    OK("{\"minimum\":1.1}", "1.1");
    NO("{\"minimum\":1.1}", "0.6");
    CHECK_STR(g_msg, "#: 0.6 is less than the minimum 1.1");
    OK("{\"exclusiveMinimum\":1.1}", "1.2");
    NO("{\"exclusiveMinimum\":1.1}", "1.1");
    OK("{\"maximum\":3.0}", "3");
    NO("{\"maximum\":3.0}", "3.5");
    OK("{\"exclusiveMaximum\":3}", "2.9");
    NO("{\"exclusiveMaximum\":3}", "3.0");
    OK("{\"minimum\":5}", "\"x\"");   /* numeric keywords ignore other types */
    NO("{\"minimum\":-9223372036854775807}", "-9223372036854775808");   /* exact int64 compare */
    OK("{\"multipleOf\":2}", "10");
    NO("{\"multipleOf\":2}", "7");
    OK("{\"multipleOf\":1.5}", "4.5");
    NO("{\"multipleOf\":1.5}", "35");
    OK("{\"multipleOf\":0.0001}", "0.0075");
    NO("{\"multipleOf\":0.0001}", "0.00751");
    OK("{\"multipleOf\":0.01}", "19.99");   /* 19.99 / 0.01 is not integral in binary floating point */
    OK("{\"multipleOf\":0.1}", "0.3");
    OK("{\"multipleOf\":7}", "7e30");
    NO("{\"multipleOf\":7}", "1e30");
    NO("{\"type\":\"integer\",\"multipleOf\":0.123456789}", "1e308");
    OK("{\"multipleOf\":3}", "0");
    OK("{\"multipleOf\":3}", "-9");
    OK("{\"multipleOf\":1e-3}", "2.5e2");
    NO("{\"multipleOf\":0.02}", "0.03");
    CHECK_STR(g_msg, "#: 0.03 is not a multiple of 0.02");
    OK("{\"multipleOf\":0}", "5");   /* not a valid multipleOf: ignored */
}

static void test_strings(void)
{
    OK("{\"maxLength\":2}", "\"aa\"");
    NO("{\"maxLength\":2}", "\"aaa\"");
    OK("{\"maxLength\":2}", "\"\xf0\x9f\x92\xa9\xf0\x9f\x92\xa9\"");   /* two code points, eight bytes */
    NO("{\"minLength\":2}", "\"\xf0\x9f\x92\xa9\"");
    OK("{\"minLength\":2}", "\"\\u00e9\\u00e9\"");
    OK("{\"minLength\":2}", "5");
    OK("{\"pattern\":\"^a\",\"format\":\"email\"}", "\"zzz\"");   /* annotations only */
}

static void test_arrays(void)
{
    const char *t = "{\"prefixItems\":[{\"type\":\"integer\"},{\"type\":\"string\"}],\"items\":false}";
    OK(t, "[1,\"a\"]");
    OK(t, "[1]");
    OK(t, "[]");
    NO(t, "[1,\"a\",2]");
    CHECK_STR(g_msg, "#/2: no value is allowed here (false schema)");
    NO(t, "[\"a\"]");
    OK("{\"items\":{\"type\":\"integer\"}}", "[1,2]");
    NO("{\"items\":{\"type\":\"integer\"}}", "[1,\"x\"]");
    CHECK_STR(g_msg, "#/1: expected integer, got string");
    OK("{\"items\":[{\"type\":\"integer\"}],\"additionalItems\":false}", "[1]");   /* draft-07 form */
    NO("{\"items\":[{\"type\":\"integer\"}],\"additionalItems\":false}", "[1,2]");
    OK("{\"contains\":{\"minimum\":5}}", "[3,4,5]");
    NO("{\"contains\":{\"minimum\":5}}", "[2,3]");
    NO("{\"contains\":{\"minimum\":5}}", "[]");
    OK("{\"contains\":{\"minimum\":5}}", "{}");
    t = "{\"contains\":{\"minimum\":5},\"minContains\":2,\"maxContains\":3}";
    OK(t, "[5,6,1]");
    NO(t, "[5]");
    NO(t, "[5,6,7,8]");
    OK("{\"contains\":{\"minimum\":5},\"minContains\":0}", "[]");
    OK("{\"minItems\":1,\"maxItems\":2}", "[1]");
    NO("{\"minItems\":1,\"maxItems\":2}", "[]");
    NO("{\"minItems\":1,\"maxItems\":2}", "[1,2,3]");
    OK("{\"uniqueItems\":true}", "[1,2]");
    NO("{\"uniqueItems\":true}", "[1,1.0]");
    NO("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]");
    CHECK_STR(g_msg, "#: items 0 and 1 are equal (uniqueItems)");
    OK("{\"uniqueItems\":true}", "[[1],[true],0,false]");
    OK("{\"uniqueItems\":false}", "[1,1]");
}

static void test_objects(void)
{
    const char *p = "{\"properties\":{\"a\":{\"type\":\"integer\"}},\"additionalProperties\":{\"type\":\"string\"}}";
    OK(p, "{\"a\":1,\"b\":\"x\"}");
    NO(p, "{\"a\":1,\"b\":2}");
    CHECK_STR(g_msg, "#/b: expected string, got number");
    NO(p, "{\"a\":\"1\"}");
    OK(p, "[1]");
    p = "{\"properties\":{\"a\":{}},\"additionalProperties\":false}";
    OK(p, "{\"a\":1}");
    NO(p, "{\"a\":1,\"c\":1}");
    CHECK_STR(g_msg, "#: property 'c' is not allowed");
    OK("{\"patternProperties\":{\"^x\":{}},\"additionalProperties\":false}", "{\"y\":1}");   /* documented */
    NO("{\"properties\":{\"a/b\":{\"type\":\"integer\"}}}", "{\"a/b\":\"x\"}");
    CHECK_STR(g_msg, "#/a~1b: expected integer, got string");
    NO("{\"required\":[\"a\"]}", "{}");
    CHECK_STR(g_msg, "#: missing required property 'a'");
    OK("{\"required\":[\"a\"]}", "\"x\"");
    OK("{\"minProperties\":1,\"maxProperties\":1}", "{\"a\":1}");
    NO("{\"minProperties\":1,\"maxProperties\":1}", "{}");
    NO("{\"minProperties\":1,\"maxProperties\":1}", "{\"a\":1,\"b\":2}");
    OK("{\"propertyNames\":{\"maxLength\":3}}", "{\"abc\":1}");
    NO("{\"propertyNames\":{\"maxLength\":3}}", "{\"abcd\":1}");
    OK("{\"propertyNames\":false}", "{}");
    NO("{\"propertyNames\":false}", "{\"a\":1}");
    OK("{\"propertyNames\":{\"enum\":[\"x\",\"y\"]}}", "{\"y\":1}");
    NO("{\"propertyNames\":{\"enum\":[\"x\",\"y\"]}}", "{\"z\":1}");
    p = "{\"dependentRequired\":{\"bar\":[\"foo\"]}}";
    NO(p, "{\"bar\":1}");
    CHECK_STR(g_msg, "#: property 'bar' requires property 'foo'");
    OK(p, "{\"foo\":1,\"bar\":2}");
    OK(p, "{\"foo\":1}");
    p = "{\"dependentSchemas\":{\"bar\":{\"properties\":{\"foo\":{\"type\":\"integer\"}}}}}";
    OK(p, "{\"foo\":1,\"bar\":2}");
    NO(p, "{\"foo\":\"q\",\"bar\":2}");
    OK(p, "{\"foo\":\"q\"}");
    OK("{\"properties\":{\"a\":false}}", "{}");
    NO("{\"properties\":{\"a\":false}}", "{\"a\":1}");
}

static void test_null_instance_is_empty_object(void)
{
    fmcp_json_doc *s = parse("{\"type\":\"object\",\"required\":[\"x\"]}");
    fmcp_json_doc *t = parse("{\"type\":\"object\",\"additionalProperties\":false}");
    CHECK_EQ_INT(fmcp_schema_validate(fmcp_json_root(s), NULL, g_msg, sizeof g_msg), FMCP_ERR_INVALID_ARG);
    CHECK_STR(g_msg, "#: missing required property 'x'");
    CHECK_OK(fmcp_schema_validate(fmcp_json_root(t), NULL, NULL, 0));
    CHECK_EQ_INT(fmcp_schema_validate(NULL, NULL, g_msg, sizeof g_msg), FMCP_ERR_INVALID_ARG);
    fmcp_json_doc_destroy(s);
    fmcp_json_doc_destroy(t);
}

static void test_composition(void)
{
    const char *p = "{\"allOf\":[{\"required\":[\"a\"]},{\"required\":[\"b\"]}]}";
    OK(p, "{\"a\":1,\"b\":1}");
    NO(p, "{\"a\":1}");
    CHECK_STR(g_msg, "#: missing required property 'b'");
    p = "{\"anyOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}";
    OK(p, "1");
    OK(p, "2.5");
    NO(p, "1.5");
    CHECK_STR(g_msg, "#: matches none of the anyOf schemas");
    p = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}";
    OK(p, "1");
    OK(p, "2.5");
    NO(p, "3");
    NO(p, "1.5");
    OK("{\"not\":{\"type\":\"integer\"}}", "\"x\"");
    NO("{\"not\":{\"type\":\"integer\"}}", "1");
    p = "{\"if\":{\"exclusiveMaximum\":0},\"then\":{\"minimum\":-10},\"else\":{\"multipleOf\":2}}";
    OK(p, "-1");
    NO(p, "-100");
    OK(p, "4");
    NO(p, "3");
    OK("{\"if\":{\"const\":1}}", "2");
    OK("{\"then\":false}", "2");   /* then without if: ignored */
    OK(p, "\"x\"");
    OK("true", "{\"a\":[1]}");
    NO("false", "null");
    OK("{\"anyOf\":[false,true]}", "0");
    NO("{\"allOf\":[true,false]}", "0");
}

/* The MCP conformance fixture (everything.c json_schema_2020_12_tool). */
static void test_conformance_fixture(void)
{
    const char *s = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
                    "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
                    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
                    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
                    "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
                    "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
                    "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
                    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},\"required\":[\"contactMethod\"]},"
                    "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
                    "\"additionalProperties\":false}";
    CHECK_OK(chk(s));
    OK(s, "{\"name\":\"x\",\"email\":\"a@b\"}");
    OK(s, "{\"contactMethod\":\"phone\",\"phone\":\"1\",\"address\":{\"city\":\"c\"}}");
    NO(s, "{\"name\":\"x\"}");
    NO(s, "{\"contactMethod\":\"phone\",\"email\":\"a@b\"}");
    NO(s, "{\"email\":\"a@b\",\"address\":{\"city\":5}}");
    CHECK_STR(g_msg, "#/address/city: expected string, got number");
    NO(s, "{\"email\":\"a@b\",\"zip\":1}");
}

static void test_unevaluated(void)
{
    const char *p = "{\"properties\":{\"a\":{}},\"unevaluatedProperties\":false}";
    OK(p, "{\"a\":1}");
    NO(p, "{\"a\":1,\"b\":1}");
    CHECK_STR(g_msg, "#: property 'b' is not allowed (unevaluatedProperties)");
    p = "{\"allOf\":[{\"properties\":{\"foo\":{\"type\":\"string\"}}}],\"unevaluatedProperties\":false}";
    OK(p, "{\"foo\":\"x\"}");
    NO(p, "{\"foo\":\"x\",\"bar\":1}");
    p = "{\"anyOf\":[{\"properties\":{\"foo\":{\"const\":\"x\"}},\"required\":[\"foo\"]},"
        "{\"properties\":{\"bar\":{}},\"required\":[\"bar\"]}],\"unevaluatedProperties\":false}";
    OK(p, "{\"foo\":\"x\"}");
    OK(p, "{\"bar\":1}");
    OK(p, "{\"foo\":\"x\",\"bar\":1}");
    NO(p, "{\"foo\":\"y\",\"bar\":1}");   /* the failing branch's properties do not count */
    p = "{\"if\":{\"properties\":{\"foo\":{\"const\":\"then\"}},\"required\":[\"foo\"]},"
        "\"then\":{\"properties\":{\"bar\":{}}},\"else\":{\"properties\":{\"baz\":{}}},"
        "\"unevaluatedProperties\":false}";
    OK(p, "{\"foo\":\"then\",\"bar\":1}");
    NO(p, "{\"foo\":\"then\",\"baz\":1}");
    OK(p, "{\"baz\":1}");
    NO(p, "{\"foo\":\"else\"}");
    p = "{\"$defs\":{\"b\":{\"properties\":{\"bar\":{}}}},\"$ref\":\"#/$defs/b\",\"properties\":{\"foo\":{}},"
        "\"unevaluatedProperties\":false}";
    OK(p, "{\"foo\":1,\"bar\":1}");
    NO(p, "{\"baz\":1}");
    p = "{\"dependentSchemas\":{\"foo\":{\"properties\":{\"bar\":{}}}},\"properties\":{\"foo\":{}},"
        "\"unevaluatedProperties\":false}";
    OK(p, "{\"foo\":1,\"bar\":1}");
    NO(p, "{\"bar\":1}");
    OK("{\"unevaluatedProperties\":{\"type\":\"string\"}}", "{\"a\":\"x\"}");
    NO("{\"unevaluatedProperties\":{\"type\":\"string\"}}", "{\"a\":1}");
    OK("{\"allOf\":[{\"unevaluatedProperties\":true}],\"unevaluatedProperties\":false}", "{\"a\":1}");
    NO("{\"not\":{\"not\":{\"properties\":{\"a\":{}}}},\"unevaluatedProperties\":false}", "{\"a\":1}");
    OK("{\"additionalProperties\":true,\"unevaluatedProperties\":false}", "{\"a\":1}");
    OK("{\"unevaluatedProperties\":false}", "[1]");
    p = "{\"prefixItems\":[{\"type\":\"string\"}],\"unevaluatedItems\":false}";
    OK(p, "[\"a\"]");
    NO(p, "[\"a\",\"b\"]");
    CHECK_STR(g_msg, "#/1: no value is allowed here (false schema)");
    OK("{\"items\":{\"type\":\"string\"},\"unevaluatedItems\":false}", "[\"a\",\"b\"]");
    OK("{\"allOf\":[{\"prefixItems\":[true]}],\"unevaluatedItems\":false}", "[1]");
    NO("{\"allOf\":[{\"prefixItems\":[true]}],\"unevaluatedItems\":false}", "[1,2]");
    p = "{\"contains\":{\"type\":\"string\"},\"unevaluatedItems\":{\"type\":\"integer\"}}";
    OK(p, "[\"a\",1]");
    NO(p, "[\"a\",true]");
}

static void test_refs(void)
{
    const char *p = "{\"$defs\":{\"n\":{\"type\":\"integer\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/n\"}}}";
    OK(p, "{\"x\":1}");
    NO(p, "{\"x\":\"a\"}");
    p = "{\"$defs\":{\"a/b\":{\"type\":\"integer\"},\"c~d\":{\"type\":\"string\"},\"e f\":{\"type\":\"null\"},"
        "\"%25\":{\"type\":\"boolean\"}},\"properties\":{\"1\":{\"$ref\":\"#/$defs/a~1b\"},"
        "\"2\":{\"$ref\":\"#/$defs/c~0d\"},\"3\":{\"$ref\":\"#/$defs/e%20f\"},\"4\":{\"$ref\":\"#/$defs/%2525\"}}}";
    CHECK_OK(chk(p));
    OK(p, "{\"1\":1,\"2\":\"s\",\"3\":null,\"4\":true}");
    NO(p, "{\"1\":\"x\"}");
    NO(p, "{\"2\":1}");
    NO(p, "{\"3\":1}");
    NO(p, "{\"4\":1}");
    p = "{\"prefixItems\":[{\"type\":\"integer\"},{\"$ref\":\"#/prefixItems/0\"}]}";
    OK(p, "[1,2]");
    NO(p, "[1,\"x\"]");
    p = "{\"properties\":{\"foo\":{\"$ref\":\"#\"}},\"additionalProperties\":false}";
    OK(p, "{\"foo\":{\"foo\":{}}}");
    NO(p, "{\"foo\":{\"bar\":1}}");
    CHECK_STR(g_msg, "#/foo: property 'bar' is not allowed");
    p = "{\"$defs\":{\"A\":{\"$anchor\":\"foo\",\"type\":\"integer\"}},\"$ref\":\"#foo\"}";
    OK(p, "1");
    NO(p, "\"a\"");
    p = "{\"$id\":\"https://example.com/root.json\",\"$defs\":{\"A\":{\"type\":\"integer\"}},"
        "\"$ref\":\"https://example.com/root.json#/$defs/A\"}";
    CHECK_OK(chk(p));
    OK(p, "1");
    NO(p, "\"a\"");
    p = "{\"$defs\":{\"r\":{\"minimum\":5}},\"$ref\":\"#/$defs/r\",\"maximum\":10}";   /* siblings apply */
    OK(p, "7");
    NO(p, "12");
    NO(p, "3");
    OK("{\"properties\":{\"a\":{\"$ref\":\"\"}},\"type\":\"object\"}", "{\"a\":{}}");   /* an empty reference is this document */
    NO("{\"properties\":{\"a\":{\"$ref\":\"\"}},\"type\":\"object\"}", "{\"a\":1}");
    p = "{\"$defs\":{\"d\":{\"$dynamicAnchor\":\"item\",\"type\":\"string\"}},\"items\":{\"$dynamicRef\":\"#item\"}}";
    OK(p, "[\"a\"]");
    NO(p, "[1]");
}

static void test_tree(void)
{
    const char *tree = "{\"$defs\":{\"node\":{\"type\":\"object\",\"required\":[\"value\"],\"properties\":{"
                       "\"value\":{\"type\":\"number\"},\"children\":{\"type\":\"array\",\"items\":"
                       "{\"$ref\":\"#/$defs/node\"}}}}},\"$ref\":\"#/$defs/node\"}";
    char deep[4096];
    int i, n = 0;
    CHECK_OK(chk(tree));
    OK(tree, "{\"value\":1,\"children\":[{\"value\":2},{\"value\":3,\"children\":[{\"value\":4,\"children\":[]}]}]}");
    NO(tree, "{\"value\":1,\"children\":[{\"value\":2},{\"value\":3,\"children\":[{\"value\":\"4\"}]}]}");
    CHECK_STR(g_msg, "#/children/1/children/0/value: expected number, got string");
    NO(tree, "{\"value\":1,\"children\":[{\"value\":2},{\"children\":[]}]}");
    CHECK_STR(g_msg, "#/children/1: missing required property 'value'");
    /* 12 levels of nodes validate; 40 exceed the depth bound and are refused, not accepted */
    for (i = 0; i < 12; i++) n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"value\":%d,\"children\":[", i);
    n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"value\":0}");
    for (i = 0; i < 12; i++) n += snprintf(deep + n, sizeof deep - (size_t)n, "]}");
    OK(tree, deep);
    n = 0;
    for (i = 0; i < 40; i++) n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"value\":%d,\"children\":[", i);
    n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"value\":0}");
    for (i = 0; i < 40; i++) n += snprintf(deep + n, sizeof deep - (size_t)n, "]}");
    {
        fmcp_json_doc *s = parse(tree), *d = NULL;
        fmcp_json_parse_options o;
        memset(&o, 0, sizeof o);
        o.max_depth = 200;
        CHECK_OK(fmcp_json_parse(deep, strlen(deep), &o, &d, NULL));
        if (s && d) {
            CHECK_EQ_INT(fmcp_schema_validate(fmcp_json_root(s), fmcp_json_root(d), g_msg, sizeof g_msg), FMCP_ERR_DEPTH);
            CHECK(strstr(g_msg, "deeper than") != NULL);
        }
        if (s) fmcp_json_doc_destroy(s);
        if (d) fmcp_json_doc_destroy(d);
    }
}

static void test_check(void)
{
    CHECK_OK(chk("{\"type\":\"object\"}"));
    CHECK_OK(chk("true"));
    CHECK_EQ_INT(chk("[1]"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(chk("{\"$ref\":\"https://example.com/s.json\"}"), FMCP_ERR_UNSUPPORTED);
    CHECK(strstr(g_msg, "not local") != NULL);
    CHECK_EQ_INT(chk("{\"properties\":{\"a\":{\"$ref\":\"other.json#/a\"}}}"), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(chk("{\"allOf\":[{\"$ref\":\"#/$defs/missing\"}]}"), FMCP_ERR_INVALID_ARG);
    CHECK(strstr(g_msg, "does not resolve") != NULL);
    CHECK_EQ_INT(chk("{\"items\":{\"$ref\":\"#nope\"}}"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(chk("{\"not\":{\"$ref\":5}}"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(chk("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a/b\"}}}"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(chk("{\"$ref\":\"#/$defs/%zz\"}"), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(chk("{\"$dynamicRef\":\"https://x/y#a\"}"), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(chk("{\"$id\":\"https://a/b\",\"$ref\":\"https://a/c#/x\"}"), FMCP_ERR_UNSUPPORTED);
    CHECK_OK(chk("{\"const\":{\"$ref\":\"https://example.com/not-a-schema\"}}"));   /* a value, not a schema */
    CHECK_OK(chk("{\"properties\":{\"$ref\":{\"type\":\"string\"}}}"));             /* a property named $ref */
    /* validation meets a non-local ref the caller did not check: refused, never fetched */
    CHECK_EQ_INT(val("{\"$ref\":\"https://example.com/s.json\"}", "1"), FMCP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(val("{\"not\":{\"$ref\":\"#/nope\"}}", "1"), FMCP_ERR_NOT_FOUND);   /* fails closed inside not */
}

/* anyOf 20 deep with 4 branches each: 4^20 paths when nothing matches. */
static void explosive(char *buf, size_t cap, const char *top)
{
    int i;
    size_t n = (size_t)snprintf(buf, cap, "{\"$defs\":{");
    for (i = 0; i < 20 && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "\"l%d\":{\"anyOf\":[{\"$ref\":\"#/$defs/l%d\"},"
                              "{\"$ref\":\"#/$defs/l%d\"},{\"$ref\":\"#/$defs/l%d\"},{\"$ref\":\"#/$defs/l%d\"}]},",
                              i, i + 1, i + 1, i + 1, i + 1);
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, "\"l20\":{\"type\":\"string\"}},%s}", top);
    CHECK(n < cap);
}

static void test_bounds(void)
{
    char buf[4096];
    explosive(buf, sizeof buf, "\"$ref\":\"#/$defs/l0\"");
    CHECK_OK(chk(buf));
    CHECK_EQ_INT(val(buf, "1"), FMCP_ERR_TOO_LARGE);
    CHECK(strstr(g_msg, "subschema evaluations") != NULL);
    OK(buf, "\"s\"");   /* the first path matches at once */
    explosive(buf, sizeof buf, "\"not\":{\"$ref\":\"#/$defs/l0\"}");
    CHECK_EQ_INT(val(buf, "1"), FMCP_ERR_TOO_LARGE);   /* under "not" the cut-off must not turn into an accept */
    explosive(buf, sizeof buf, "\"oneOf\":[{\"$ref\":\"#/$defs/l0\"},true]");
    CHECK_EQ_INT(val(buf, "1"), FMCP_ERR_TOO_LARGE);
    CHECK_EQ_INT(val("{\"$ref\":\"#\"}", "1"), FMCP_ERR_DEPTH);
    CHECK(strstr(g_msg, "deeper than") != NULL);
    CHECK_EQ_INT(val("{\"not\":{\"$ref\":\"#\"}}", "1"), FMCP_ERR_DEPTH);
    CHECK_EQ_INT(val("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"anyOf\":[{\"$ref\":\"#/$defs/a\"}]}},"
                     "\"$ref\":\"#/$defs/a\"}", "1"), FMCP_ERR_DEPTH);
}

static char *big_array(int count, int distinct)
{
    char *s = (char *)malloc((size_t)count * 12 + 4);
    int i, n = 1;
    if (!s) return NULL;
    s[0] = '[';
    for (i = 0; i < count; i++) n += sprintf(s + n, "%s%d", i ? "," : "", distinct ? i : i % 7);
    s[n++] = ']';
    s[n] = 0;
    return s;
}

static void test_bounds_linear(void)
{
    char *a = big_array(20000, 1), *b = big_array(1000, 1), *c = big_array(2000, 1);
    if (a) OK("{\"items\":{\"type\":\"integer\",\"minimum\":0}}", a);   /* budget grows with the instance */
    if (b) OK("{\"uniqueItems\":true}", b);
    {   /* comparisons weigh the compared containers: 300 arrays of 300 */
        char *w = (char *)malloc(300 * 1000 + 8);
        int i, j, n = 0;
        if (w) {
            w[n++] = '[';
            for (i = 0; i < 300; i++) {
                n += sprintf(w + n, "%s[", i ? "," : "");
                for (j = 0; j < 300; j++) n += sprintf(w + n, "%s%d", j ? "," : "", j == 299 ? i : 0);
                w[n++] = ']';
            }
            w[n++] = ']';
            w[n] = 0;
            CHECK_EQ_INT(val("{\"uniqueItems\":true}", w), FMCP_ERR_TOO_LARGE);
            free(w);
        }
    }
    if (c) {
        CHECK_EQ_INT(val("{\"uniqueItems\":true}", c), FMCP_ERR_TOO_LARGE);   /* 2M comparisons */
        CHECK(strstr(g_msg, "comparisons") != NULL);
    }
    free(a); free(b); free(c);
}

static void test_messages(void)
{
    char small[12];
    fmcp_json_doc *s = parse("{\"properties\":{\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\":{\"type\":\"integer\"}}}");
    fmcp_json_doc *i = parse("{\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\":\"x\"}");
    size_t cap;
    for (cap = 1; cap <= sizeof small; cap++) {   /* truncation never splits a UTF-8 sequence */
        memset(small, 'Z', sizeof small);
        CHECK_EQ_INT(fmcp_schema_validate(fmcp_json_root(s), fmcp_json_root(i), small, cap), FMCP_ERR_INVALID_ARG);
        CHECK(memchr(small, 0, cap) != NULL);
        CHECK(utf8_valid(small));
    }
    CHECK_EQ_INT(fmcp_schema_validate(fmcp_json_root(s), fmcp_json_root(i), g_msg, sizeof g_msg), FMCP_ERR_INVALID_ARG);
    CHECK_STR(g_msg, "#/\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9: expected integer, got string");
    fmcp_json_doc_destroy(s);
    fmcp_json_doc_destroy(i);
    NO("{\"properties\":{\"~\":{\"type\":\"null\"}}}", "{\"~\":1}");
    CHECK_STR(g_msg, "#/~0: expected null, got number");
}

static fmcp_result t_nop(fmcp_ctx *c, void *u) { (void)c; (void)u; return FMCP_OK; }

static void test_registration(void)
{
    fmcp_server_desc sd;
    fmcp_server *srv = NULL;
    fmcp_tool_desc t;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    if (!srv) return;
    memset(&t, 0, sizeof t);
    t.handler = t_nop;
    t.name = "remote"; t.input_schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"https://e.com/a\"}}}";
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_UNSUPPORTED);
    t.name = "dangling"; t.input_schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}";
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_INVALID_ARG);
    t.name = "local"; t.input_schema = "{\"type\":\"object\",\"$defs\":{\"a\":{}},\"properties\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}";
    CHECK_OK(fmcp_server_add_tool(srv, &t));
    t.name = "out_remote"; t.input_schema = NULL; t.params = "a:integer";
    t.output_schema = "{\"type\":\"object\",\"$ref\":\"urn:example:thing\"}";
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_UNSUPPORTED);
    t.output_schema = "{\"type\":\"object\",\"$ref\":\"#missing\"}";
    CHECK_EQ_INT(fmcp_server_add_tool(srv, &t), FMCP_ERR_INVALID_ARG);
    t.output_schema = "{\"type\":\"object\",\"$defs\":{\"x\":{\"$anchor\":\"missing\"}},\"$ref\":\"#missing\"}";
    CHECK_OK(fmcp_server_add_tool(srv, &t));
    fmcp_server_destroy(srv);
}

/* ---- through the engine: tools/call answers with the validator's message - */

static char g_last[2048];

static fmcp_result t_send(void *u, const char *json, size_t len, const fmcp_send_info *info)
{
    (void)u; (void)info;
    if (len >= sizeof g_last) len = sizeof g_last - 1;
    memcpy(g_last, json, len);
    g_last[len] = 0;
    return FMCP_OK;
}

static fmcp_result t_ok(fmcp_ctx *c, void *u) { (void)u; return fmcp_ctx_add_text(c, "ran"); }

/* The text of the last answer's first content block, or its error message. */
static const char *last_text(char *buf, size_t cap, int *is_error)
{
    fmcp_json_doc *d = parse(g_last);
    const fmcp_json *res = fmcp_json_get(fmcp_json_root(d), "result");
    const char *t = fmcp_json_get_str(fmcp_json_at(fmcp_json_get(res, "content"), 0), "text", NULL);
    buf[0] = 0;
    *is_error = fmcp_json_get_bool(res, "isError", 0);
    if (!t) t = fmcp_json_get_str(fmcp_json_get(fmcp_json_root(d), "error"), "message", "");
    snprintf(buf, cap, "%s", t ? t : "");
    if (d) fmcp_json_doc_destroy(d);
    return buf;
}

static void test_engine(void)
{
    static const char *const init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
        "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    fmcp_server_desc sd;
    fmcp_session_desc ss;
    fmcp_server *srv = NULL;
    fmcp_session *se = NULL;
    fmcp_tool_desc t;
    char text[512];
    int err = 0;
    const char *call;
    memset(&sd, 0, sizeof sd);
    sd.workers = -1;
    CHECK_OK(fmcp_server_create(&sd, &srv));
    if (!srv) return;
    memset(&t, 0, sizeof t);
    t.name = "order"; t.handler = t_ok;
    t.input_schema = "{\"type\":\"object\",\"$defs\":{\"line\":{\"type\":\"object\",\"properties\":"
                     "{\"qty\":{\"type\":\"integer\",\"minimum\":1}},\"required\":[\"qty\"]}},"
                     "\"properties\":{\"lines\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$ref\":\"#/$defs/line\"}}},"
                     "\"required\":[\"lines\"],\"additionalProperties\":false}";
    CHECK_OK(fmcp_server_add_tool(srv, &t));
    memset(&ss, 0, sizeof ss);
    ss.send = t_send;
    CHECK_OK(fmcp_session_create(srv, &ss, &se));
    if (!se) { fmcp_server_destroy(srv); return; }
    CHECK_OK(fmcp_session_receive(se, init, strlen(init)));
    call = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    CHECK_OK(fmcp_session_receive(se, call, strlen(call)));
    call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"order\","
           "\"arguments\":{\"lines\":[{\"qty\":2},{\"qty\":0}]}}}";
    CHECK_OK(fmcp_session_receive(se, call, strlen(call)));
    CHECK_STR(last_text(text, sizeof text, &err), "Invalid arguments: #/lines/1/qty: 0 is less than the minimum 1");
    CHECK(err);
    call = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"order\"}}";
    CHECK_OK(fmcp_session_receive(se, call, strlen(call)));   /* absent arguments are {} */
    CHECK_STR(last_text(text, sizeof text, &err), "Invalid arguments: #: missing required property 'lines'");
    call = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"order\","
           "\"arguments\":{\"lines\":[{\"qty\":2}]}}}";
    CHECK_OK(fmcp_session_receive(se, call, strlen(call)));
    CHECK_STR(last_text(text, sizeof text, &err), "ran");
    CHECK(!err);
    fmcp_session_destroy(se);
    fmcp_server_destroy(srv);
}

static void test_alloc_sweep(void)
{
    /* the validator and the check never allocate; the spec writer grows its buffer */
    T_ALLOC_SWEEP({
        fmcp_json_writer w;
        char *out = NULL;
        size_t n = 0;
        fmcp_jw_init(&w, &t_alloc);
        t_rc = fmcp_schema_from_spec("alpha:integer, beta?:string, gamma:enum(one|two|three), delta:array", &w);
        if (t_rc == FMCP_OK) t_rc = fmcp_jw_finish(&w, &out, &n);
        else fmcp_jw_reset(&w);
        if (t_rc == FMCP_OK) {
            CHECK(strstr(out, "\"required\":[\"alpha\",\"gamma\",\"delta\"]") != NULL);
            fmcp_free_text(w.alloc, out, n);
        }
    });
    T_ALLOC_SWEEP({
        fmcp_server_desc sd;
        fmcp_server *srv = NULL;
        fmcp_tool_desc t;
        memset(&sd, 0, sizeof sd);
        sd.workers = -1;
        sd.alloc = &t_alloc;
        t_rc = fmcp_server_create(&sd, &srv);
        if (t_rc == FMCP_OK) {
            memset(&t, 0, sizeof t);
            t.handler = t_nop; t.name = "x";
            t.input_schema = "{\"type\":\"object\",\"$defs\":{\"a\":{\"$anchor\":\"a\"}},\"properties\":{\"p\":{\"$ref\":\"#a\"}}}";
            t.output_schema = "{\"type\":\"object\",\"properties\":{\"q\":{\"$ref\":\"#\"}}}";
            t_rc = fmcp_server_add_tool(srv, &t);
            fmcp_server_destroy(srv);
        }
    });
}

int main(void)
{
    T_RUN(test_spec);
    T_RUN(test_type);
    T_RUN(test_enum_const);
    T_RUN(test_numbers);
    T_RUN(test_strings);
    T_RUN(test_arrays);
    T_RUN(test_objects);
    T_RUN(test_null_instance_is_empty_object);
    T_RUN(test_composition);
    T_RUN(test_conformance_fixture);
    T_RUN(test_unevaluated);
    T_RUN(test_refs);
    T_RUN(test_tree);
    T_RUN(test_check);
    T_RUN(test_bounds);
    T_RUN(test_bounds_linear);
    T_RUN(test_messages);
    T_RUN(test_registration);
    T_RUN(test_engine);
    T_RUN(test_alloc_sweep);
    return t_finish("mcp_schema");
}
