/*
 * The scripted dialogue engine; see dialogue.h for the model. The state
 * machine is small on purpose: SPEAKING -> LISTENING -> HEARD -> SPEAKING
 * for each line, with timeouts that keep it moving when the contact is
 * silent or speech-to-text is slow, and the closing line as the way out of
 * every path (the end of the script, the maximum duration).
 */
#include "dialogue.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Text compared for objections is cut to this; triggers are short. */
#define DIALOGUE_MATCH_MAX 1024

static bool nonempty(const char *s)
{
    return s != NULL && *s != '\0';
}

size_t dialogue_prompt_count(const struct dialogue_script *s)
{
    size_t n_obj =
        s->n_objections < DIALOGUE_MAX_OBJECTIONS ? s->n_objections : DIALOGUE_MAX_OBJECTIONS;
    return 2 + s->n_lines + n_obj;
}

const char *dialogue_prompt_text(const struct dialogue_script *s, size_t prompt)
{
    const char *t = NULL;

    if (prompt == 0)
        t = s->greeting;
    else if (prompt <= s->n_lines)
        t = s->lines[prompt - 1];
    else if (prompt == s->n_lines + 1)
        t = s->closing;
    else if (prompt < dialogue_prompt_count(s))
        t = s->objections[prompt - s->n_lines - 2].response;
    return t ? t : "";
}

void dialogue_init(struct dialogue *d, const struct dialogue_script *s,
                   const struct dialogue_timing *t)
{
    memset(d, 0, sizeof(*d));
    d->script = s;
    d->timing = *t;
    d->state = DIALOGUE_IDLE;
}

static struct dialogue_action say(struct dialogue *d, size_t prompt)
{
    d->state = DIALOGUE_SPEAKING;
    d->prompt = prompt;
    return (struct dialogue_action){DIALOGUE_ACT_SAY, prompt};
}

static struct dialogue_action hang_up(struct dialogue *d)
{
    d->state = DIALOGUE_DONE;
    return (struct dialogue_action){DIALOGUE_ACT_HANGUP, 0};
}

/* The way out: the closing line once, then hang up. */
static struct dialogue_action close_call(struct dialogue *d)
{
    if (!d->closing && nonempty(d->script->closing)) {
        d->closing = true;
        return say(d, d->script->n_lines + 1);
    }
    return hang_up(d);
}

/* The next non-empty line of the script, or the closing. */
static struct dialogue_action advance(struct dialogue *d)
{
    if (d->max_duration_reached)
        return close_call(d);
    while (d->next_line < d->script->n_lines) {
        size_t i = d->next_line++;
        if (nonempty(d->script->lines[i]))
            return say(d, i + 1);
    }
    return close_call(d);
}

struct dialogue_action dialogue_start(struct dialogue *d, int64_t now_ms)
{
    if (d->state != DIALOGUE_IDLE)
        return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
    d->started_ms = now_ms;
    if (nonempty(d->script->greeting))
        return say(d, 0);
    return advance(d);
}

static void listen(struct dialogue *d, int64_t now_ms)
{
    d->state = DIALOGUE_LISTENING;
    d->since_ms = now_ms;
}

struct dialogue_action dialogue_agent_done(struct dialogue *d, int64_t now_ms)
{
    if (d->state != DIALOGUE_SPEAKING)
        return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
    if (d->closing)
        return hang_up(d);
    if (d->max_duration_reached)
        return close_call(d);
    listen(d, now_ms);
    return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
}

void dialogue_contact_started(struct dialogue *d, int64_t now_ms)
{
    d->contact_speaking = true;
    /* They went on after a pause: the turn is not over yet. */
    if (d->state == DIALOGUE_HEARD)
        listen(d, now_ms);
}

void dialogue_contact_stopped(struct dialogue *d, uint64_t utterance, int64_t now_ms)
{
    d->contact_speaking = false;
    if (d->state == DIALOGUE_LISTENING) {
        d->state = DIALOGUE_HEARD;
        d->awaited_utterance = utterance;
        d->since_ms = now_ms;
    }
}

struct dialogue_action dialogue_contact_said(struct dialogue *d, uint64_t utterance,
                                             const char *text, int64_t now_ms)
{
    (void)now_ms;
    if (d->state != DIALOGUE_HEARD || utterance != d->awaited_utterance)
        return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
    if (!d->max_duration_reached) {
        int j = dialogue_match_objection(d->script, d->objections_used, text ? text : "");
        if (j >= 0) {
            d->objections_used |= (uint64_t)1 << j;
            return say(d, d->script->n_lines + 2 + (size_t)j);
        }
    }
    return advance(d);
}

struct dialogue_action dialogue_tick(struct dialogue *d, int64_t now_ms)
{
    if (d->state == DIALOGUE_IDLE || d->state == DIALOGUE_DONE)
        return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
    if (d->timing.max_duration_ms > 0 && !d->max_duration_reached &&
        now_ms - d->started_ms >= d->timing.max_duration_ms) {
        d->max_duration_reached = true;
        /* A prompt being said is finished first (dialogue_agent_done closes). */
        if (d->state != DIALOGUE_SPEAKING)
            return close_call(d);
    }
    if (d->state == DIALOGUE_LISTENING && !d->contact_speaking &&
        now_ms - d->since_ms >= d->timing.reply_timeout_ms)
        return advance(d);
    if (d->state == DIALOGUE_HEARD && now_ms - d->since_ms >= d->timing.stt_timeout_ms)
        return advance(d);
    return (struct dialogue_action){DIALOGUE_ACT_NONE, 0};
}

bool dialogue_hit_max_duration(const struct dialogue *d)
{
    return d->max_duration_reached;
}

/* ------------------------------------------------------------ matching */

/*
 * Lowercases ASCII, turns everything but letters and digits into single
 * spaces and puts one space at each end, so that " i am busy " can be
 * found as whole words. Bytes of UTF-8 sequences are kept as letters.
 */
static void normalize(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool space = true;

    if (cap < 3) {
        if (cap)
            out[0] = '\0';
        return;
    }
    out[n++] = ' ';
    for (const unsigned char *p = (const unsigned char *)in; *p && n < cap - 2; p++) {
        if (isalnum(*p) || *p >= 0x80) {
            out[n++] = (char)tolower(*p);
            space = false;
        } else if (!space) {
            out[n++] = ' ';
            space = true;
        }
    }
    if (!space)
        out[n++] = ' ';
    out[n] = '\0';
}

int dialogue_match_objection(const struct dialogue_script *s, uint64_t used, const char *text)
{
    char norm_text[DIALOGUE_MATCH_MAX];
    char phrase[DIALOGUE_MATCH_MAX];
    char norm_phrase[DIALOGUE_MATCH_MAX];
    size_t n =
        s->n_objections < DIALOGUE_MAX_OBJECTIONS ? s->n_objections : DIALOGUE_MAX_OBJECTIONS;

    normalize(text, norm_text, sizeof(norm_text));
    if (strcmp(norm_text, " ") == 0)
        return -1;
    for (size_t j = 0; j < n; j++) {
        const char *trigger = s->objections[j].trigger;
        if ((used >> j) & 1 || !nonempty(trigger) || !nonempty(s->objections[j].response))
            continue;
        /* Each "|"-separated phrase on its own. */
        const char *p = trigger;
        while (*p) {
            size_t len = strcspn(p, "|");
            if (len >= sizeof(phrase))
                len = sizeof(phrase) - 1;
            memcpy(phrase, p, len);
            phrase[len] = '\0';
            normalize(phrase, norm_phrase, sizeof(norm_phrase));
            if (strcmp(norm_phrase, " ") != 0 && strstr(norm_text, norm_phrase) != NULL)
                return (int)j;
            p += strcspn(p, "|");
            if (*p == '|')
                p++;
        }
    }
    return -1;
}

/* ------------------------------------------------------------ templates */

static const char *placeholder(const struct dialogue_vars *v, const char *name, size_t len)
{
#define DIALOGUE_IS(lit) (len == sizeof(lit) - 1 && memcmp(name, lit, len) == 0)
    if (DIALOGUE_IS("name"))
        return v->name ? v->name : "";
    if (DIALOGUE_IS("first_name"))
        return nonempty(v->first_name) ? v->first_name : (v->name ? v->name : "");
    if (DIALOGUE_IS("company"))
        return v->company ? v->company : "";
    if (DIALOGUE_IS("agent_name"))
        return v->agent_name ? v->agent_name : "";
    if (DIALOGUE_IS("company_name"))
        return v->company_name ? v->company_name : "";
#undef DIALOGUE_IS
    return NULL;
}

size_t dialogue_render(const char *tmpl, const struct dialogue_vars *vars, char *out, size_t cap)
{
    size_t n = 0;

#define DIALOGUE_PUT(c)                                                                            \
    do {                                                                                           \
        if (n + 1 < cap)                                                                           \
            out[n] = (c);                                                                          \
        n++;                                                                                       \
    } while (0)

    for (const char *p = tmpl ? tmpl : ""; *p;) {
        if (*p == '{') {
            const char *end = strchr(p + 1, '}');
            const char *value = end ? placeholder(vars, p + 1, (size_t)(end - p - 1)) : NULL;
            if (value) {
                for (const char *q = value; *q; q++)
                    DIALOGUE_PUT(*q);
                p = end + 1;
                continue;
            }
        }
        DIALOGUE_PUT(*p);
        p++;
    }
#undef DIALOGUE_PUT
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}
