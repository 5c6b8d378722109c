/*
 * The sandbox carrier's scripted contacts, read from a small text file
 * (contacts.conf): for each dialled number, whether the "person" answers,
 * is busy, never answers or rejects the call, and what they say once they
 * have heard the agent's greeting. One line per number:
 *
 *   <number|*>  answer|busy|noanswer|reject=<code>  [key=value ...]  [say: line | line ...]
 *
 * keys: ring_ms (ringing before the answer, default 500), then=hangup|wait
 * (after the last line: hang up once the agent replied, or wait for the
 * agent's BYE; default wait), voice (espeak-ng voice, default en-us),
 * rate (words per minute, default 140), greeting_wait_ms (how long to
 * wait for the agent to speak first, default 15000), reply_wait_ms (how
 * long to wait for the agent between lines, default 10000). "*" matches
 * every number no other line names. '#' starts a comment.
 *
 * Pure: text in, a table out, errors with their line numbers.
 */
#ifndef SANDBOX_CONTACTS_H
#define SANDBOX_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>

#define CONTACTS_MAX 256
#define CONTACT_LINES_MAX 16
#define CONTACT_TEXT_MAX 256

enum contact_action {
    CONTACT_ANSWER,
    CONTACT_BUSY,      /* 486 Busy Here */
    CONTACT_NO_ANSWER, /* rings until canceled */
    CONTACT_REJECT,    /* a final response of the given code */
};

struct contact {
    char number[32]; /* E.164, or "*" */
    enum contact_action action;
    int reject_code;
    int ring_ms;
    bool hang_up_after; /* then=hangup */
    char voice[32];
    int rate;
    int greeting_wait_ms;
    int reply_wait_ms;
    char lines[CONTACT_LINES_MAX][CONTACT_TEXT_MAX];
    size_t n_lines;
};

struct contacts {
    struct contact items[CONTACTS_MAX];
    size_t n;
};

/**
 * Parses the text of a contacts file into *out. On failure returns false
 * with a message naming the line in err ("line 3: unknown behaviour
 * \"maybe\""); *out is then unspecified.
 */
bool contacts_parse(const char *text, struct contacts *out, char *err, size_t errlen);

/** The contact for a dialled number: its own line, else "*", else NULL. */
const struct contact *contacts_find(const struct contacts *c, const char *number);

#endif
