/*
 * The jsonb columns of an assistant (see assistant_json.h), with jansson.
 * Writing builds a jansson tree and dumps it; reading walks the tree and
 * copies every string into the arena, so nothing jansson owns outlives the
 * call.
 */
#include "assistant_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* ================================================================ writing */

/* Sets key to the string s ("" for NULL); false when jansson refuses. */
static bool set_str(json_t *o, const char *key, const char *s)
{
    json_t *v = json_string(s ? s : "");
    return v && json_object_set_new(o, key, v) == 0;
}

/* Dumps v into the arena and drops v; NULL on failure. */
static char *dump(struct oc_arena *a, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *out = text ? oc_arena_strdup(a, text) : NULL;
    free(text);
    json_decref(v);
    return out;
}

static json_t *script_json(const Ocpb__Script *s)
{
    json_t *o = json_object(), *lines = json_array();
    bool ok = o && lines;
    if (ok && !s) {
        json_decref(lines);
        return o;
    }
    ok = ok && set_str(o, "objective", s->objective) && set_str(o, "closing_line", s->closing_line);
    for (size_t i = 0; ok && i < s->n_lines; i++)
        ok = json_array_append_new(lines, json_string(s->lines[i]->text)) == 0;
    if (ok && json_object_set(o, "lines", lines) == 0) {
        json_decref(lines);
        return o;
    }
    json_decref(lines);
    json_decref(o);
    return NULL;
}

static json_t *wizard_json(const Ocpb__WizardAnswers *w)
{
    json_t *o = json_object();
    if (!o || !w)
        return o;
    json_t *faq = json_array();
    bool ok = faq && set_str(o, "company_name", w->company_name) &&
              set_str(o, "product", w->product) &&
              set_str(o, "value_proposition", w->value_proposition) &&
              set_str(o, "target_audience", w->target_audience) &&
              set_str(o, "call_goal", w->call_goal) && set_str(o, "tone", w->tone) &&
              set_str(o, "agent_name", w->agent_name) &&
              set_str(o, "extra_instructions", w->extra_instructions);
    for (size_t i = 0; ok && i < w->n_faq; i++) {
        json_t *e = json_object();
        ok = e && set_str(e, "question", w->faq[i]->question) &&
             set_str(e, "answer", w->faq[i]->answer) && json_array_append(faq, e) == 0;
        json_decref(e);
    }
    ok = ok && json_object_set(o, "faq", faq) == 0;
    json_decref(faq);
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

static json_t *objections_json(Ocpb__Objection *const *v, size_t n)
{
    json_t *arr = json_array();
    bool ok = arr != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *e = json_object();
        ok = e && set_str(e, "trigger", v[i]->trigger) && set_str(e, "response", v[i]->response) &&
             json_array_append(arr, e) == 0;
        json_decref(e);
    }
    if (ok)
        return arr;
    json_decref(arr);
    return NULL;
}

/* Engine names by enum value (index); the first is "unset". */
static const char *const stt_names[] = {"", "pocketsphinx", "openai"};
static const char *const tts_names[] = {"", "espeak-ng", "openai"};
static const char *const dialogue_names[] = {"", "scripted", "openai"};
#define N_ENGINE_NAMES 3

static bool set_engine(json_t *o, const char *key, const char *const *names, int value)
{
    if (value <= 0 || value >= N_ENGINE_NAMES)
        return true;
    return set_str(o, key, names[value]);
}

static json_t *engines_json(const Ocpb__Assistant *x)
{
    json_t *o = json_object();
    if (o && set_engine(o, "stt", stt_names, (int)x->stt_engine) &&
        set_engine(o, "tts", tts_names, (int)x->tts_engine) &&
        set_engine(o, "dialogue", dialogue_names, (int)x->dialogue_engine))
        return o;
    json_decref(o);
    return NULL;
}

enum oc_status assistant_json_write(struct oc_arena *a, const Ocpb__Assistant *x,
                                    struct assistant_json *out)
{
    struct assistant_json j = {
        .script = dump(a, script_json(x->script)),
        .wizard = dump(a, wizard_json(x->wizard)),
        .objections = dump(a, objections_json(x->objections, x->n_objections)),
        .engines = dump(a, engines_json(x)),
    };
    if (!j.script || !j.wizard || !j.objections || !j.engines)
        return OC_ERR_NOMEM;
    *out = j;
    return OC_OK;
}

/* ================================================================ reading */

/* The string at key copied into the arena; "" when missing. NULL: not a string or no memory. */
static char *get_str(struct oc_arena *a, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return oc_arena_strdup(a, "");
    if (!json_is_string(v))
        return NULL;
    return oc_arena_strndup(a, json_string_value(v), json_string_length(v));
}

static enum oc_status read_script(struct oc_arena *a, const json_t *o, Ocpb__Script **out)
{
    if (!json_is_object(o))
        return OC_ERR_INVALID;
    if (json_object_size(o) == 0) {
        *out = NULL;
        return OC_OK;
    }
    Ocpb__Script *s = oc_arena_alloc(a, sizeof(*s));
    if (!s)
        return OC_ERR_NOMEM;
    ocpb__script__init(s);
    s->objective = get_str(a, o, "objective");
    s->closing_line = get_str(a, o, "closing_line");
    if (!s->objective || !s->closing_line)
        return OC_ERR_INVALID;
    const json_t *lines = json_object_get(o, "lines");
    if (lines && !json_is_array(lines))
        return OC_ERR_INVALID;
    size_t n = lines ? json_array_size(lines) : 0;
    s->lines = oc_arena_alloc(a, sizeof(*s->lines) * (n ? n : 1));
    if (!s->lines)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(lines, i);
        Ocpb__ScriptLine *l = oc_arena_alloc(a, sizeof(*l));
        if (!l)
            return OC_ERR_NOMEM;
        if (!json_is_string(t))
            return OC_ERR_INVALID;
        ocpb__script_line__init(l);
        l->text = oc_arena_strndup(a, json_string_value(t), json_string_length(t));
        if (!l->text)
            return OC_ERR_NOMEM;
        s->lines[i] = l;
    }
    s->n_lines = n;
    *out = s;
    return OC_OK;
}

static enum oc_status read_wizard(struct oc_arena *a, const json_t *o, Ocpb__WizardAnswers **out)
{
    if (!json_is_object(o))
        return OC_ERR_INVALID;
    if (json_object_size(o) == 0) {
        *out = NULL;
        return OC_OK;
    }
    Ocpb__WizardAnswers *w = oc_arena_alloc(a, sizeof(*w));
    if (!w)
        return OC_ERR_NOMEM;
    ocpb__wizard_answers__init(w);
    w->company_name = get_str(a, o, "company_name");
    w->product = get_str(a, o, "product");
    w->value_proposition = get_str(a, o, "value_proposition");
    w->target_audience = get_str(a, o, "target_audience");
    w->call_goal = get_str(a, o, "call_goal");
    w->tone = get_str(a, o, "tone");
    w->agent_name = get_str(a, o, "agent_name");
    w->extra_instructions = get_str(a, o, "extra_instructions");
    if (!w->company_name || !w->product || !w->value_proposition || !w->target_audience ||
        !w->call_goal || !w->tone || !w->agent_name || !w->extra_instructions)
        return OC_ERR_INVALID;
    const json_t *faq = json_object_get(o, "faq");
    if (faq && !json_is_array(faq))
        return OC_ERR_INVALID;
    size_t n = faq ? json_array_size(faq) : 0;
    w->faq = oc_arena_alloc(a, sizeof(*w->faq) * (n ? n : 1));
    if (!w->faq)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(faq, i);
        Ocpb__FaqEntry *f = oc_arena_alloc(a, sizeof(*f));
        if (!f)
            return OC_ERR_NOMEM;
        if (!json_is_object(e))
            return OC_ERR_INVALID;
        ocpb__faq_entry__init(f);
        f->question = get_str(a, e, "question");
        f->answer = get_str(a, e, "answer");
        if (!f->question || !f->answer)
            return OC_ERR_INVALID;
        w->faq[i] = f;
    }
    w->n_faq = n;
    *out = w;
    return OC_OK;
}

static enum oc_status read_objections(struct oc_arena *a, const json_t *arr, Ocpb__Assistant *x)
{
    if (!json_is_array(arr))
        return OC_ERR_INVALID;
    size_t n = json_array_size(arr);
    Ocpb__Objection **v = oc_arena_alloc(a, sizeof(*v) * (n ? n : 1));
    if (!v)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        Ocpb__Objection *ob = oc_arena_alloc(a, sizeof(*ob));
        if (!ob)
            return OC_ERR_NOMEM;
        if (!json_is_object(e))
            return OC_ERR_INVALID;
        ocpb__objection__init(ob);
        ob->trigger = get_str(a, e, "trigger");
        ob->response = get_str(a, e, "response");
        if (!ob->trigger || !ob->response)
            return OC_ERR_INVALID;
        v[i] = ob;
    }
    x->objections = v;
    x->n_objections = n;
    return OC_OK;
}

/* The enum value named at key (0 when missing); -1 for an unknown name. */
static int get_engine(const json_t *o, const char *key, const char *const *names)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return -1;
    for (int i = 1; i < N_ENGINE_NAMES; i++)
        if (strcmp(json_string_value(v), names[i]) == 0)
            return i;
    return -1;
}

static enum oc_status read_engines(const json_t *o, Ocpb__Assistant *x)
{
    if (!json_is_object(o))
        return OC_ERR_INVALID;
    int stt = get_engine(o, "stt", stt_names);
    int tts = get_engine(o, "tts", tts_names);
    int dialogue = get_engine(o, "dialogue", dialogue_names);
    if (stt < 0 || tts < 0 || dialogue < 0)
        return OC_ERR_INVALID;
    x->stt_engine = (Ocpb__SttEngine)stt;
    x->tts_engine = (Ocpb__TtsEngine)tts;
    x->dialogue_engine = (Ocpb__DialogueEngine)dialogue;
    return OC_OK;
}

enum oc_status assistant_json_read(struct oc_arena *a, const struct assistant_json *in,
                                   Ocpb__Assistant *x)
{
    json_t *script = json_loads(in->script ? in->script : "", 0, NULL);
    json_t *wizard = json_loads(in->wizard ? in->wizard : "", 0, NULL);
    json_t *objections = json_loads(in->objections ? in->objections : "", 0, NULL);
    json_t *engines = json_loads(in->engines ? in->engines : "", 0, NULL);
    Ocpb__Assistant y = *x;
    enum oc_status s = read_script(a, script, &y.script);
    if (s == OC_OK)
        s = read_wizard(a, wizard, &y.wizard);
    if (s == OC_OK)
        s = read_objections(a, objections, &y);
    if (s == OC_OK)
        s = read_engines(engines, &y);
    json_decref(script);
    json_decref(wizard);
    json_decref(objections);
    json_decref(engines);
    if (s == OC_OK)
        *x = y;
    return s;
}
