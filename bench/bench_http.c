/* bench_http: a fixed-body HTTP server on the fastmcp.h event loop, for wrk.
 *   build/bench/bench_http PORT SECONDS [THREADS]
 * serves "GET anything" with a fixed JSON body for SECONDS, one loop per
 * thread (SO_REUSEPORT when THREADS > 1). bench/bench_http.sh runs it and
 * nginx side by side under wrk. Without arguments it only prints usage. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"3\"}],\"isError\":false}}\n";

static void handler(fmcp_http_req *req, void *user)
{
    static const fmcp_http_header h[1] = {{"Content-Type", "application/json"}};
    (void)user;
    fmcp_http_respond(req, 200, h, 1, body, sizeof body - 1);
}

static void stop_cb(void *user) { fmcp_http_stop((fmcp_http_loop *)user); }

typedef struct worker { int port, seconds, reuse; pthread_t th; } worker;

static void *serve(void *arg)
{
    worker *w = (worker *)arg;
    fmcp_http_loop *loop;
    fmcp_http_server *srv;
    fmcp_http_server_desc d;
    memset(&d, 0, sizeof d);
    d.host = "127.0.0.1"; d.port = (uint16_t)w->port; d.handler = handler; d.reuse_port = w->reuse;
    d.max_connections = 10000;
    if (fmcp_http_loop_create(NULL, &loop) != FMCP_OK) return NULL;
    if (fmcp_http_server_create(loop, &d, &srv) != FMCP_OK) { fprintf(stderr, "cannot listen on %d\n", w->port); fmcp_http_loop_destroy(loop); return NULL; }
    fmcp_http_timer_add(loop, (int64_t)w->seconds * 1000, stop_cb, loop, NULL);
    fmcp_http_run(loop);
    fmcp_http_server_destroy(srv);
    fmcp_http_loop_destroy(loop);
    return NULL;
}

int main(int argc, char **argv)
{
    worker w[16];
    int i, n;
    if (argc < 3) {
        printf("bench_http: fixed-body server for wrk; run bench/bench_http.sh for the comparison with nginx\n");
        return 0;
    }
    n = argc > 3 ? atoi(argv[3]) : 1;
    if (n < 1) n = 1;
    if (n > 16) n = 16;
    for (i = 0; i < n; i++) {
        w[i].port = atoi(argv[1]); w[i].seconds = atoi(argv[2]); w[i].reuse = n > 1;
        pthread_create(&w[i].th, NULL, serve, &w[i]);
    }
    for (i = 0; i < n; i++) pthread_join(w[i].th, NULL);
    return 0;
}
