/*
 * System prompts (see prompt.h). The text is built section by section in
 * one growing buffer; a section whose answers are empty is left out, so an
 * assistant made of a greeting alone gets a short prompt, not a form with
 * blanks. The sentences of both languages sit side by side in one table.
 */
#include "prompt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum phrase {
    P_ROLE_NAMED, /* agent name, company */
    P_ROLE,       /* company */
    P_ROLE_PLAIN,
    P_LANGUAGE,
    P_OBJECTIVE,
    P_PRODUCT,
    P_VALUE,
    P_AUDIENCE,
    P_GOAL,
    P_TONE,
    P_GREETING,
    P_SCRIPT,
    P_CLOSING,
    P_OBJECTIONS,
    P_OBJECTION, /* trigger, response */
    P_FAQ,
    P_FAQ_ENTRY, /* question, answer */
    P_EXTRA,
    P_RULES,
    P_COUNT
};

static const char *const phrases[2][P_COUNT] = {
    {
        [P_ROLE_NAMED] = "You are %s, a phone sales agent calling on behalf of %s.\n",
        [P_ROLE] = "You are a phone sales agent calling on behalf of %s.\n",
        [P_ROLE_PLAIN] = "You are a phone sales agent.\n",
        [P_LANGUAGE] = "Speak English only.\n",
        [P_OBJECTIVE] = "Objective of the call: %s\n",
        [P_PRODUCT] = "What you offer: %s\n",
        [P_VALUE] = "Why it is worth it: %s\n",
        [P_AUDIENCE] = "Who you are calling: %s\n",
        [P_GOAL] = "Goal: %s\n",
        [P_TONE] = "Tone: %s\n",
        [P_GREETING] = "\nThe call has started with your greeting: \"%s\"\n",
        [P_SCRIPT] = "\nFollow this script, one line at a time, waiting for the contact after "
                     "each:\n",
        [P_CLOSING] = "\nEnd the call with: \"%s\"\n",
        [P_OBJECTIONS] = "\nWhen the contact objects:\n",
        [P_OBJECTION] = "- If they say something like \"%s\", answer: \"%s\"\n",
        [P_FAQ] = "\nAnswers to common questions:\n",
        [P_FAQ_ENTRY] = "- Q: %s\n  A: %s\n",
        [P_EXTRA] = "\nAlso: %s\n",
        [P_RULES] = "\nRules: keep every answer to one or two short sentences, as people "
                    "speak on the phone. Never invent prices, dates or facts you were not "
                    "given. If the contact asks not to be called again, apologise, confirm it "
                    "and end the call. If the contact wants a meeting, check availability "
                    "before you offer a time, and book it only once they agree.\n",
    },
    {
        [P_ROLE_NAMED] = "Eres %s, agente comercial telefónico que llama en nombre de %s.\n",
        [P_ROLE] = "Eres un agente comercial telefónico que llama en nombre de %s.\n",
        [P_ROLE_PLAIN] = "Eres un agente comercial telefónico.\n",
        [P_LANGUAGE] = "Habla solo en español.\n",
        [P_OBJECTIVE] = "Objetivo de la llamada: %s\n",
        [P_PRODUCT] = "Qué ofreces: %s\n",
        [P_VALUE] = "Por qué merece la pena: %s\n",
        [P_AUDIENCE] = "A quién llamas: %s\n",
        [P_GOAL] = "Meta: %s\n",
        [P_TONE] = "Tono: %s\n",
        [P_GREETING] = "\nLa llamada ha empezado con tu saludo: \"%s\"\n",
        [P_SCRIPT] = "\nSigue este guion, frase a frase, esperando al contacto después de cada "
                     "una:\n",
        [P_CLOSING] = "\nTermina la llamada con: \"%s\"\n",
        [P_OBJECTIONS] = "\nCuando el contacto ponga objeciones:\n",
        [P_OBJECTION] = "- Si dice algo como \"%s\", responde: \"%s\"\n",
        [P_FAQ] = "\nRespuestas a preguntas frecuentes:\n",
        [P_FAQ_ENTRY] = "- P: %s\n  R: %s\n",
        [P_EXTRA] = "\nAdemás: %s\n",
        [P_RULES] = "\nReglas: responde siempre con una o dos frases cortas, como se habla por "
                    "teléfono. No inventes precios, fechas ni datos que no te hayan dado. Si "
                    "el contacto pide que no le llamen más, discúlpate, confírmalo y termina "
                    "la llamada. Si el contacto quiere una reunión, consulta la "
                    "disponibilidad antes de proponer una hora y resérvala solo cuando acepte.\n",
    },
};

struct out {
    struct oc_arena *a;
    char *buf;
    size_t len, cap;
    bool failed;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->failed)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->failed = true;
        return;
    }
    if (o->len + (size_t)n >= o->cap) {
        /* The arena never frees: grow by doubling, so the waste stays bounded. */
        size_t cap = o->cap;
        while (o->len + (size_t)n >= cap)
            cap *= 2;
        char *bigger = oc_arena_alloc(o->a, cap);
        if (!bigger) {
            o->failed = true;
            return;
        }
        memcpy(bigger, o->buf, o->len);
        o->buf = bigger;
        o->cap = cap;
        va_start(ap, fmt);
        vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
    }
    o->len += (size_t)n;
}

static bool has(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}

char *prompt_render(struct oc_arena *a, const Ocpb__Assistant *x)
{
    const char *const *p = phrases[x->language == OCPB__LANGUAGE__LANGUAGE_ES ? 1 : 0];
    const Ocpb__WizardAnswers *w = x->wizard;
    const Ocpb__Script *s = x->script;
    struct out o = {.a = a, .cap = 1024};

    o.buf = oc_arena_alloc(a, o.cap);
    if (!o.buf)
        return NULL;
    o.buf[0] = '\0';

    const char *agent = w && has(w->agent_name) ? w->agent_name : NULL;
    const char *company = w && has(w->company_name) ? w->company_name : NULL;
    if (agent && company)
        put(&o, p[P_ROLE_NAMED], agent, company);
    else if (company)
        put(&o, p[P_ROLE], company);
    else
        put(&o, "%s", p[P_ROLE_PLAIN]);
    put(&o, "%s", p[P_LANGUAGE]);
    if (s && has(s->objective))
        put(&o, p[P_OBJECTIVE], s->objective);
    if (w && has(w->product))
        put(&o, p[P_PRODUCT], w->product);
    if (w && has(w->value_proposition))
        put(&o, p[P_VALUE], w->value_proposition);
    if (w && has(w->target_audience))
        put(&o, p[P_AUDIENCE], w->target_audience);
    if (w && has(w->call_goal))
        put(&o, p[P_GOAL], w->call_goal);
    if (w && has(w->tone))
        put(&o, p[P_TONE], w->tone);
    if (has(x->greeting))
        put(&o, p[P_GREETING], x->greeting);
    if (s && s->n_lines) {
        put(&o, "%s", p[P_SCRIPT]);
        for (size_t i = 0; i < s->n_lines; i++)
            put(&o, "%zu. %s\n", i + 1, s->lines[i]->text);
    }
    if (s && has(s->closing_line))
        put(&o, p[P_CLOSING], s->closing_line);
    if (x->n_objections) {
        put(&o, "%s", p[P_OBJECTIONS]);
        for (size_t i = 0; i < x->n_objections; i++)
            put(&o, p[P_OBJECTION], x->objections[i]->trigger, x->objections[i]->response);
    }
    if (w && w->n_faq) {
        put(&o, "%s", p[P_FAQ]);
        for (size_t i = 0; i < w->n_faq; i++)
            put(&o, p[P_FAQ_ENTRY], w->faq[i]->question, w->faq[i]->answer);
    }
    if (w && has(w->extra_instructions))
        put(&o, p[P_EXTRA], w->extra_instructions);
    put(&o, "%s", p[P_RULES]);
    return o.failed ? NULL : o.buf;
}
