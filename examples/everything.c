/* everything.c - an MCP server with every fixture the MCP conformance suite
 * expects (see ../shared/peers/conformance-scenarios.md): tools test_*,
 * resources test://..., a resource template, prompts test_*, completion.
 *
 *   build/examples/everything            serve stdio (newline-delimited JSON)
 *   build/examples/everything --http P   serve Streamable HTTP on 127.0.0.1:P/mcp
 *                                        (0 = any free port; prints "Listening on URL")
 *
 * It serves both protocol eras: legacy clients (initialize, sessions) and
 * 2026-07-28 ones (per-request _meta, server/discover, multi round-trip
 * input). Tools that ask the client use fmcp_ctx_input, which sends the
 * request and waits in the legacy era and returns input_required in the
 * modern one. Tools that log, report progress, sample or elicit run on the
 * worker pool, so ping and other calls stay responsive while they wait.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1x1 red PNG and a 44-byte silent PCM WAV, base64. */
static const char PNG_B64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
static const char WAV_B64[] = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

static void pause_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static fmcp_result text_reply(fmcp_ctx *c, const char *prefix, const char *body)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s", prefix, body);
    return fmcp_ctx_add_text(c, buf);
}

/* ---- tools --------------------------------------------------------------- */

static fmcp_result tool_simple_text(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "This is a simple text response for testing.");
}

static fmcp_result tool_image(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_media_b64(c, "image", PNG_B64, "image/png");
}

static fmcp_result tool_audio(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_media_b64(c, "audio", WAV_B64, "audio/wav");
}

static fmcp_result tool_embedded(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_resource_text(c, "test://embedded-resource", "text/plain",
                                       "This is an embedded resource content.");
}

static fmcp_result tool_mixed(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_add_text(c, "Multiple content types test:")) != FMCP_OK) return r;
    if ((r = fmcp_ctx_add_media_b64(c, "image", PNG_B64, "image/png")) != FMCP_OK) return r;
    return fmcp_ctx_add_resource_text(c, "test://mixed-content-resource", "application/json",
                                      "{\"test\":\"data\",\"value\":123}");
}

static fmcp_result tool_logging(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_log(c, FMCP_LOG_INFO, NULL, "Tool execution started");
    pause_ms(50);
    fmcp_ctx_log(c, FMCP_LOG_INFO, NULL, "Tool processing data");
    pause_ms(50);
    fmcp_ctx_log(c, FMCP_LOG_INFO, NULL, "Tool execution completed");
    return fmcp_ctx_add_text(c, "Tool with logging executed successfully");
}

static fmcp_result tool_progress(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_progress(c, 0, 100, NULL);
    pause_ms(50);
    fmcp_ctx_progress(c, 50, 100, NULL);
    pause_ms(50);
    fmcp_ctx_progress(c, 100, 100, NULL);
    return fmcp_ctx_add_text(c, "Tool with progress executed successfully");
}

static fmcp_result tool_error(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_set_error(c, 1);
    return fmcp_ctx_add_text(c, "This tool intentionally returns an error for testing");
}

static fmcp_result tool_sampling(fmcp_ctx *c, void *u)
{
    fmcp_json_writer w;
    char *params = NULL;
    size_t n = 0;
    fmcp_result r;
    const fmcp_json *res = NULL;
    (void)u;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "messages"); fmcp_jw_array_begin(&w);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "role"); fmcp_jw_str(&w, "user");
    fmcp_jw_key(&w, "content"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "type"); fmcp_jw_str(&w, "text");
    fmcp_jw_key(&w, "text"); fmcp_jw_str(&w, fmcp_ctx_arg_str(c, "prompt", ""));
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    fmcp_jw_array_end(&w);
    fmcp_jw_key(&w, "maxTokens"); fmcp_jw_int(&w, 100);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &params, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp_ctx_input(c, "sampling", "sampling/createMessage", params, &res);
    fmcp_free_text(w.alloc, params, n);
    if (r == FMCP_ERR_INPUT_REQUIRED) return r;   /* 2026-07-28: asked; we run again with the answer */
    if (r != FMCP_OK) {
        fmcp_ctx_set_error(c, 1);
        return text_reply(c, "Sampling failed: ", fmcp_result_str(r));
    }
    return text_reply(c, "LLM response: ", fmcp_json_get_str(fmcp_json_get(res, "content"), "text", ""));
}

/* Ask the client with params (JSON text); reply "<prefix>action=..., content=...". */
static fmcp_result elicit_and_report(fmcp_ctx *c, const char *params, const char *prefix)
{
    char content[1024], line[1400];
    const fmcp_json *res = NULL;
    fmcp_result r = fmcp_ctx_input(c, "elicitation", "elicitation/create", params, &res);
    if (r == FMCP_ERR_INPUT_REQUIRED) return r;
    if (r != FMCP_OK) {
        fmcp_ctx_set_error(c, 1);
        return text_reply(c, "Elicitation failed: ", fmcp_result_str(r));
    }
    strcpy(content, "{}");
    if (fmcp_json_get(res, "content")) fmcp_json_write(fmcp_json_get(res, "content"), content, sizeof content, NULL);
    snprintf(line, sizeof line, "%saction=%s, content=%s", prefix, fmcp_json_get_str(res, "action", "?"), content);
    return fmcp_ctx_add_text(c, line);
}

static const char ELICIT_SCHEMA[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
    "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
    "\"required\":[\"username\",\"email\"]}";

static fmcp_result tool_elicitation(fmcp_ctx *c, void *u)
{
    fmcp_json_writer w;
    char *params = NULL;
    size_t n = 0;
    fmcp_result r;
    (void)u;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "message"); fmcp_jw_str(&w, fmcp_ctx_arg_str(c, "message", ""));
    fmcp_jw_key(&w, "requestedSchema");
    fmcp_jw_raw(&w, ELICIT_SCHEMA, strlen(ELICIT_SCHEMA));
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &params, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = elicit_and_report(c, params, "User response: ");
    fmcp_free_text(w.alloc, params, n);
    return r;
}

static fmcp_result tool_elicit_defaults(fmcp_ctx *c, void *u)
{
    (void)u;
    return elicit_and_report(c,
        "{\"message\":\"Please review and update the form fields with defaults\",\"requestedSchema\":{"
        "\"type\":\"object\",\"properties\":{"
        "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
        "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
        "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
        "\"status\":{\"type\":\"string\",\"description\":\"User status\",\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
        "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}},"
        "\"required\":[]}}", "Elicitation completed: ");
}

static fmcp_result tool_elicit_enums(fmcp_ctx *c, void *u)
{
    (void)u;
    return elicit_and_report(c,
        "{\"message\":\"Please select options from the enum fields\",\"requestedSchema\":{"
        "\"type\":\"object\",\"properties\":{"
        "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Untitled single-select\",\"enum\":[\"option1\",\"option2\",\"option3\"]},"
        "\"titledSingle\":{\"type\":\"string\",\"description\":\"Titled single-select\",\"oneOf\":["
        "{\"const\":\"value1\",\"title\":\"First Option\"},{\"const\":\"value2\",\"title\":\"Second Option\"},"
        "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
        "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Legacy titled enum\",\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
        "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
        "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Untitled multi-select\",\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
        "\"titledMulti\":{\"type\":\"array\",\"description\":\"Titled multi-select\",\"items\":{\"anyOf\":["
        "{\"const\":\"value1\",\"title\":\"First Choice\"},{\"const\":\"value2\",\"title\":\"Second Choice\"},"
        "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},"
        "\"required\":[]}}", "Elicitation completed: ");
}

static fmcp_result tool_schema_2020(fmcp_ctx *c, void *u)
{
    char args[1024] = "{}";
    (void)u;
    if (fmcp_ctx_args(c)) fmcp_json_write(fmcp_ctx_args(c), args, sizeof args, NULL);
    return text_reply(c, "Received: ", args);
}

/* ---- resources and prompts ----------------------------------------------- */

#ifndef FASTMCP_NO_SOCKETS
static fmcp_http_endpoint *g_http;   /* --http mode: test_reconnection closes its stream */
#endif

/* SSE polling (SEP-1699): close this call's stream now and answer later; the
 * client resumes with GET + Last-Event-ID and receives the result there. */
static fmcp_result tool_reconnection(fmcp_ctx *c, void *u)
{
    (void)u;
#ifndef FASTMCP_NO_SOCKETS
    if (g_http) (void)fmcp_http_endpoint_close_sse(g_http, c);
#endif
    pause_ms(100);
    return fmcp_ctx_add_text(c, "Reconnection test completed successfully");
}

static fmcp_result res_template(fmcp_ctx *c, void *u)
{
    fmcp_json_writer w;
    char *text = NULL, data[300];
    size_t n = 0;
    fmcp_result r;
    const char *id = fmcp_ctx_var(c, "id");
    (void)u;
    snprintf(data, sizeof data, "Data for ID: %s", id ? id : "");
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "id"); fmcp_jw_str(&w, id);
    fmcp_jw_key(&w, "templateTest"); fmcp_jw_bool(&w, 1);
    fmcp_jw_key(&w, "data"); fmcp_jw_str(&w, data);
    fmcp_jw_object_end(&w);
    if ((r = fmcp_jw_finish(&w, &text, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    r = fmcp_ctx_add_resource_text(c, NULL, "application/json", text);
    fmcp_free_text(w.alloc, text, n);
    return r;
}

static fmcp_result prompt_simple(fmcp_ctx *c, void *u)
{
    (void)u;
    return fmcp_ctx_add_text(c, "This is a simple prompt for testing.");
}

static fmcp_result prompt_args(fmcp_ctx *c, void *u)
{
    char buf[1024];
    (void)u;
    snprintf(buf, sizeof buf, "Prompt with arguments: arg1='%s', arg2='%s'",
             fmcp_ctx_arg_str(c, "arg1", ""), fmcp_ctx_arg_str(c, "arg2", ""));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result prompt_embedded(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    r = fmcp_ctx_add_resource_text(c, fmcp_ctx_arg_str(c, "resourceUri", "test://unknown"), "text/plain",
                                   "Embedded resource content for testing.");
    return r ? r : fmcp_ctx_add_text(c, "Please process the embedded resource above.");
}

static fmcp_result prompt_image(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    r = fmcp_ctx_add_media_b64(c, "image", PNG_B64, "image/png");
    return r ? r : fmcp_ctx_add_text(c, "Please analyze the image above.");
}

/* Completion: suggest from a small word list by prefix. */
static fmcp_result complete_words(fmcp_ctx *c, const char *arg, const char *value, void *u)
{
    static const char *const words[] = { "paris", "park", "party", "hello", "world", "123" };
    size_t i;
    (void)arg; (void)u;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strncmp(words[i], value, strlen(value)) == 0) fmcp_ctx_add_completion(c, words[i]);
    return FMCP_OK;
}

/* ---- 2026-07-28 fixtures: multi round-trip input, capabilities, triggers ---- */

static const char NAME_FORM[] =
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}";

/* An elicitation request's params: message and a one-field form. */
static void form_params(char *buf, size_t cap, const char *message, const char *schema)
{
    snprintf(buf, cap, "{\"message\":\"%s\",\"requestedSchema\":%s}", message, schema);
}

static const char *form_field(const fmcp_json *res, const char *field)
{
    return fmcp_json_get_str(fmcp_json_get(res, "content"), field, "?");
}

static fmcp_result ir_elicitation(fmcp_ctx *c, void *u)
{
    char p[512];
    const fmcp_json *res;
    fmcp_result r;
    (void)u;
    form_params(p, sizeof p, "What is your name?", NAME_FORM);
    if ((r = fmcp_ctx_input(c, "user_name", "elicitation/create", p, &res)) != FMCP_OK) return r;
    return text_reply(c, "Hello, ", form_field(res, "name"));
}

static fmcp_result ir_sampling(fmcp_ctx *c, void *u)
{
    const fmcp_json *res;
    fmcp_result r;
    (void)u;
    r = fmcp_ctx_input(c, "capital_question", "sampling/createMessage",
                       "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                       "\"text\":\"What is the capital of France?\"}}],\"maxTokens\":100}", &res);
    if (r != FMCP_OK) return r;
    return text_reply(c, "Sampling said: ", fmcp_json_get_str(fmcp_json_get(res, "content"), "text", ""));
}

static fmcp_result ir_roots(fmcp_ctx *c, void *u)
{
    const fmcp_json *res, *root;
    char line[1024];
    size_t n = 0;
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_input(c, "client_roots", "roots/list", NULL, &res)) != FMCP_OK) return r;
    strcpy(line, "Roots:");
    for (root = fmcp_json_first(fmcp_json_get(res, "roots")); root && n < 8; root = fmcp_json_next(root), n++) {
        strncat(line, " ", sizeof line - strlen(line) - 1);
        strncat(line, fmcp_json_get_str(root, "uri", "?"), sizeof line - strlen(line) - 1);
    }
    return fmcp_ctx_add_text(c, line);
}

/* The handler's own state rides in requestState; "state-ok" proves it came back. */
static fmcp_result ir_request_state(fmcp_ctx *c, void *u)
{
    const fmcp_json *res;
    fmcp_result r;
    const char *st = fmcp_ctx_state(c);
    (void)u;
    r = fmcp_ctx_input(c, "confirm", "elicitation/create",
                       "{\"message\":\"Please confirm\",\"requestedSchema\":{\"type\":\"object\","
                       "\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}}", &res);
    if (r == FMCP_ERR_INPUT_REQUIRED) { (void)fmcp_ctx_set_state(c, "round-1"); return r; }
    if (r != FMCP_OK) return r;
    return fmcp_ctx_add_text(c, st && strcmp(st, "round-1") == 0 ? "state-ok: confirmed" : "state missing");
}

static fmcp_result ir_multiple(fmcp_ctx *c, void *u)
{
    char p[512];
    const fmcp_json *name = NULL, *greeting = NULL, *roots = NULL;
    fmcp_result r1, r2, r3;
    (void)u;
    form_params(p, sizeof p, "What is your name?", NAME_FORM);
    r1 = fmcp_ctx_input(c, "user_name", "elicitation/create", p, &name);
    r2 = fmcp_ctx_input(c, "greeting", "sampling/createMessage",
                        "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                        "\"text\":\"Generate a greeting\"}}],\"maxTokens\":50}", &greeting);
    r3 = fmcp_ctx_input(c, "client_roots", "roots/list", NULL, &roots);
    if (r1 != FMCP_OK) return r1;
    if (r2 != FMCP_OK) return r2;
    if (r3 != FMCP_OK) return r3;
    return text_reply(c, "All inputs received for ", form_field(name, "name"));
}

static fmcp_result ir_multi_round(fmcp_ctx *c, void *u)
{
    char p[512], line[300];
    const fmcp_json *step1, *step2;
    fmcp_result r;
    (void)u;
    form_params(p, sizeof p, "Step 1: What is your name?", NAME_FORM);
    if ((r = fmcp_ctx_input(c, "step1", "elicitation/create", p, &step1)) != FMCP_OK) return r;
    form_params(p, sizeof p, "Step 2: What is your favorite color?",
                "{\"type\":\"object\",\"properties\":{\"color\":{\"type\":\"string\"}},\"required\":[\"color\"]}");
    if ((r = fmcp_ctx_input(c, "step2", "elicitation/create", p, &step2)) != FMCP_OK) return r;
    snprintf(line, sizeof line, "%s likes %s", form_field(step1, "name"), form_field(step2, "color"));
    return fmcp_ctx_add_text(c, line);
}

/* Ask only for what this request's client declared. */
static fmcp_result ir_capabilities(fmcp_ctx *c, void *u)
{
    char p[512];
    const fmcp_json *res;
    fmcp_result r = FMCP_OK;
    (void)u;
    form_params(p, sizeof p, "What is your name?", NAME_FORM);
    if (fmcp_ctx_client_supports(c, "elicitation"))
        r = fmcp_ctx_input(c, "user_name", "elicitation/create", p, &res);
    else if (fmcp_ctx_client_supports(c, "sampling"))
        r = fmcp_ctx_input(c, "capital_question", "sampling/createMessage",
                           "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                           "\"text\":\"What is the capital of France?\"}}],\"maxTokens\":100}", &res);
    else if (fmcp_ctx_client_supports(c, "roots"))
        r = fmcp_ctx_input(c, "client_roots", "roots/list", NULL, &res);
    return r != FMCP_OK ? r : fmcp_ctx_add_text(c, "Capabilities respected");
}

static fmcp_result ir_prompt(fmcp_ctx *c, void *u)
{
    char p[512];
    const fmcp_json *res;
    fmcp_result r;
    (void)u;
    form_params(p, sizeof p, "What context should the prompt use?",
                "{\"type\":\"object\",\"properties\":{\"context\":{\"type\":\"string\"}},\"required\":[\"context\"]}");
    if ((r = fmcp_ctx_input(c, "user_context", "elicitation/create", p, &res)) != FMCP_OK) return r;
    return text_reply(c, "Use this context: ", form_field(res, "context"));
}

static fmcp_result tool_missing_capability(fmcp_ctx *c, void *u)
{
    fmcp_result r;
    (void)u;
    if ((r = fmcp_ctx_require_capability(c, "sampling")) != FMCP_OK) return r;
    return fmcp_ctx_add_text(c, "The client can sample");
}

static fmcp_result tool_trigger_tool_change(fmcp_ctx *c, void *u)
{
    fmcp_server *srv = (fmcp_server *)u;
    fmcp_tool_desc t = {0};
    t.name = "test_dynamic_tool"; t.description = "Added by test_trigger_tool_change"; t.handler = tool_simple_text;
    if (fmcp_server_add_tool(srv, &t) == FMCP_ERR_DUPLICATE) (void)fmcp_server_remove(srv, FMCP_ITEM_TOOL, t.name);
    return fmcp_ctx_add_text(c, "Tool list changed");
}

static fmcp_result tool_trigger_prompt_change(fmcp_ctx *c, void *u)
{
    fmcp_server *srv = (fmcp_server *)u;
    fmcp_prompt_desc p = {0};
    p.name = "test_dynamic_prompt"; p.description = "Added by test_trigger_prompt_change"; p.handler = prompt_simple;
    if (fmcp_server_add_prompt(srv, &p) == FMCP_ERR_DUPLICATE) (void)fmcp_server_remove(srv, FMCP_ITEM_PROMPT, p.name);
    return fmcp_ctx_add_text(c, "Prompt list changed");
}

/* A parameter mirrored into the Mcp-Param-Region header (SEP-2243). */
static fmcp_result tool_header_param(fmcp_ctx *c, void *u)
{
    (void)u;
    return text_reply(c, "Region: ", fmcp_ctx_arg_str(c, "region", "?"));
}

/* ---- registration -------------------------------------------------------- */

static fmcp_result add_tool(fmcp_server *srv, const char *name, const char *desc, const char *params,
                            const char *schema, fmcp_handler_fn fn)
{
    fmcp_tool_desc t = {0};
    t.name = name; t.description = desc; t.params = params; t.input_schema = schema; t.handler = fn;
    return fmcp_server_add_tool(srv, &t);
}

static fmcp_result add_tools(fmcp_server *srv)
{
    fmcp_result r = FMCP_OK;
    r = r ? r : add_tool(srv, "test_simple_text", "Returns simple text", NULL, NULL, tool_simple_text);
    r = r ? r : add_tool(srv, "test_image_content", "Returns an image", NULL, NULL, tool_image);
    r = r ? r : add_tool(srv, "test_audio_content", "Returns audio", NULL, NULL, tool_audio);
    r = r ? r : add_tool(srv, "test_embedded_resource", "Returns an embedded resource", NULL, NULL, tool_embedded);
    r = r ? r : add_tool(srv, "test_multiple_content_types", "Returns text, image and resource", NULL, NULL, tool_mixed);
    r = r ? r : add_tool(srv, "test_tool_with_logging", "Sends 3 log notifications", NULL, NULL, tool_logging);
    r = r ? r : add_tool(srv, "test_tool_with_progress", "Sends progress notifications", NULL, NULL, tool_progress);
    r = r ? r : add_tool(srv, "test_error_handling", "Always fails", NULL, NULL, tool_error);
    r = r ? r : add_tool(srv, "test_sampling", "Asks the client for LLM sampling", "prompt:string", NULL, tool_sampling);
    r = r ? r : add_tool(srv, "test_elicitation", "Asks the client for user input", "message:string", NULL, tool_elicitation);
    r = r ? r : add_tool(srv, "test_elicitation_sep1034_defaults", "Elicitation with defaults (SEP-1034)", NULL, NULL,
                         tool_elicit_defaults);
    r = r ? r : add_tool(srv, "test_elicitation_sep1330_enums", "Elicitation with enum variants (SEP-1330)", NULL, NULL,
                         tool_elicit_enums);
    r = r ? r : add_tool(srv, "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", NULL,
                         "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
                         "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
                         "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
                         "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
                         "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
                         "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
                         "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
                         "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},\"required\":[\"contactMethod\"]},"
                         "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
                         "\"additionalProperties\":false}",
                         tool_schema_2020);
    r = r ? r : add_tool(srv, "test_reconnection", "Closes its SSE stream mid-call (client must reconnect)", NULL,
                         NULL, tool_reconnection);
    r = r ? r : add_tool(srv, "test_input_required_result_elicitation", "Asks for a name (multi round-trip)", NULL,
                         NULL, ir_elicitation);
    r = r ? r : add_tool(srv, "test_input_required_result_sampling", "Asks for a sample", NULL, NULL, ir_sampling);
    r = r ? r : add_tool(srv, "test_input_required_result_list_roots", "Asks for roots", NULL, NULL, ir_roots);
    r = r ? r : add_tool(srv, "test_input_required_result_request_state", "Round-trips requestState", NULL, NULL,
                         ir_request_state);
    r = r ? r : add_tool(srv, "test_input_required_result_multiple_inputs", "Asks for three inputs at once", NULL,
                         NULL, ir_multiple);
    r = r ? r : add_tool(srv, "test_input_required_result_multi_round", "Asks twice", NULL, NULL, ir_multi_round);
    r = r ? r : add_tool(srv, "test_input_required_result_tampered_state", "Refuses tampered requestState", NULL,
                         NULL, ir_request_state);
    r = r ? r : add_tool(srv, "test_input_required_result_capabilities", "Asks only for declared capabilities", NULL,
                         NULL, ir_capabilities);
    r = r ? r : add_tool(srv, "test_missing_capability", "Needs the sampling capability", NULL, NULL,
                         tool_missing_capability);
    r = r ? r : add_tool(srv, "test_streaming_elicitation", "Elicits (multi round-trip in 2026-07-28)", NULL, NULL,
                         ir_elicitation);
    r = r ? r : add_tool(srv, "test_logging_tool", "Logs (only when the request set a log level)", NULL, NULL,
                         tool_logging);
    r = r ? r : add_tool(srv, "test_header_param", "Echoes a region mirrored into Mcp-Param-Region", NULL,
                         "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\","
                         "\"x-mcp-header\":\"Region\"},\"query\":{\"type\":\"string\"}}}", tool_header_param);
    if (r == FMCP_OK) {
        fmcp_tool_desc t = {0};
        t.name = "test_trigger_tool_change"; t.description = "Adds or removes a tool (list_changed)";
        t.handler = tool_trigger_tool_change; t.user = srv;
        r = fmcp_server_add_tool(srv, &t);
        t.name = "test_trigger_prompt_change"; t.description = "Adds or removes a prompt (list_changed)";
        t.handler = tool_trigger_prompt_change;
        if (r == FMCP_OK) r = fmcp_server_add_tool(srv, &t);
    }
    return r;
}

static fmcp_result add_resources(fmcp_server *srv, const unsigned char *png, size_t png_len)
{
    fmcp_resource_desc d = {0};
    fmcp_template_desc t = {0};
    fmcp_result r;
    d.uri = "test://static-text"; d.name = "static-text"; d.description = "A static text resource";
    d.mime_type = "text/plain"; d.text = "This is the content of the static text resource.";
    if ((r = fmcp_server_add_resource(srv, &d)) != FMCP_OK) return r;
    memset(&d, 0, sizeof d);
    d.uri = "test://static-binary"; d.name = "static-binary"; d.description = "A static binary resource";
    d.mime_type = "image/png"; d.blob = png; d.blob_len = png_len;
    if ((r = fmcp_server_add_resource(srv, &d)) != FMCP_OK) return r;
    memset(&d, 0, sizeof d);
    d.uri = "test://watched-resource"; d.name = "watched-resource";
    d.description = "A resource that can be subscribed to"; d.mime_type = "text/plain";
    d.text = "Watched resource content";
    if ((r = fmcp_server_add_resource(srv, &d)) != FMCP_OK) return r;
    t.uri_template = "test://template/{id}/data"; t.name = "template-data"; t.description = "Templated data";
    t.mime_type = "application/json"; t.handler = res_template; t.complete = complete_words;
    return fmcp_server_add_resource_template(srv, &t);
}

static fmcp_result add_prompt(fmcp_server *srv, const char *name, const char *desc, const fmcp_prompt_arg *args,
                              size_t n, fmcp_handler_fn fn)
{
    fmcp_prompt_desc p = {0};
    p.name = name; p.description = desc; p.args = args; p.n_args = n; p.handler = fn;
    p.complete = complete_words;
    return fmcp_server_add_prompt(srv, &p);
}

static fmcp_result add_prompts(fmcp_server *srv)
{
    fmcp_prompt_arg two[2], uri[1];
    fmcp_result r = FMCP_OK;
    memset(two, 0, sizeof two);
    two[0].name = "arg1"; two[0].description = "First test argument"; two[0].required = 1;
    two[1].name = "arg2"; two[1].description = "Second test argument"; two[1].required = 1;
    memset(uri, 0, sizeof uri);
    uri[0].name = "resourceUri"; uri[0].description = "URI of the resource to embed"; uri[0].required = 1;
    r = r ? r : add_prompt(srv, "test_simple_prompt", "A simple prompt without arguments", NULL, 0, prompt_simple);
    r = r ? r : add_prompt(srv, "test_prompt_with_arguments", "A prompt with arguments", two, 2, prompt_args);
    r = r ? r : add_prompt(srv, "test_prompt_with_embedded_resource", "A prompt with an embedded resource", uri, 1,
                           prompt_embedded);
    r = r ? r : add_prompt(srv, "test_prompt_with_image", "A prompt with an image", NULL, 0, prompt_image);
    r = r ? r : add_prompt(srv, "test_input_required_result_prompt", "Asks for context first (multi round-trip)",
                           NULL, 0, ir_prompt);
    return r;
}

/* ---- tasks extension (io.modelcontextprotocol/tasks) fixtures ---------------------------- */

/* Sleeps ms in small steps; 0 when the call was cancelled (tasks/cancel). */
static int task_sleep(fmcp_ctx *c, long ms)
{
    for (; ms > 0; ms -= 50) {
        if (fmcp_ctx_is_cancelled(c)) return 0;
        pause_ms(ms < 50 ? ms : 50);
    }
    return !fmcp_ctx_is_cancelled(c);
}

static fmcp_result task_greet(fmcp_ctx *c, void *u)
{
    char buf[256];
    (void)u;
    snprintf(buf, sizeof buf, "Hello, %s!", fmcp_ctx_arg_str(c, "name", "World"));
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result task_slow_compute(fmcp_ctx *c, void *u)
{
    char buf[256];
    double secs = fmcp_ctx_arg_double(c, "seconds", 1);
    (void)u;
    if (secs < 0 || secs > 3600) secs = 1;
    if (!task_sleep(c, (long)(secs * 1000))) return FMCP_ERR_CANCELLED;
    snprintf(buf, sizeof buf, "Computed %s after %g s", fmcp_ctx_arg_str(c, "label", "result"), secs);
    return fmcp_ctx_add_text(c, buf);
}

static fmcp_result task_failing_job(fmcp_ctx *c, void *u)
{
    (void)u;
    if (!task_sleep(c, 1000)) return FMCP_ERR_CANCELLED;
    fmcp_ctx_set_error(c, 1);
    return fmcp_ctx_add_text(c, "The job failed: simulated tool execution error");
}

static fmcp_result task_protocol_error_job(fmcp_ctx *c, void *u)
{
    (void)u;
    fmcp_ctx_error(c, FMCP_RPC_INTERNAL_ERROR, "Internal error: the job crashed");
    return FMCP_ERR_PROTOCOL;
}

static fmcp_result task_confirm_delete(fmcp_ctx *c, void *u)
{
    char p[512], msg[256];
    const fmcp_json *res;
    fmcp_result r;
    const char *file = fmcp_ctx_arg_str(c, "filename", "file");
    (void)u;
    snprintf(msg, sizeof msg, "Delete %.200s?", file);
    form_params(p, sizeof p, msg, "{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\"}},"
                                  "\"required\":[\"confirm\"]}");
    if ((r = fmcp_ctx_input(c, "confirm_delete", "elicitation/create", p, &res)) != FMCP_OK) return r;
    if (strcmp(fmcp_json_get_str(res, "action", ""), "accept") == 0 &&
        fmcp_json_get_bool(fmcp_json_get(res, "content"), "confirm", 0))
        return text_reply(c, "Deleted ", file);
    return text_reply(c, "Kept ", file);
}

/* Two inputs asked in one round: both keys are pending at once. */
static fmcp_result task_multi_input(fmcp_ctx *c, void *u)
{
    char p[512], buf[256];
    const fmcp_json *a, *b;
    fmcp_result r1, r2;
    (void)u;
    form_params(p, sizeof p, "Your name?", NAME_FORM);
    r1 = fmcp_ctx_input(c, "name", "elicitation/create", p, &a);
    form_params(p, sizeof p, "Proceed?", "{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\"}}}");
    r2 = fmcp_ctx_input(c, "confirm", "elicitation/create", p, &b);
    if (r1 != FMCP_OK) return r1;
    if (r2 != FMCP_OK) return r2;
    snprintf(buf, sizeof buf, "Got %s, confirm=%s", form_field(a, "name"),
             fmcp_json_get_bool(fmcp_json_get(b, "content"), "confirm", 0) ? "true" : "false");
    return fmcp_ctx_add_text(c, buf);
}

/* Multi round-trip first (user_name), then the rest runs as a task. */
static fmcp_result task_tool_with_task(fmcp_ctx *c, void *u)
{
    char p[512];
    const fmcp_json *res;
    fmcp_result r;
    (void)u;
    form_params(p, sizeof p, "What is your name?", NAME_FORM);
    if ((r = fmcp_ctx_input(c, "user_name", "elicitation/create", p, &res)) != FMCP_OK) return r;
    if ((r = fmcp_ctx_start_task(c)) != FMCP_OK && r != FMCP_ERR_UNSUPPORTED) return r;
    if (!task_sleep(c, 200)) return FMCP_ERR_CANCELLED;
    return text_reply(c, "Hello, ", form_field(res, "name"));
}

static fmcp_result add_task_tool(fmcp_server *srv, const char *name, const char *desc, const char *schema,
                                 fmcp_handler_fn fn, int support)
{
    fmcp_tool_desc t = {0};
    t.name = name; t.description = desc; t.input_schema = schema; t.handler = fn; t.task_support = support;
    return fmcp_server_add_tool(srv, &t);
}

static fmcp_result add_task_tools(fmcp_server *srv)
{
    fmcp_result r = FMCP_OK;
    r = r ? r : add_task_tool(srv, "greet", "Says hello (synchronous)",
                              "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}", task_greet,
                              FMCP_TASK_NONE);
    r = r ? r : add_task_tool(srv, "slow_compute", "Sleeps `seconds`, then answers (task)",
                              "{\"type\":\"object\",\"properties\":{\"seconds\":{\"type\":\"number\"},"
                              "\"label\":{\"type\":\"string\"}}}", task_slow_compute, FMCP_TASK_OPTIONAL);
    r = r ? r : add_task_tool(srv, "failing_job", "Fails with a tool error after a second (task required)", NULL,
                              task_failing_job, FMCP_TASK_REQUIRED);
    r = r ? r : add_task_tool(srv, "protocol_error_job", "Fails with a protocol error (task)", NULL,
                              task_protocol_error_job, FMCP_TASK_OPTIONAL);
    r = r ? r : add_task_tool(srv, "confirm_delete", "Asks for confirmation inside the task",
                              "{\"type\":\"object\",\"properties\":{\"filename\":{\"type\":\"string\"}}}",
                              task_confirm_delete, FMCP_TASK_OPTIONAL);
    r = r ? r : add_task_tool(srv, "multi_input", "Asks for two inputs at once inside the task", NULL,
                              task_multi_input, FMCP_TASK_OPTIONAL);
    r = r ? r : add_task_tool(srv, "test_tool_with_task", "Multi round-trip for a name, then a task", NULL,
                              task_tool_with_task, FMCP_TASK_REQUIRED | FMCP_TASK_HANDLER_STARTS);
    return r;
}

/* Streamable HTTP on 127.0.0.1:port until killed. */
static fmcp_result serve_http(fmcp_server *srv, int port)
{
#ifndef FASTMCP_NO_SOCKETS
    fmcp_http_endpoint_desc d = {0};
    fmcp_http_loop *loop;
    fmcp_result r;
    d.host = "127.0.0.1"; d.port = (uint16_t)port;
    if ((r = fmcp_http_loop_create(NULL, &loop)) != FMCP_OK) return r;
    if ((r = fmcp_http_endpoint_create(srv, loop, &d, &g_http)) != FMCP_OK) { fmcp_http_loop_destroy(loop); return r; }
    printf("Listening on http://127.0.0.1:%u/mcp\n", (unsigned)fmcp_http_endpoint_port(g_http));
    fflush(stdout);
    r = fmcp_http_run(loop);
    fmcp_http_endpoint_destroy(g_http);
    fmcp_http_loop_destroy(loop);
    return r;
#else
    (void)srv; (void)port;
    return FMCP_ERR_UNSUPPORTED;
#endif
}

int main(int argc, char **argv)
{
    fmcp_server_desc sd = {0};
    fmcp_server *srv;
    unsigned char png[128];
    size_t png_len = 0;
    fmcp_result r;
    int http_port = -1;
    if (argc == 3 && strcmp(argv[1], "--http") == 0) http_port = atoi(argv[2]);
    else if (argc != 1) { fprintf(stderr, "usage: %s [--http PORT]\n", argv[0]); return 2; }
    sd.name = "fastmcp-everything"; sd.title = "fastmcp.h everything server"; sd.version = FASTMCP_VERSION_STRING;
    sd.instructions = "Conformance fixtures for the MCP test suite.";
    sd.log = fmcp_log_stderr;
    if (fmcp_b64_decode(FMCP_B64_STD, PNG_B64, strlen(PNG_B64), png, sizeof png, &png_len) != FMCP_OK ||
        fmcp_server_create(&sd, &srv) != FMCP_OK) {
        fprintf(stderr, "everything: setup failed\n");
        return 1;
    }
    r = add_tools(srv);
    if (r == FMCP_OK) r = add_resources(srv, png, png_len);
    if (r == FMCP_OK) r = add_prompts(srv);
    if (r == FMCP_OK) r = add_task_tools(srv);
    if (r == FMCP_OK) r = http_port >= 0 ? serve_http(srv, http_port) : fmcp_server_run_stdio(srv);
    if (r != FMCP_OK) fprintf(stderr, "everything: %s\n", fmcp_result_str(r));
    fmcp_server_destroy(srv);
    return r == FMCP_OK ? 0 : 1;
}
