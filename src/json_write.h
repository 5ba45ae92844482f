/* ---------------------------------------------------------------------------
 * json_write: the JSON writer (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the json API, which json.h declares and documents
 * (fmcp_json_writer, fmcp_json_write/_dump). Here: the streaming writer with
 * its nesting state and UTF-8 checks, shortest round-trip doubles, and the
 * fast compact serialiser for parsed values.
 */
