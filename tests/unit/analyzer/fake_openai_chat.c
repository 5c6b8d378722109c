/*
 * The chat completions stand-in (see fake_openai_chat.h). It follows the
 * protocol's shape only as far as the analyzer reads it: a JSON body with
 * "model" and "messages" in, {"choices":[{"message":{"content":...}}]} out.
 */
#include <criterion/criterion.h>
#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "fake_openai_chat.h"

struct fake_chat {
    struct mg_context *ctx;
    pthread_mutex_t mu;
    int status;
    char *content;
    int delay_ms;
    int requests;
    char *last_body;
    char url[128];
};

static int on_completion(struct mg_connection *conn, void *cbdata)
{
    struct fake_chat *f = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    /* On the heap: civetweb's worker threads have small stacks. */
    enum { BODY_MAX = 65536 };
    char *body = malloc(BODY_MAX);
    if (!body)
        return 500;
    int n = 0, r;
    while (n < BODY_MAX - 1 && (r = mg_read(conn, body + n, (size_t)(BODY_MAX - 1 - n))) > 0)
        n += r;
    body[n] = '\0';

    pthread_mutex_lock(&f->mu);
    f->requests++;
    free(f->last_body);
    f->last_body = strdup(body);
    int status = f->status, delay = f->delay_ms;
    char *content = f->content ? strdup(f->content) : NULL;
    pthread_mutex_unlock(&f->mu);

    if (delay > 0) {
        struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    json_t *req = json_loads(body, 0, NULL);
    bool shaped = strcmp(ri->request_method, "POST") == 0 && json_is_object(req) &&
                  json_is_string(json_object_get(req, "model")) &&
                  json_is_array(json_object_get(req, "messages"));
    json_decref(req);
    if (!shaped)
        status = 400;
    char *out;
    if (status == 200) {
        json_t *o =
            json_pack("{s:s,s:s,s:[{s:i,s:{s:s,s:s},s:s}]}", "id", "chatcmpl-fake", "object",
                      "chat.completion", "choices", "index", 0, "message", "role", "assistant",
                      "content", content ? content : "", "finish_reason", "stop");
        out = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    } else {
        out = strdup("{\"error\":{\"message\":\"the fake was told to fail\"}}");
    }
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
              "Connection: close\r\n\r\n%s",
              status, status == 200 ? "OK" : "Error", strlen(out), out);
    free(out);
    free(content);
    free(body);
    return status;
}

struct fake_chat *fake_chat_start(void)
{
    struct fake_chat *f = calloc(1, sizeof(*f));
    cr_assert_not_null(f);
    pthread_mutex_init(&f->mu, NULL);
    f->status = 200;
    const char *options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "4", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    f->ctx = mg_start(&cb, f, options);
    cr_assert_not_null(f->ctx, "cannot start the fake chat server");
    struct mg_server_port ports[2];
    int n = mg_get_server_ports(f->ctx, 2, ports);
    cr_assert_gt(n, 0, "the fake chat server has no port");
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/v1/chat/completions", ports[0].port);
    mg_set_request_handler(f->ctx, "/v1/chat/completions", on_completion, f);
    return f;
}

void fake_chat_stop(struct fake_chat *f)
{
    if (!f)
        return;
    mg_stop(f->ctx);
    pthread_mutex_destroy(&f->mu);
    free(f->content);
    free(f->last_body);
    free(f);
}

void fake_chat_reply(struct fake_chat *f, int status, const char *content, int delay_ms)
{
    pthread_mutex_lock(&f->mu);
    f->status = status;
    free(f->content);
    f->content = content ? strdup(content) : NULL;
    f->delay_ms = delay_ms;
    pthread_mutex_unlock(&f->mu);
}

const char *fake_chat_url(const struct fake_chat *f)
{
    return f->url;
}

int fake_chat_requests(struct fake_chat *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

const char *fake_chat_last_body(struct fake_chat *f)
{
    return f->last_body ? f->last_body : "";
}
