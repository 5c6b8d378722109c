/*
 * The call lifecycle (see call_state.h): one table of legal transitions,
 * the names the database uses, and a breadth-first search over the table
 * for reports that skip a step.
 */
#include "call_state.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[CALL_STATUS_COUNT] = {
    [CALL_UNSPECIFIED] = "unspecified", [CALL_CREATED] = "created",
    [CALL_SCHEDULED] = "scheduled",     [CALL_QUEUED] = "queued",
    [CALL_CALLING] = "calling",         [CALL_IN_PROGRESS] = "in_progress",
    [CALL_COMPLETED] = "completed",     [CALL_FAILED] = "failed",
    [CALL_CANCELED] = "canceled",       [CALL_VOICEMAIL] = "voicemail",
};

#define BIT(s) (1u << (s))

/* next[from] has bit `to` set when from -> to is legal. */
static const unsigned next[CALL_STATUS_COUNT] = {
    [CALL_CREATED] = BIT(CALL_SCHEDULED) | BIT(CALL_QUEUED) | BIT(CALL_CANCELED),
    [CALL_SCHEDULED] = BIT(CALL_QUEUED) | BIT(CALL_CANCELED),
    [CALL_QUEUED] = BIT(CALL_CALLING) | BIT(CALL_SCHEDULED) | BIT(CALL_FAILED) | BIT(CALL_CANCELED),
    [CALL_CALLING] = BIT(CALL_IN_PROGRESS) | BIT(CALL_FAILED) | BIT(CALL_CANCELED),
    [CALL_IN_PROGRESS] = BIT(CALL_COMPLETED) | BIT(CALL_VOICEMAIL) | BIT(CALL_FAILED),
};

static bool valid(enum call_status s)
{
    return s > CALL_UNSPECIFIED && s < CALL_STATUS_COUNT;
}

const char *call_status_name(enum call_status s)
{
    if ((int)s < 0 || s >= CALL_STATUS_COUNT)
        return "unspecified";
    return status_names[s];
}

enum oc_status call_status_parse(const char *name, enum call_status *out)
{
    if (!name)
        return OC_ERR_INVALID;
    for (int s = CALL_CREATED; s < CALL_STATUS_COUNT; s++) {
        if (strcmp(name, status_names[s]) == 0) {
            *out = (enum call_status)s;
            return OC_OK;
        }
    }
    return OC_ERR_INVALID;
}

bool call_status_final(enum call_status s)
{
    return s == CALL_COMPLETED || s == CALL_FAILED || s == CALL_CANCELED || s == CALL_VOICEMAIL;
}

bool call_status_live(enum call_status s)
{
    return s == CALL_QUEUED || s == CALL_CALLING || s == CALL_IN_PROGRESS;
}

bool call_status_pending(enum call_status s)
{
    return s == CALL_CREATED || s == CALL_SCHEDULED;
}

bool call_state_allowed(enum call_status from, enum call_status to)
{
    return valid(from) && valid(to) && (next[from] & BIT(to)) != 0;
}

/* "a" or "an" before a status name, for messages a person reads. */
static const char *article(enum call_status s)
{
    return (s == CALL_IN_PROGRESS) ? "an" : "a";
}

enum oc_status call_state_check(enum call_status from, enum call_status to, char *err,
                                size_t errlen)
{
    if (!valid(from) || !valid(to)) {
        if (err && errlen)
            snprintf(err, errlen, "%d is not a call status", valid(from) ? (int)to : (int)from);
        return OC_ERR_INVALID;
    }
    if (next[from] & BIT(to))
        return OC_OK;
    if (err && errlen) {
        if (from == to)
            snprintf(err, errlen, "the call is already %s", call_status_name(to));
        else
            snprintf(err, errlen, "%s %s call cannot become %s", article(from),
                     call_status_name(from), call_status_name(to));
    }
    return OC_ERR_CONFLICT;
}

enum oc_status call_state_path(enum call_status from, enum call_status to, enum call_status *path,
                               size_t max, size_t *n)
{
    if (!valid(from) || !valid(to))
        return OC_ERR_INVALID;
    if (from == to) {
        *n = 0;
        return OC_OK;
    }
    /* Nine states: a breadth-first search over the table is enough. */
    int prev[CALL_STATUS_COUNT];
    int queue[CALL_STATUS_COUNT];
    int head = 0, tail = 0;
    for (int i = 0; i < CALL_STATUS_COUNT; i++)
        prev[i] = -1;
    prev[from] = from;
    queue[tail++] = from;
    while (head < tail && prev[to] < 0) {
        int s = queue[head++];
        for (int t = CALL_CREATED; t < CALL_STATUS_COUNT; t++) {
            if ((next[s] & BIT(t)) && prev[t] < 0) {
                prev[t] = s;
                queue[tail++] = t;
            }
        }
    }
    if (prev[to] < 0)
        return OC_ERR_CONFLICT;
    size_t len = 0;
    for (int s = to; s != (int)from; s = prev[s])
        len++;
    if (len > max)
        return OC_ERR_INTERNAL;
    size_t i = len;
    for (int s = to; s != (int)from; s = prev[s])
        path[--i] = (enum call_status)s;
    *n = len;
    return OC_OK;
}

static const char *const kind_names[] = {
    [CALL_KIND_NONE] = "unspecified",   [CALL_KIND_FIRST_CALL] = "first",
    [CALL_KIND_RETRY_CALL] = "retry",   [CALL_KIND_FOLLOW_UP_CALL] = "follow_up",
    [CALL_KIND_MANUAL_CALL] = "manual",
};

const char *call_kind_name(enum call_kind k)
{
    if ((int)k < 0 || k > CALL_KIND_MANUAL_CALL)
        return "unspecified";
    return kind_names[k];
}

enum oc_status call_kind_parse(const char *name, enum call_kind *out)
{
    if (!name)
        return OC_ERR_INVALID;
    for (int k = CALL_KIND_FIRST_CALL; k <= CALL_KIND_MANUAL_CALL; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (enum call_kind)k;
            return OC_OK;
        }
    }
    return OC_ERR_INVALID;
}
