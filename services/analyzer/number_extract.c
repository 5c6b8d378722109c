/*
 * Spoken phone numbers (see number_extract.h). A candidate is a run of
 * digit groups (number_words_group) with only separators between them:
 * commas, dashes, dots, parentheses and hesitations ("eh", "um"). The words
 * just before it (same sentence) and just after it decide whether it may
 * be a phone number at all; libphonenumber decides whether it is one.
 */
#include <string.h>

#include "number_extract.h"
#include "number_words.h"
#include "phone_e164.h"
#include "phrase.h"

/* Words that make a number something else when they come shortly before it. */
static const struct phrase_entry not_phone_before_table[] = {
    {"pedido|pedidos|cliente|factura|facturas|referencia|ref|cuenta|dni|nif|cif|codigo|expediente"
     "|poliza|contrato|serie|tarjeta|iban|precio|cuesta|cuestan|pago|pagamos|pagas|matricula"
     "|ticket|incidencia|presupuesto|importe|total|postal|llamado",
     PHRASE_ES, 1},
    {"order|orders|invoice|account|reference|ref|customer|policy|confirmation|tracking|serial"
     "|zip|ssn|card|pay|paying|paid|cost|costs|price|ticket|case|claim|license|id|pin|code"
     "|quote|total|member|membership|routing|reached",
     PHRASE_EN, 1},
};

/* Words that make a number something else when they come right after it. */
static const struct phrase_entry not_phone_after_table[] = {
    {"euros|euro|dolares|dollars|dollar|bucks|pounds|pesos|percent|cents|centimos|megas|gigas"
     "|empleados|employees|anos|years|meses|months|dias|days|horas|hours|minutos|minutes|kilos"
     "|metros|unidades|units|personas|people|am|pm|h|hrs",
     PHRASE_ANY, 1},
    {"al|por|a|per mes|ano|month|year|week|semana|ciento|cent", PHRASE_ANY, 1},
};

static struct phrase_lazy not_phone_before = PHRASE_LAZY(not_phone_before_table);
static struct phrase_lazy not_phone_after = PHRASE_LAZY(not_phone_after_table);

static bool hesitation(const struct token *t)
{
    return tokens_is(t, "eh") || tokens_is(t, "em") || tokens_is(t, "um") || tokens_is(t, "uh") ||
           tokens_is(t, "er") || tokens_is(t, "mmm");
}

static bool separator(const struct token *t)
{
    return tokens_is_punct(t, ',') || tokens_is_punct(t, '-') || tokens_is_punct(t, '(') ||
           tokens_is_punct(t, ')') || tokens_is_punct(t, '/');
}

/* Whether a word within the same sentence shortly before begin says "not a phone". */
static bool refused_before(const struct tokens *tk, size_t turn_begin, size_t begin, enum lang lang)
{
    const struct phrase_set *set = phrase_lazy_get(&not_phone_before);
    struct phrase_match m;
    for (size_t back = 1; back <= 8 && back <= begin - turn_begin; back++) {
        size_t i = begin - back;
        if (tokens_ends_sentence(&tk->v[i]))
            break;
        if (phrase_match_at(set, tk, i, begin, lang, &m))
            return true;
    }
    return false;
}

static bool refused_after(const struct tokens *tk, size_t end, size_t limit, enum lang lang)
{
    if (end >= limit)
        return false;
    struct phrase_match m;
    /* "89.99": a decimal price; "15:30": a time. */
    if ((tokens_is_punct(&tk->v[end], '.') || tokens_is_punct(&tk->v[end], ':')) &&
        end + 1 < limit && tk->v[end + 1].kind == TOKEN_NUM && tk->v[end + 1].len <= 2)
        return true;
    return phrase_match_at(phrase_lazy_get(&not_phone_after), tk, end, limit, lang, &m);
}

bool number_extract_find(const struct tokens *tk, enum lang lang, const char *country,
                         const char *dialled, struct number_found *out)
{
    bool found = false;
    for (size_t t = 0; t < tk->n_turns; t++) {
        if (tk->turns[t].speaker != SPEAKER_CONTACT)
            continue;
        size_t tb = tk->turn_begin[t], te = tk->turn_begin[t + 1];
        for (size_t i = tb; i < te;) {
            char digits[40];
            size_t nd = 0, j = i, last_end = i, e;
            bool plus = false;
            if (tokens_is_punct(&tk->v[j], '+') || tokens_is(&tk->v[j], "mas") ||
                tokens_is(&tk->v[j], "plus")) {
                plus = true;
                j++;
            }
            /* A run of groups with separators between them. */
            int groups = 0;
            while (j < te) {
                char g[24];
                if (number_words_group(tk, j, te, lang, g, sizeof(g), &e)) {
                    size_t gl = strlen(g);
                    if (nd + gl >= sizeof(digits) - 1)
                        break;
                    memcpy(digits + nd, g, gl);
                    nd += gl;
                    groups++;
                    j = e;
                    last_end = e;
                    continue;
                }
                /* "612.345.678": dots between digit groups */
                if ((separator(&tk->v[j]) || hesitation(&tk->v[j]) ||
                     (tokens_is_punct(&tk->v[j], '.') && j + 1 < te &&
                      tk->v[j + 1].kind == TOKEN_NUM && tk->v[j + 1].len >= 2 && groups > 0 &&
                      tk->v[j - 1].kind == TOKEN_NUM)) &&
                    groups > 0) {
                    j++;
                    continue;
                }
                break;
            }
            digits[nd] = '\0';
            if (groups == 0) {
                i++;
                continue;
            }
            size_t begin = i;
            if (nd >= 7 && nd <= 15 && !refused_before(tk, tb, begin, lang) &&
                !refused_after(tk, last_end, te, lang)) {
                char candidate[48], e164[20];
                size_t off = 0;
                if (plus)
                    candidate[off++] = '+';
                memcpy(candidate + off, digits, nd + 1);
                if (phone_e164_normalize(candidate, country, e164, sizeof(e164)) &&
                    !(dialled && strcmp(dialled, e164) == 0)) {
                    memcpy(out->e164, e164, sizeof(e164));
                    out->begin = begin;
                    out->end = last_end;
                    out->turn = t;
                    found = true;
                }
            }
            i = last_end > i ? last_end : i + 1;
        }
    }
    return found;
}
