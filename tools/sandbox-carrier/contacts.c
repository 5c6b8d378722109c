/*
 * The contacts file parser; see contacts.h. Lines are split into
 * whitespace-separated words up to "say:", after which the rest of the
 * line is the contact's lines separated by "|".
 */
#include "contacts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

static bool number_ok(const char *s)
{
    if (strcmp(s, "*") == 0)
        return true;
    if (s[0] != '+' || s[1] < '1' || s[1] > '9')
        return false;
    size_t n = 0;
    for (const char *p = s + 1; *p; p++, n++)
        if (!isdigit((unsigned char)*p))
            return false;
    return n >= 2 && n <= 15;
}

static bool int_value(const char *v, int lo, int hi, int *out)
{
    char *end = NULL;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || x < lo || x > hi)
        return false;
    *out = (int)x;
    return true;
}

/* One key=value word. */
static bool option(struct contact *c, const char *word, char *why, size_t whylen)
{
    const char *eq = strchr(word, '=');
    if (!eq) {
        snprintf(why, whylen, "\"%s\" is not key=value", word);
        return false;
    }
    size_t klen = (size_t)(eq - word);
    const char *v = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(word, k, klen) == 0)
    if (KEY("ring_ms") && int_value(v, 0, 600000, &c->ring_ms))
        return true;
    if (KEY("rate") && int_value(v, 80, 450, &c->rate))
        return true;
    if (KEY("greeting_wait_ms") && int_value(v, 0, 600000, &c->greeting_wait_ms))
        return true;
    if (KEY("reply_wait_ms") && int_value(v, 0, 600000, &c->reply_wait_ms))
        return true;
    if (KEY("then") && (strcmp(v, "hangup") == 0 || strcmp(v, "wait") == 0)) {
        c->hang_up_after = strcmp(v, "hangup") == 0;
        return true;
    }
    if (KEY("voice") && *v && strlen(v) < sizeof(c->voice)) {
        snprintf(c->voice, sizeof(c->voice), "%s", v);
        return true;
    }
    if (KEY("reject") && c->action == CONTACT_REJECT && int_value(v, 300, 699, &c->reject_code))
        return true;
#undef KEY
    snprintf(why, whylen, "bad option \"%s\"", word);
    return false;
}

/* The words before "say:" of one line. */
static bool head(struct contact *c, char *words, char *why, size_t whylen)
{
    char *save = NULL;
    char *w = strtok_r(words, " \t", &save);
    if (!w || !number_ok(w) || strlen(w) >= sizeof(c->number)) {
        snprintf(why, whylen, "\"%s\" is neither an E.164 number nor *", w ? w : "");
        return false;
    }
    snprintf(c->number, sizeof(c->number), "%s", w);
    w = strtok_r(NULL, " \t", &save);
    if (!w) {
        snprintf(why, whylen, "no behaviour (answer, busy, noanswer or reject=<code>)");
        return false;
    }
    if (strcmp(w, "answer") == 0) {
        c->action = CONTACT_ANSWER;
    } else if (strcmp(w, "busy") == 0) {
        c->action = CONTACT_BUSY;
    } else if (strcmp(w, "noanswer") == 0) {
        c->action = CONTACT_NO_ANSWER;
    } else if (strncmp(w, "reject=", 7) == 0) {
        c->action = CONTACT_REJECT;
        if (!option(c, w, why, whylen))
            return false;
    } else {
        snprintf(why, whylen, "unknown behaviour \"%s\"", w);
        return false;
    }
    while ((w = strtok_r(NULL, " \t", &save)))
        if (!option(c, w, why, whylen))
            return false;
    return true;
}

static bool say(struct contact *c, char *text, char *why, size_t whylen)
{
    char *save = NULL;
    for (char *l = strtok_r(text, "|", &save); l; l = strtok_r(NULL, "|", &save)) {
        trim(l);
        if (!*l)
            continue;
        if (c->n_lines == CONTACT_LINES_MAX || strlen(l) >= CONTACT_TEXT_MAX) {
            snprintf(why, whylen, "more than %d lines, or a line longer than %d bytes",
                     CONTACT_LINES_MAX, CONTACT_TEXT_MAX - 1);
            return false;
        }
        snprintf(c->lines[c->n_lines++], CONTACT_TEXT_MAX, "%s", l);
    }
    return true;
}

bool contacts_parse(const char *text, struct contacts *out, char *err, size_t errlen)
{
    char line[2048];
    char why[256];
    int lineno = 0;

    out->n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        lineno++;
        if (len >= sizeof(line)) {
            snprintf(err, errlen, "line %d: longer than %zu bytes", lineno, sizeof(line) - 1);
            return false;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p += len;
        if (*p == '\n')
            p++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        trim(line);
        if (!*line)
            continue;
        if (out->n == CONTACTS_MAX) {
            snprintf(err, errlen, "line %d: more than %d contacts", lineno, CONTACTS_MAX);
            return false;
        }
        struct contact *c = &out->items[out->n];
        memset(c, 0, sizeof(*c));
        c->ring_ms = 500;
        c->rate = 140;
        c->greeting_wait_ms = 15000;
        c->reply_wait_ms = 10000;
        snprintf(c->voice, sizeof(c->voice), "en-us");
        char *lines = strstr(line, "say:");
        if (lines) {
            *lines = '\0';
            lines += 4;
        }
        if (!head(c, line, why, sizeof(why)) || (lines && !say(c, lines, why, sizeof(why)))) {
            snprintf(err, errlen, "line %d: %s", lineno, why);
            return false;
        }
        for (size_t i = 0; i < out->n; i++) {
            if (strcmp(out->items[i].number, c->number) == 0) {
                snprintf(err, errlen, "line %d: %s is listed twice", lineno, c->number);
                return false;
            }
        }
        out->n++;
    }
    return true;
}

const struct contact *contacts_find(const struct contacts *c, const char *number)
{
    const struct contact *any = NULL;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].number, number) == 0)
            return &c->items[i];
        if (strcmp(c->items[i].number, "*") == 0)
            any = &c->items[i];
    }
    return any;
}
