/* ---------------------------------------------------------------------------
 * mcp_tasks: the tasks extension (io.modelcontextprotocol/tasks) for
 * protocol 2026-07-28: tools/call answered with a task handle, tasks/get
 * polling, tasks/update for input, tasks/cancel
 * ---------------------------------------------------------------------------
 *
 * A tool opts in with fmcp_tool_desc.task_support:
 *   FMCP_TASK_NONE (0)      always synchronous (the default)
 *   FMCP_TASK_OPTIONAL (1)  a task when the request declared the extension
 *                           (_meta clientCapabilities.extensions
 *                           "io.modelcontextprotocol/tasks"), else synchronous
 *   FMCP_TASK_REQUIRED (2)  a task; a request without the extension is
 *                           answered -32021 with data {requiredCapabilities:
 *                           {extensions: {"io.modelcontextprotocol/tasks": {}}}}
 *                           before the handler runs
 *   | FMCP_TASK_HANDLER_STARTS  the handler decides when the call becomes a
 *                           task (fmcp_ctx_start_task), typically after it
 *                           gathered input through multi round-trip rounds
 * Negotiation is per request; legacy sessions (initialize) never get tasks
 * (their tools run synchronously). server/discover advertises the extension.
 *
 * What a task-supporting call does
 *   The engine stores the task (status "working"), answers the tools/call
 *   with CreateTaskResult (resultType "task", taskId, status, createdAt,
 *   lastUpdatedAt, ttlMs, pollIntervalMs) and then runs the handler on the
 *   worker pool as an ordinary fmcp_ctx: everything it adds becomes the
 *   task's result instead of a response. How it ends:
 *     - a result (isError or not)            -> "completed", result inlined
 *     - fmcp_ctx_error(), or an internal failure (no memory, a result too
 *       large for the store) -> "failed" with error {code, message[, data]}
 *     - tasks/cancel                         -> "cancelled" at once; the
 *       handler sees fmcp_ctx_is_cancelled() and what it returns is dropped
 *   notifications/progress and notifications/message are not sent for a
 *   task (the spec forbids them); fmcp_ctx_progress/log succeed silently.
 *   A task id is 128 bits from fmcp_random_bytes (base64url) and is bound to
 *   the caller's identity (subject and client id, else the token): another
 *   caller's tasks/get, update or cancel sees -32602 as for an unknown id.
 *
 * Input inside a task: the same fmcp_ctx_input as multi round-trip
 *   In a task, fmcp_ctx_input(ctx, key, ...) returns the answer when the
 *   client already gave it, else records the request and returns
 *   FMCP_ERR_INPUT_REQUIRED; the handler asks for whatever else it needs and
 *   returns FMCP_ERR_INPUT_REQUIRED. The task then shows "input_required"
 *   with every unanswered request in inputRequests, and no worker waits.
 *   tasks/update moves answers in (keys not outstanding are ignored; a
 *   partial answer keeps "input_required" with only the pending keys). When
 *   the last pending key is answered the task is "working" again and the
 *   handler runs again from the start, on the pool, with every answer given
 *   so far (and those of earlier multi round-trip rounds) available: so one
 *   straight-line handler serves multi round-trip requests, tasks and legacy
 *   sessions alike. Keys must be unique over the task's life (the spec's
 *   rule): an answered key is never asked again. Side effects before an
 *   fmcp_ctx_input call run again on every round (as with multi round-trip).
 *   fmcp_ctx_state / fmcp_ctx_set_state are not carried between task rounds
 *   (the inputs are the state).
 *
 * fmcp_ctx_start_task(ctx)
 *   For tools registered with FMCP_TASK_HANDLER_STARTS: turn this call into a
 *   task now (stored, CreateTaskResult sent); the rest of the handler runs
 *   as the task. FMCP_OK when the call is (now or already) a task;
 *   FMCP_ERR_UNSUPPORTED when it stays synchronous (the request did not
 *   declare the extension, legacy era, the tool has no task support);
 *   FMCP_ERR_NOMEM or the store's error otherwise (the call is then answered
 *   with -32603 and the handler should return). Multi round-trip rounds
 *   before it work as usual, and the task's result can use their answers:
 *       rc = fmcp_ctx_input(c, "user_name", "elicitation/create", ask, &v);
 *       if (rc != FMCP_OK) return rc;            // round 1: InputRequiredResult
 *       if ((rc = fmcp_ctx_start_task(c)) != FMCP_OK && rc != FMCP_ERR_UNSUPPORTED) return rc;
 *       ... long work, then fmcp_ctx_add_text(c, ...)  // becomes the task's result
 *
 * fmcp_ctx_is_task(ctx)  1 when this call runs as a task (its result goes to
 *   the task, not to a response).
 *
 * Protocol surface
 *   tasks/get     DetailedTask (status, statusMessage when failed, createdAt,
 *                 lastUpdatedAt, ttlMs, pollIntervalMs, and result | error |
 *                 inputRequests by status), resultType "complete".
 *   tasks/update  {taskId, inputResponses}: empty acknowledgement.
 *   tasks/cancel  empty acknowledgement; idempotent on a finished task.
 *   Unknown, expired or foreign taskId: -32602. A request without the
 *   extension: -32021 with data. tasks/result and tasks/list (removed): -32601.
 *   Over HTTP, fmcp_server_check_headers requires Mcp-Name = params.taskId.
 *   notifications/tasks: a subscriptions/listen whose filter carries
 *   notifications.taskIds (strings; -32021 without the extension) gets the
 *   DetailedTask, tagged with its subscriptionId, whenever one of those tasks
 *   changes after creation (input_required, working again, completed,
 *   failed, cancelled) - only for the caller's own tasks. The acknowledgement
 *   echoes the ids. Changes made on another replica are not pushed.
 *
 * Storage (fmcp_server_desc)
 *   task_ttl_ms     ttlMs of a task (0 = 1 hour): a task is deleted once
 *                   createdAt + ttlMs has passed (tasks/get then gives
 *                   -32602); a task still running then is cancelled and one
 *                   waiting for input ends (checked on every task request
 *                   and task creation).
 *   task_poll_ms    pollIntervalMs suggested to clients (0 = 1000).
 *   task_max_count, task_max_bytes  bounds of the in-memory store (0 = 1000
 *                   tasks, 16 MiB of records): creating a task first evicts
 *                   finished tasks, oldest first; when only unfinished ones
 *                   are left the tools/call is answered -32603. A result
 *                   that cannot fit makes the task "failed".
 *   task_store      NULL = in memory. Otherwise records go to this store, so
 *                   replicas behind a load balancer can share tasks (a
 *                   tasks/get may reach any replica; a running handler and a
 *                   task waiting for input live on the replica that created
 *                   it, and tasks/update on another replica records the
 *                   answers for it: the owner picks them up on its next
 *                   tasks request or handler round).
 *
 *   fmcp_server_destroy() cancels the handlers of running tasks (so the pool
 *   drains quickly) and drops parked ones; in-memory records go with the
 *   server. Closing the session a task was created on does not cancel it.
 *
 * fmcp_task_store: a record is one JSON object text per task id; the engine
 * serialises calls to the store (one lock per server) and frees nothing the
 * store owns.
 *   put(user, id, record, len, meta)     create; FMCP_ERR_DUPLICATE if the id
 *                                         exists, FMCP_ERR_TOO_LARGE if full
 *   update(user, id, record, len, meta)  replace; FMCP_ERR_NOT_FOUND if gone
 *   get(user, alloc, id, &record, &len)  a copy from fmcp_malloc(alloc,
 *                                         len + 1), NUL-terminated, or
 *                                         FMCP_ERR_NOT_FOUND (expired too)
 *   del(user, id)                         forget it (no error when absent)
 *   meta: finished (the task reached a terminal status: may be evicted) and
 *   expires_at (Unix seconds after which the record may be dropped).
 */

#ifdef __cplusplus
extern "C" {
#endif

#define FMCP_TASK_NONE 0
#define FMCP_TASK_OPTIONAL 1
#define FMCP_TASK_REQUIRED 2
#define FMCP_TASK_HANDLER_STARTS 4

typedef struct fmcp_task_meta {
    int finished;          /* completed, failed or cancelled */
    int64_t expires_at;    /* Unix seconds */
} fmcp_task_meta;

typedef struct fmcp_task_store {
    fmcp_result (*put)(void *user, const char *task_id, const char *record, size_t len, const fmcp_task_meta *meta);
    fmcp_result (*update)(void *user, const char *task_id, const char *record, size_t len, const fmcp_task_meta *meta);
    fmcp_result (*get)(void *user, const fmcp_allocator *alloc, const char *task_id, char **record, size_t *len);
    void (*del)(void *user, const char *task_id);
    void *user;
} fmcp_task_store;

FASTMCP_API fmcp_result fmcp_ctx_start_task(fmcp_ctx *c);
FASTMCP_API int fmcp_ctx_is_task(const fmcp_ctx *c);

#ifdef __cplusplus
}
#endif
