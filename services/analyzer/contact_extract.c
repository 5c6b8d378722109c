/*
 * Names and roles (see contact_extract.h). A name is one or two
 * capitalised words that are not common words of the sentence (a table of
 * words people capitalise at the start of a sentence or that are never
 * names), or whatever follows an unmistakable cue ("se llama", "my name
 * is") when the transcript has no capitals at all. Roles come from a table
 * and keep the determiner said before them.
 */
#include <string.h>

#include "contact_extract.h"
#include "phrase.h"

static const struct phrase_entry role_table[] = {
    {"socio|socia|mujer|marido|esposo|esposa|hijo|hija|hermano|hermana|padre|madre|encargado"
     "|encargada|secretaria|secretario|asistente|gerente|jefe|jefa|director|directora|companero"
     "|companera|responsable|administrador|administradora|dueno|duena|contable|recepcionista",
     PHRASE_ES, 1},
    {"partner|wife|husband|son|daughter|brother|sister|father|mother|dad|mom|assistant"
     "|secretary|manager|boss|colleague|coworker|director|owner|accountant|receptionist"
     "|roommate|bookkeeper|supervisor",
     PHRASE_EN, 1},
    {"business partner", PHRASE_EN, 1},
    {"office|store|shop|general|operations|sales|purchasing manager|director", PHRASE_EN, 1},
    {"compañero|compañera de piso|trabajo", PHRASE_ES, 1},
};

/* Capitalised words that are not names. */
static const struct phrase_entry not_name_table[] = {
    {"si|no|vale|hola|mire|mira|oye|apunte|apunta|perfecto|bueno|pues|eh|ah|ay|uy|uf|buf|claro"
     "|gracias|perdone|perdona|disculpe|de|el|la|los|las|un|una|es|era|su|mi|sus|yo|usted|llame"
     "|llama|llamame|llameme|hable|habla|pregunte|espera|espere|creo|ahora|ya|lo|le|eso|esto|se"
     "|estoy|tengo|mejor|entonces|y|o|que|con|por|para|en|a|al|del|muy|lunes|martes|miercoles"
     "|jueves|viernes|sabado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|agosto"
     "|septiembre|octubre|noviembre|diciembre|senor|senora|don|dona|doctor|doctora|hombre|tio"
     "|tia|madre|dios|te|me|nos|os|les|doy|da|dame|tiene|tienes|tengo|tenemos|aqui|ahi|alli"
     "|este|esta|esto|ese|esa|cuando|como|donde|porque|pero|aunque|tambien|tampoco|nada|todo"
     "|muchas|mucho|hoy|manana|luego|nosotros|ellos|ella|el|escribe|escribele|manda|mandale"
     "|llamala|llamale|llamalo|habla|hablale|apuntalo|ojo|venga|vamos|ademas|tu|ud|ustedes"
     "|soy|somos|dile|digale|gracias|hasta|adios|igual|quizas",
     PHRASE_ES, 1},
    {"llam*|escrib*|mand*|habl*|apunt*|pregunt*|marq*|contact*", PHRASE_ES, 1},
    {"yes|no|yeah|yep|ok|okay|hi|hello|hey|oh|uh|um|well|look|listen|sure|thanks|thank|sorry"
     "|please|i|im|ive|ill|id|you|he|she|we|they|it|its|his|her|my|our|your|the|a|an|this|that"
     "|call|talk|ask|ring|reach|try|speak|give|email|send|his|hers|shipping|sales|insurance"
     "|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april"
     "|may|june|july|august|september|october|november|december|mr|mrs|ms|dr|actually|wait"
     "|so|and|but|or|if|then|now|just|mornings|evenings|afternoons|shes|hes|theres|dude|man"
     "|god|gosh|great|perfect|fine|right|good|give|gave|what|when|where|how|who|there|here"
     "|we|they|thats|whats|heres|sure|anyway|email|e|mail|cell|office|store|thursday|hit"
     "|shoot|drop|let|lets|maybe|please|tell|her|him|them|us|our",
     PHRASE_EN, 1},
};

static struct phrase_lazy roles = PHRASE_LAZY(role_table);
static struct phrase_lazy not_names = PHRASE_LAZY(not_name_table);

/* The token's original text, with a possessive "'s" removed. */
static char *source_word(const struct tokens *tk, size_t i, struct oc_arena *arena)
{
    const struct token *t = &tk->v[i];
    const char *text = tk->turns[t->turn].text;
    size_t n = t->src_len;
    const char *s = text + t->src;
    char *w = oc_arena_strndup(arena, s, n);
    if (!w)
        return NULL;
    size_t l = strlen(w);
    if (l > 2 && (strcmp(w + l - 2, "'s") == 0))
        w[l - 2] = '\0';
    else if (l > 4 && strcmp(w + l - 4, "\xE2\x80\x99s") == 0)
        w[l - 4] = '\0';
    return w;
}

static bool name_word(const struct tokens *tk, size_t i, enum lang lang)
{
    const struct token *t = &tk->v[i];
    struct phrase_match m;
    if (t->kind != TOKEN_WORD || !t->cap || t->len < 2)
        return false;
    /* A possessive ("Steve's") was folded to "steves"; check the stem too. */
    if (phrase_match_at(phrase_lazy_get(&not_names), tk, i, i + 1, lang, &m))
        return false;
    return true;
}

/* The name at i (one or two words), or NULL. *end is one past it. */
static const char *name_at(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                           struct oc_arena *arena, size_t *end)
{
    if (i >= limit || !name_word(tk, i, lang))
        return NULL;
    char *first = source_word(tk, i, arena);
    *end = i + 1;
    if (i + 1 < limit && name_word(tk, i + 1, lang) && !tk->v[i + 1].sent_start) {
        char *second = source_word(tk, i + 1, arena);
        *end = i + 2;
        return oc_arena_printf(arena, "%s %s", first, second);
    }
    return first;
}

/* The role ending right before or starting at i, with its determiner. */
static const char *role_around(const struct tokens *tk, size_t from, size_t to, enum lang lang,
                               struct oc_arena *arena)
{
    const struct phrase_set *set = phrase_lazy_get(&roles);
    struct phrase_match m;
    const char *found = NULL;
    for (size_t i = from; i < to; i++) {
        if (!phrase_match_at(set, tk, i, to, lang, &m))
            continue;
        size_t b = m.begin;
        if (b > from) {
            static const char *const dets[] = {"mi",  "su",  "el",  "la",      "my",     "his",
                                               "her", "the", "our", "nuestro", "nuestra"};
            for (size_t d = 0; d < sizeof(dets) / sizeof(dets[0]); d++)
                if (tokens_is(&tk->v[b - 1], dets[d]))
                    b--;
            /* "my business partner": "business" is part of the role */
        }
        const char *text = tk->turns[tk->v[b].turn].text;
        size_t s = tk->v[b].src, e = tk->v[m.end - 1].src + tk->v[m.end - 1].src_len;
        found = oc_arena_strndup(arena, text + s, e - s);
        i = m.end - 1;
    }
    return found;
}

struct person contact_extract_near(const struct tokens *tk, size_t number_begin, enum lang lang,
                                   struct oc_arena *arena)
{
    struct person p = {0};
    size_t turn = tk->v[number_begin].turn;
    size_t tb = tk->turn_begin[turn], te = tk->turn_begin[turn + 1];
    size_t end;
    /* The name closest before the number, else the first after it. */
    for (size_t i = number_begin; i-- > tb;) {
        const char *n = name_at(tk, i, number_begin, lang, arena, &end);
        if (n && !(i > tb && name_word(tk, i - 1, lang))) {
            p.name = n;
            break;
        }
        /* "se llama paula" in a transcript without capitals */
        if (i + 2 < number_begin &&
            ((tokens_is(&tk->v[i], "se") && tokens_is(&tk->v[i + 1], "llama")) ||
             (tokens_is(&tk->v[i], "name") && tokens_is(&tk->v[i + 1], "is")))) {
            p.name = source_word(tk, i + 2, arena);
            break;
        }
    }
    if (!p.name)
        for (size_t i = number_begin; i < te; i++)
            if ((p.name = name_at(tk, i, te, lang, arena, &end)))
                break;
    p.role = role_around(tk, tb, number_begin, lang, arena);
    return p;
}

const char *contact_extract_own_name(const struct tokens *tk, enum lang lang,
                                     struct oc_arena *arena)
{
    static const char *const cues_es[][3] = {
        {"me", "llamo", NULL}, {"mi", "nombre", "es"}, {"soy", NULL, NULL}};
    static const char *const cues_en[][3] = {
        {"my", "name", "is"}, {"my", "names", NULL}, {"this", "is", NULL}, {"im", NULL, NULL}};
    const char *const(*cues)[3] = lang == LANG_ES ? cues_es : cues_en;
    size_t n_cues = lang == LANG_ES ? 3 : 4;
    for (size_t t = 0; t < tk->n_turns; t++) {
        if (tk->turns[t].speaker != SPEAKER_CONTACT)
            continue;
        size_t tb = tk->turn_begin[t], te = tk->turn_begin[t + 1];
        for (size_t i = tb; i < te; i++) {
            for (size_t c = 0; c < n_cues; c++) {
                size_t k = i, w = 0;
                while (w < 3 && cues[c][w] && k < te && tokens_is(&tk->v[k], cues[c][w])) {
                    k++;
                    w++;
                }
                if (w == 0 || (w < 3 && cues[c][w]))
                    continue;
                size_t end;
                const char *n = name_at(tk, k, te, lang, arena, &end);
                if (n)
                    return n;
            }
        }
    }
    return NULL;
}
