/*
 * A stand-in for an OpenAI-compatible chat completions endpoint, for the
 * analyzer's model tests: a civetweb server on 127.0.0.1 (a free port)
 * answering POST /v1/chat/completions with whatever the test set: a
 * completion whose message content is the given text, an HTTP error, or a
 * slow answer. It records the last request body so tests can check what
 * the analyzer asked.
 */
#ifndef TESTS_FAKE_OPENAI_CHAT_H
#define TESTS_FAKE_OPENAI_CHAT_H

struct fake_chat;

/** Starts the server; aborts the test when it cannot. Caller stops it with fake_chat_stop. */
struct fake_chat *fake_chat_start(void);

void fake_chat_stop(struct fake_chat *f);

/** The next answers: HTTP status, the message content (200 only), a delay before answering. */
void fake_chat_reply(struct fake_chat *f, int status, const char *content, int delay_ms);

/** The full chat completions URL. Borrowed until fake_chat_stop. */
const char *fake_chat_url(const struct fake_chat *f);

/** How many requests arrived, and the body of the last one (borrowed; "" when none). */
int fake_chat_requests(struct fake_chat *f);
const char *fake_chat_last_body(struct fake_chat *f);

#endif
