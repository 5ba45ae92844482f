/* ---------------------------------------------------------------------------
 * mcp_schema: tool schemas - the compact parameter spec, registration checks
 * and a bounded JSON Schema 2020-12 validator
 * ---------------------------------------------------------------------------
 *
 * The server engine uses these for every tool: the spec (or raw schema text)
 * becomes the tool's inputSchema, fmcp_schema_check runs on inputSchema and
 * outputSchema at registration, and fmcp_schema_validate checks a call's
 * arguments before the handler runs. They are usable on their own.
 *
 * Compact spec -> JSON Schema
 *   fmcp_schema_from_spec("a:integer, b?:string, m:enum(x|y)", &w) writes
 *   {"type":"object","properties":{...},"required":["a","m"]} to w.
 *       spec  := [ param { "," param } ]
 *       param := name [ "?" ] ":" type          ("?" = optional)
 *       type  := string | integer | number | boolean | object | array
 *              | enum "(" word { "|" word } ")"   (string enum)
 *   Names are letters, digits, '_', '-', '.'. FMCP_ERR_PARSE on a bad spec
 *   (the writer may then hold a partial value: reset it); otherwise the
 *   writer's sticky error.
 *
 * Registration check
 *   fmcp_schema_check(schema, msg, cap): the schema must be an object or a
 *   boolean; every "$ref" / "$dynamicRef" must be a string that resolves
 *   inside the document. A reference to anything else (an absolute or
 *   relative URI other than the root's own "$id": what would need a fetch)
 *   gives FMCP_ERR_UNSUPPORTED - nothing is ever fetched (MCP 2026-07-28
 *   "$ref Resolution"); a local reference that does not resolve gives
 *   FMCP_ERR_INVALID_ARG (never silently permissive). msg (may be NULL)
 *   receives a reason.
 *
 * Validation
 *   fmcp_schema_validate(schema, instance, msg, cap) returns FMCP_OK when the
 *   instance satisfies the schema. Otherwise msg receives where and what,
 *   e.g. "#/items/2/qty: 0 is less than the minimum 1" (the instance
 *   location as a URI-fragment JSON pointer; "#" is the root), and:
 *     FMCP_ERR_INVALID_ARG  the instance does not satisfy the schema (or a
 *                           NULL schema)
 *     FMCP_ERR_TOO_LARGE    a cost bound was hit (see Bounds)
 *     FMCP_ERR_DEPTH        subschemas nest deeper than the depth bound
 *                           (also: a $ref cycle that consumes no instance)
 *     FMCP_ERR_UNSUPPORTED  a non-local $ref was reached
 *     FMCP_ERR_NOT_FOUND    a local $ref does not resolve
 *   Every error rejects: the validator fails closed. A NULL instance is
 *   taken as {} (MCP's absent "arguments").
 *   It allocates nothing and may run on several threads on one schema.
 *
 * Supported (JSON Schema 2020-12 validation, one document)
 *   boolean schemas; type (a name or an array; "integer" accepts 1.0 and
 *   any integral number); enum, const (deep equality, 1 == 1.0);
 *   minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf (exact
 *   decimal arithmetic on the number text when it fits 64 bits, else
 *   floating point); minLength, maxLength (Unicode code points);
 *   items, prefixItems, contains, minContains, maxContains, minItems,
 *   maxItems, uniqueItems; properties, required, additionalProperties (a
 *   boolean or a schema), propertyNames, minProperties, maxProperties,
 *   dependentRequired, dependentSchemas; allOf, anyOf, oneOf, not,
 *   if/then/else; unevaluatedProperties and unevaluatedItems (members and
 *   items evaluated by the schema or by the in-place subschemas the
 *   instance validates against: allOf, anyOf, oneOf, if/then/else,
 *   dependentSchemas, $ref - section 11 of the core spec); $defs (and draft-07 "definitions" as a pointer target),
 *   $ref and $dynamicRef: "#" (the root), "#/json/pointer" (~0 ~1 and %XX
 *   escapes), "#name" ($anchor or $dynamicAnchor), each optionally
 *   prefixed by the root's "$id". $ref applies beside its sibling keywords
 *   (2020-12), and a schema may reference itself (trees).
 * Annotations only (never reject): pattern, patternProperties and format
 *   (there is no regex engine; when patternProperties is present,
 *   additionalProperties and unevaluatedProperties do not apply to any
 *   member of that object, since which members the patterns match is
 *   unknown), title, description, default, examples, deprecated,
 *   readOnly, writeOnly, content*, $comment, and any unknown keyword (e.g.
 *   x-mcp-header). Not implemented: dynamic scope ($dynamicRef resolves
 *   like $ref), "$id" inside subschemas (references resolve against the
 *   root document), other dialects' differences ($schema is not read);
 *   propertyNames takes booleans and minLength, maxLength, enum and const
 *   only. Keywords whose values have the wrong shape are ignored.
 *
 * Bounds (per validation; compile-time overridable)
 *   FASTMCP_SCHEMA_MAX_DEPTH (64) nested subschema evaluations, $ref hops
 *     included; FASTMCP_SCHEMA_MAX_EVALS (10000) subschema evaluations, plus
 *     two per value in the instance (so a long array checked by "items" is
 *     not refused while a composition that explodes - anyOf nested 20 deep
 *     - is cut off); FASTMCP_SCHEMA_MAX_WORK (1000000) value comparisons
 *     (uniqueItems, enum; each weighs 1 + the compared container's length)
 *     and schema nodes visited while looking up anchors. Exceeding one
 *     rejects the instance with a message saying so. The engine validates
 *     under its registry lock, so the bounds also bound that hold.
 */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FASTMCP_SCHEMA_MAX_DEPTH
#define FASTMCP_SCHEMA_MAX_DEPTH 64
#endif
#ifndef FASTMCP_SCHEMA_MAX_EVALS
#define FASTMCP_SCHEMA_MAX_EVALS 10000
#endif
#ifndef FASTMCP_SCHEMA_MAX_WORK
#define FASTMCP_SCHEMA_MAX_WORK 1000000
#endif

/* Write the JSON Schema of a compact parameter spec to w. */
FASTMCP_API fmcp_result fmcp_schema_from_spec(const char *spec, fmcp_json_writer *w);

/* Registration check: refs local and resolvable. msg may be NULL. */
FASTMCP_API fmcp_result fmcp_schema_check(const fmcp_json *schema, char *msg, size_t cap);

/* FMCP_OK when instance satisfies schema; else a reason in msg (may be NULL). */
FASTMCP_API fmcp_result fmcp_schema_validate(const fmcp_json *schema, const fmcp_json *instance,
                                             char *msg, size_t cap);

#ifdef __cplusplus
}
#endif
