/*
 * Assistant checks and updates (see assistant_rules.h). Text is checked as
 * UTF-8 and measured in characters, not bytes, so a Spanish greeting gets
 * the same room as an English one; control characters are refused except
 * line breaks and tabs in the longer texts, because everything here ends up
 * spoken, logged or rendered into a prompt.
 */
#include "assistant_rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ text */

/* Characters in s when it is valid UTF-8 without forbidden controls; -1 otherwise. */
static long text_chars(const char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        unsigned char c = *p;
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) || c == 0x7f)
                return -1;
            p++;
            n++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return -1;
        }
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past Unicode are not text. */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += len;
        n++;
    }
    return n;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

struct checker {
    char *err;
    size_t errlen;
    bool failed;
};

static void fail(struct checker *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct checker *k, const char *fmt, ...)
{
    va_list ap;
    if (k->failed)
        return;
    k->failed = true;
    va_start(ap, fmt);
    vsnprintf(k->err, k->errlen, fmt, ap);
    va_end(ap);
}

/* Checks one text field; field is its name in the error. */
static void check_text(struct checker *k, const char *field, const char *s, bool required, long max,
                       bool multiline)
{
    if (k->failed)
        return;
    long n = text_chars(s ? s : "", multiline);
    if (n < 0)
        fail(k, "%s: not valid text (UTF-8 without control characters%s)", field,
             multiline ? " other than line breaks" : "");
    else if (required && blank(s ? s : ""))
        fail(k, "%s: %s", field, n ? "blank" : "required");
    else if (n > max)
        fail(k, "%s: at most %ld characters, got %ld", field, max, n);
}

/* ================================================================ whole assistant */

static void check_script(struct checker *k, const Ocpb__Script *s)
{
    char field[64];
    if (!s)
        return;
    check_text(k, "script.objective", s->objective, false, ASSISTANT_LONG_TEXT_MAX, true);
    if (s->n_lines > ASSISTANT_LINES_MAX)
        fail(k, "script.lines: at most %d lines, got %zu", ASSISTANT_LINES_MAX, s->n_lines);
    for (size_t i = 0; i < s->n_lines && !k->failed; i++) {
        snprintf(field, sizeof(field), "script.lines[%zu].text", i);
        if (!s->lines[i])
            fail(k, "%s: required", field);
        else
            check_text(k, field, s->lines[i]->text, true, ASSISTANT_TEXT_MAX, true);
    }
    check_text(k, "script.closing_line", s->closing_line, false, ASSISTANT_TEXT_MAX, true);
}

static void check_wizard(struct checker *k, const Ocpb__WizardAnswers *w)
{
    char field[64];
    if (!w)
        return;
    check_text(k, "wizard.company_name", w->company_name, false, ASSISTANT_SHORT_TEXT_MAX, false);
    check_text(k, "wizard.product", w->product, false, ASSISTANT_LONG_TEXT_MAX, true);
    check_text(k, "wizard.value_proposition", w->value_proposition, false, ASSISTANT_LONG_TEXT_MAX,
               true);
    check_text(k, "wizard.target_audience", w->target_audience, false, ASSISTANT_LONG_TEXT_MAX,
               true);
    check_text(k, "wizard.call_goal", w->call_goal, false, ASSISTANT_SHORT_TEXT_MAX, false);
    check_text(k, "wizard.tone", w->tone, false, ASSISTANT_SHORT_TEXT_MAX, false);
    check_text(k, "wizard.agent_name", w->agent_name, false, ASSISTANT_SHORT_TEXT_MAX, false);
    check_text(k, "wizard.extra_instructions", w->extra_instructions, false,
               ASSISTANT_LONG_TEXT_MAX, true);
    if (w->n_faq > ASSISTANT_LIST_MAX)
        fail(k, "wizard.faq: at most %d entries, got %zu", ASSISTANT_LIST_MAX, w->n_faq);
    for (size_t i = 0; i < w->n_faq && !k->failed; i++) {
        if (!w->faq[i]) {
            fail(k, "wizard.faq[%zu]: required", i);
            break;
        }
        snprintf(field, sizeof(field), "wizard.faq[%zu].question", i);
        check_text(k, field, w->faq[i]->question, true, ASSISTANT_TEXT_MAX, true);
        snprintf(field, sizeof(field), "wizard.faq[%zu].answer", i);
        check_text(k, field, w->faq[i]->answer, true, ASSISTANT_LONG_TEXT_MAX, true);
    }
}

static void check_objections(struct checker *k, Ocpb__Objection *const *v, size_t n)
{
    char field[64];
    if (n > ASSISTANT_LIST_MAX)
        fail(k, "objections: at most %d, got %zu", ASSISTANT_LIST_MAX, n);
    for (size_t i = 0; i < n && !k->failed; i++) {
        if (!v[i]) {
            fail(k, "objections[%zu]: required", i);
            break;
        }
        snprintf(field, sizeof(field), "objections[%zu].trigger", i);
        check_text(k, field, v[i]->trigger, true, ASSISTANT_TEXT_MAX, false);
        snprintf(field, sizeof(field), "objections[%zu].response", i);
        check_text(k, field, v[i]->response, true, ASSISTANT_TEXT_MAX, true);
    }
}

/* A voice reaches the speech engine's command line: a conservative alphabet. */
static bool voice_ok(const char *v)
{
    size_t n = strlen(v);
    if (n > ASSISTANT_VOICE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '+'))
            return false;
    }
    return true;
}

enum oc_status assistant_normalize(struct oc_arena *a, Ocpb__Assistant *x)
{
    const char *s = x->name ? x->name : "";
    size_t start = strspn(s, " \t\r\n"), end = strlen(s);
    while (end > start && strchr(" \t\r\n", s[end - 1]))
        end--;
    if (start == 0 && end == strlen(s))
        return OC_OK;
    char *trimmed = oc_arena_strndup(a, s + start, end - start);
    if (!trimmed)
        return OC_ERR_NOMEM;
    x->name = trimmed;
    return OC_OK;
}

enum oc_status assistant_check(const Ocpb__Assistant *x, char *err, size_t errlen)
{
    struct checker k = {err, errlen, false};

    check_text(&k, "name", x->name, true, ASSISTANT_NAME_MAX, false);
    if (!k.failed && x->language != OCPB__LANGUAGE__LANGUAGE_EN &&
        x->language != OCPB__LANGUAGE__LANGUAGE_ES)
        fail(&k, "language: %s",
             x->language == OCPB__LANGUAGE__LANGUAGE_UNSPECIFIED ? "required: en or es"
                                                                 : "must be en or es");
    check_text(&k, "greeting", x->greeting, true, ASSISTANT_TEXT_MAX, true);
    check_script(&k, x->script);
    check_wizard(&k, x->wizard);
    check_objections(&k, x->objections, x->n_objections);
    if (!k.failed && !voice_ok(x->voice ? x->voice : ""))
        fail(&k, "voice: at most %d letters, digits or - _ . +", ASSISTANT_VOICE_MAX);
    if (!k.failed && (x->stt_engine < OCPB__STT_ENGINE__STT_ENGINE_UNSPECIFIED ||
                      x->stt_engine > OCPB__STT_ENGINE__STT_ENGINE_OPENAI))
        fail(&k, "stt_engine: not a speech-to-text engine");
    if (!k.failed && (x->tts_engine < OCPB__TTS_ENGINE__TTS_ENGINE_UNSPECIFIED ||
                      x->tts_engine > OCPB__TTS_ENGINE__TTS_ENGINE_OPENAI))
        fail(&k, "tts_engine: not a text-to-speech engine");
    if (!k.failed && (x->dialogue_engine < OCPB__DIALOGUE_ENGINE__DIALOGUE_ENGINE_UNSPECIFIED ||
                      x->dialogue_engine > OCPB__DIALOGUE_ENGINE__DIALOGUE_ENGINE_OPENAI))
        fail(&k, "dialogue_engine: not a dialogue engine");
    if (!k.failed && x->max_duration_s != 0 &&
        (x->max_duration_s < ASSISTANT_MIN_DURATION_S ||
         x->max_duration_s > ASSISTANT_MAX_DURATION_S))
        fail(&k, "max_duration_s: 0 (the default) or from %d to %d, got %d",
             ASSISTANT_MIN_DURATION_S, ASSISTANT_MAX_DURATION_S, (int)x->max_duration_s);
    check_text(&k, "voicemail_message", x->voicemail_message, false, ASSISTANT_TEXT_MAX, true);
    return k.failed ? OC_ERR_INVALID : OC_OK;
}

/* ================================================================ updates */

enum field {
    F_NAME,
    F_LANGUAGE,
    F_GREETING,
    F_SCRIPT,
    F_WIZARD,
    F_OBJECTIONS,
    F_VOICE,
    F_STT,
    F_TTS,
    F_DIALOGUE,
    F_MAX_DURATION,
    F_VOICEMAIL,
    F_COUNT
};

/* The fields an update may name, by their Assistant field names. */
static const char *const updatable[F_COUNT] = {
    "name",  "language",   "greeting",   "script",          "wizard",         "objections",
    "voice", "stt_engine", "tts_engine", "dialogue_engine", "max_duration_s", "voicemail_message",
};

static int field_of(const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(updatable[i], name) == 0)
            return i;
    return -1;
}

enum oc_status assistant_check_mask(char *const *mask, size_t n, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "update_mask: names no field to change");
        return OC_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        if (field_of(mask[i] ? mask[i] : "") < 0) {
            snprintf(err, errlen, "update_mask[%zu]: \"%.40s\" is not a field that can change", i,
                     mask[i] ? mask[i] : "");
            return OC_ERR_INVALID;
        }
    }
    return OC_OK;
}

void assistant_apply_mask(Ocpb__Assistant *x, const Ocpb__Assistant *in, char *const *mask,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (field_of(mask[i])) {
        case F_NAME:
            x->name = in->name;
            break;
        case F_LANGUAGE:
            x->language = in->language;
            break;
        case F_GREETING:
            x->greeting = in->greeting;
            break;
        case F_SCRIPT:
            x->script = in->script;
            break;
        case F_WIZARD:
            x->wizard = in->wizard;
            break;
        case F_OBJECTIONS:
            x->objections = in->objections;
            x->n_objections = in->n_objections;
            break;
        case F_VOICE:
            x->voice = in->voice;
            break;
        case F_STT:
            x->stt_engine = in->stt_engine;
            break;
        case F_TTS:
            x->tts_engine = in->tts_engine;
            break;
        case F_DIALOGUE:
            x->dialogue_engine = in->dialogue_engine;
            break;
        case F_MAX_DURATION:
            x->max_duration_s = in->max_duration_s;
            break;
        case F_VOICEMAIL:
            x->voicemail_message = in->voicemail_message;
            break;
        default:
            break;
        }
    }
}

/* The packed content of x, without what identifies a version; caller frees. */
static uint8_t *pack_content(const Ocpb__Assistant *x, size_t *len)
{
    Ocpb__Assistant c = *x;
    c.id = (char *)"";
    c.version = 0;
    c.created_unix_ms = 0;
    c.updated_unix_ms = 0;
    *len = ocpb__assistant__get_packed_size(&c);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        ocpb__assistant__pack(&c, buf);
    return buf;
}

bool assistant_same_content(const Ocpb__Assistant *a, const Ocpb__Assistant *b)
{
    size_t la = 0, lb = 0;
    uint8_t *pa = pack_content(a, &la), *pb = pack_content(b, &lb);
    /* Out of memory: say they differ, which at worst saves a version too many. */
    bool same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}
