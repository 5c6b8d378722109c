/*
 * Spoken numbers (see number_words.h). Each number word has a class that
 * says how it combines with the next: a unit ends a number unless English
 * "hundred" follows, tens take "y" + unit in Spanish ("treinta y cuatro")
 * or a unit in English ("thirty four"), hundreds take any number below a
 * hundred, "mil" / "thousand" multiply what came before. "seis doce" is
 * therefore two numbers, 6 and 12, which is how phone numbers are read.
 */
#include <stdio.h>
#include <string.h>

#include "number_words.h"
#include "phrase.h"

enum nclass {
    NC_UNIT = 1, /* 0-9 */
    NC_TEEN,     /* 10-19 and the one-word 21-29 of Spanish: complete below a hundred */
    NC_TENS,     /* 20, 30 ... 90 */
    NC_HUNDREDS, /* Spanish 100-900 as one word ("seiscientos") */
    NC_CIEN,     /* Spanish "cien": exactly a hundred */
    NC_HUNDRED,  /* English "hundred": multiplies */
    NC_THOUSAND, /* "mil", "thousand": multiplies */
    NC_ARTICLE,  /* "un", "una", "a", "an": one when allowed */
    NC_OH,       /* English "oh": zero when allowed */
    NC_ORDINAL,  /* "third", "primero" */
    NC_ORD_TENS, /* "twentieth", "thirtieth" */
    NC_REPEAT,   /* "double", "triple", "doble", "triple" */
};

#define NW(cls, v) (((cls) << 16) | (v))
#define NW_CLASS(x) ((x) >> 16)
#define NW_VALUE(x) ((x)&0xFFFF)

static const struct phrase_entry number_table[] = {
    /* Spanish */
    {"cero", PHRASE_ES, NW(NC_UNIT, 0)},
    {"uno", PHRASE_ES, NW(NC_UNIT, 1)},
    {"un|una", PHRASE_ES, NW(NC_ARTICLE, 1)},
    {"dos", PHRASE_ES, NW(NC_UNIT, 2)},
    {"tres", PHRASE_ES, NW(NC_UNIT, 3)},
    {"cuatro", PHRASE_ES, NW(NC_UNIT, 4)},
    {"cinco", PHRASE_ES, NW(NC_UNIT, 5)},
    {"seis", PHRASE_ES, NW(NC_UNIT, 6)},
    {"siete", PHRASE_ES, NW(NC_UNIT, 7)},
    {"ocho", PHRASE_ES, NW(NC_UNIT, 8)},
    {"nueve", PHRASE_ES, NW(NC_UNIT, 9)},
    {"diez", PHRASE_ES, NW(NC_TEEN, 10)},
    {"once", PHRASE_ES, NW(NC_TEEN, 11)},
    {"doce", PHRASE_ES, NW(NC_TEEN, 12)},
    {"trece", PHRASE_ES, NW(NC_TEEN, 13)},
    {"catorce", PHRASE_ES, NW(NC_TEEN, 14)},
    {"quince", PHRASE_ES, NW(NC_TEEN, 15)},
    {"dieciseis", PHRASE_ES, NW(NC_TEEN, 16)},
    {"diecisiete", PHRASE_ES, NW(NC_TEEN, 17)},
    {"dieciocho", PHRASE_ES, NW(NC_TEEN, 18)},
    {"diecinueve", PHRASE_ES, NW(NC_TEEN, 19)},
    {"veinte", PHRASE_ES, NW(NC_TENS, 20)},
    {"veintiuno|veintiun|veintiuna", PHRASE_ES, NW(NC_TEEN, 21)},
    {"veintidos", PHRASE_ES, NW(NC_TEEN, 22)},
    {"veintitres", PHRASE_ES, NW(NC_TEEN, 23)},
    {"veinticuatro", PHRASE_ES, NW(NC_TEEN, 24)},
    {"veinticinco", PHRASE_ES, NW(NC_TEEN, 25)},
    {"veintiseis", PHRASE_ES, NW(NC_TEEN, 26)},
    {"veintisiete", PHRASE_ES, NW(NC_TEEN, 27)},
    {"veintiocho", PHRASE_ES, NW(NC_TEEN, 28)},
    {"veintinueve", PHRASE_ES, NW(NC_TEEN, 29)},
    {"treinta", PHRASE_ES, NW(NC_TENS, 30)},
    {"cuarenta", PHRASE_ES, NW(NC_TENS, 40)},
    {"cincuenta", PHRASE_ES, NW(NC_TENS, 50)},
    {"sesenta", PHRASE_ES, NW(NC_TENS, 60)},
    {"setenta", PHRASE_ES, NW(NC_TENS, 70)},
    {"ochenta", PHRASE_ES, NW(NC_TENS, 80)},
    {"noventa", PHRASE_ES, NW(NC_TENS, 90)},
    {"cien", PHRASE_ES, NW(NC_CIEN, 100)},
    {"ciento", PHRASE_ES, NW(NC_HUNDREDS, 100)},
    {"doscientos|doscientas", PHRASE_ES, NW(NC_HUNDREDS, 200)},
    {"trescientos|trescientas", PHRASE_ES, NW(NC_HUNDREDS, 300)},
    {"cuatrocientos|cuatrocientas", PHRASE_ES, NW(NC_HUNDREDS, 400)},
    {"quinientos|quinientas", PHRASE_ES, NW(NC_HUNDREDS, 500)},
    {"seiscientos|seiscientas", PHRASE_ES, NW(NC_HUNDREDS, 600)},
    {"setecientos|setecientas", PHRASE_ES, NW(NC_HUNDREDS, 700)},
    {"ochocientos|ochocientas", PHRASE_ES, NW(NC_HUNDREDS, 800)},
    {"novecientos|novecientas", PHRASE_ES, NW(NC_HUNDREDS, 900)},
    {"mil", PHRASE_ES, NW(NC_THOUSAND, 1000)},
    {"primero|primer", PHRASE_ES, NW(NC_ORDINAL, 1)},
    {"doble", PHRASE_ES, NW(NC_REPEAT, 2)},
    {"triple", PHRASE_ANY, NW(NC_REPEAT, 3)},
    /* English */
    {"zero", PHRASE_EN, NW(NC_UNIT, 0)},
    {"oh|o", PHRASE_EN, NW(NC_OH, 0)},
    {"one", PHRASE_EN, NW(NC_UNIT, 1)},
    {"a|an", PHRASE_EN, NW(NC_ARTICLE, 1)},
    {"two", PHRASE_EN, NW(NC_UNIT, 2)},
    {"three", PHRASE_EN, NW(NC_UNIT, 3)},
    {"four", PHRASE_EN, NW(NC_UNIT, 4)},
    {"five", PHRASE_EN, NW(NC_UNIT, 5)},
    {"six", PHRASE_EN, NW(NC_UNIT, 6)},
    {"seven", PHRASE_EN, NW(NC_UNIT, 7)},
    {"eight", PHRASE_EN, NW(NC_UNIT, 8)},
    {"nine", PHRASE_EN, NW(NC_UNIT, 9)},
    {"ten", PHRASE_EN, NW(NC_TEEN, 10)},
    {"eleven", PHRASE_EN, NW(NC_TEEN, 11)},
    {"twelve", PHRASE_EN, NW(NC_TEEN, 12)},
    {"thirteen", PHRASE_EN, NW(NC_TEEN, 13)},
    {"fourteen", PHRASE_EN, NW(NC_TEEN, 14)},
    {"fifteen", PHRASE_EN, NW(NC_TEEN, 15)},
    {"sixteen", PHRASE_EN, NW(NC_TEEN, 16)},
    {"seventeen", PHRASE_EN, NW(NC_TEEN, 17)},
    {"eighteen", PHRASE_EN, NW(NC_TEEN, 18)},
    {"nineteen", PHRASE_EN, NW(NC_TEEN, 19)},
    {"twenty", PHRASE_EN, NW(NC_TENS, 20)},
    {"thirty", PHRASE_EN, NW(NC_TENS, 30)},
    {"forty|fourty", PHRASE_EN, NW(NC_TENS, 40)},
    {"fifty", PHRASE_EN, NW(NC_TENS, 50)},
    {"sixty", PHRASE_EN, NW(NC_TENS, 60)},
    {"seventy", PHRASE_EN, NW(NC_TENS, 70)},
    {"eighty", PHRASE_EN, NW(NC_TENS, 80)},
    {"ninety", PHRASE_EN, NW(NC_TENS, 90)},
    {"hundred", PHRASE_EN, NW(NC_HUNDRED, 100)},
    {"thousand", PHRASE_EN, NW(NC_THOUSAND, 1000)},
    {"double", PHRASE_EN, NW(NC_REPEAT, 2)},
    {"first", PHRASE_EN, NW(NC_ORDINAL, 1)},
    {"second", PHRASE_EN, NW(NC_ORDINAL, 2)},
    {"third", PHRASE_EN, NW(NC_ORDINAL, 3)},
    {"fourth", PHRASE_EN, NW(NC_ORDINAL, 4)},
    {"fifth", PHRASE_EN, NW(NC_ORDINAL, 5)},
    {"sixth", PHRASE_EN, NW(NC_ORDINAL, 6)},
    {"seventh", PHRASE_EN, NW(NC_ORDINAL, 7)},
    {"eighth", PHRASE_EN, NW(NC_ORDINAL, 8)},
    {"ninth", PHRASE_EN, NW(NC_ORDINAL, 9)},
    {"tenth", PHRASE_EN, NW(NC_ORDINAL, 10)},
    {"eleventh", PHRASE_EN, NW(NC_ORDINAL, 11)},
    {"twelfth", PHRASE_EN, NW(NC_ORDINAL, 12)},
    {"thirteenth", PHRASE_EN, NW(NC_ORDINAL, 13)},
    {"fourteenth", PHRASE_EN, NW(NC_ORDINAL, 14)},
    {"fifteenth", PHRASE_EN, NW(NC_ORDINAL, 15)},
    {"sixteenth", PHRASE_EN, NW(NC_ORDINAL, 16)},
    {"seventeenth", PHRASE_EN, NW(NC_ORDINAL, 17)},
    {"eighteenth", PHRASE_EN, NW(NC_ORDINAL, 18)},
    {"nineteenth", PHRASE_EN, NW(NC_ORDINAL, 19)},
    {"twentieth", PHRASE_EN, NW(NC_ORD_TENS, 20)},
    {"thirtieth", PHRASE_EN, NW(NC_ORD_TENS, 30)},
};

static struct phrase_lazy number_words = PHRASE_LAZY(number_table);

/* The class and value of token i as a number word; 0 when it is none. */
static int word_of(const struct tokens *tk, size_t i, size_t limit, enum lang lang)
{
    struct phrase_match m;
    if (i >= limit || tk->v[i].kind != TOKEN_WORD)
        return 0;
    if (!phrase_match_at(phrase_lazy_get(&number_words), tk, i, i + 1, lang, &m))
        return 0;
    return m.entry->value;
}

bool number_words_is_word(const struct tokens *tk, size_t i, enum lang lang)
{
    int w = word_of(tk, i, tk->n, lang);
    return w != 0 && NW_CLASS(w) != NC_ARTICLE && NW_CLASS(w) != NC_OH && NW_CLASS(w) != NC_REPEAT;
}

/* Reads a number below a hundred (units, teens, tens with their unit). */
static bool below_100(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                      unsigned flags, int64_t *value, size_t *end)
{
    int w = word_of(tk, i, limit, lang);
    int cls = NW_CLASS(w);
    if (!w)
        return false;
    if (cls == NC_ARTICLE && !(flags & NUMBER_WORDS_ARTICLE))
        return false;
    if (cls == NC_OH && !(flags & NUMBER_WORDS_OH))
        return false;
    if (cls == NC_UNIT || cls == NC_TEEN || cls == NC_ARTICLE || cls == NC_OH) {
        *value = NW_VALUE(w);
        *end = i + 1;
        return true;
    }
    if (cls != NC_TENS)
        return false;
    *value = NW_VALUE(w);
    *end = i + 1;
    /* "treinta y cuatro", "thirty four", "thirty-four" */
    size_t j = i + 1;
    if (lang == LANG_ES) {
        if (j < limit && tokens_is(&tk->v[j], "y")) {
            int u = word_of(tk, j + 1, limit, lang);
            if (NW_CLASS(u) == NC_UNIT || (NW_CLASS(u) == NC_ARTICLE && NW_VALUE(u) == 1)) {
                *value += NW_VALUE(u);
                *end = j + 2;
            }
        }
    } else {
        int u = word_of(tk, j, limit, lang);
        if (NW_CLASS(u) == NC_UNIT && NW_VALUE(u) > 0) {
            *value += NW_VALUE(u);
            *end = j + 1;
        }
    }
    return true;
}

/* Reads a number below a thousand. */
static bool below_1000(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                       unsigned flags, int64_t *value, size_t *end)
{
    int w = word_of(tk, i, limit, lang);
    int64_t rest;
    size_t rend;
    if (NW_CLASS(w) == NC_CIEN) {
        *value = 100;
        *end = i + 1;
        return true;
    }
    if (NW_CLASS(w) == NC_HUNDREDS) {
        *value = NW_VALUE(w);
        *end = i + 1;
        if (below_100(tk, i + 1, limit, lang, 0, &rest, &rend)) {
            *value += rest;
            *end = rend;
        }
        return true;
    }
    if (!below_100(tk, i, limit, lang, flags, value, end))
        return false;
    /* English "five hundred (and) twelve", "a hundred". */
    if (lang == LANG_EN && *value < 10 && *end < limit &&
        NW_CLASS(word_of(tk, *end, limit, lang)) == NC_HUNDRED) {
        *value *= 100;
        size_t j = *end + 1;
        *end = j;
        if (j < limit && tokens_is(&tk->v[j], "and"))
            j++;
        if (below_100(tk, j, limit, lang, 0, &rest, &rend)) {
            *value += rest;
            *end = rend;
        }
    }
    return true;
}

bool number_words_parse(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                        unsigned flags, int64_t *value, size_t *end)
{
    int64_t v = 0, rest;
    size_t e = i, rend;

    if (i >= limit)
        return false;
    if (tk->v[i].kind == TOKEN_NUM) {
        if (!(flags & NUMBER_WORDS_DIGITS) || tk->v[i].num < 0)
            return false;
        *value = tk->v[i].num;
        *end = i + 1;
        return true;
    }
    bool have = below_1000(tk, i, limit, lang, flags, &v, &e);
    /* "mil" alone is a thousand; "dos mil", "two thousand" multiply. */
    int w = word_of(tk, have ? e : i, limit, lang);
    if (NW_CLASS(w) == NC_THOUSAND && (have || lang == LANG_ES)) {
        if (!have)
            v = 1;
        v *= 1000;
        e = (have ? e : i) + 1;
        if (below_1000(tk, e, limit, lang, 0, &rest, &rend)) {
            v += rest;
            e = rend;
        }
        have = true;
    }
    if (!have)
        return false;
    *value = v;
    *end = e;
    return true;
}

bool number_words_ordinal(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                          int64_t *value, size_t *end)
{
    if (i >= limit)
        return false;
    const struct token *t = &tk->v[i];
    if (t->kind == TOKEN_NUM) {
        if (i + 1 < limit && t->num > 0 && t->num < 100 &&
            (tokens_is(&tk->v[i + 1], "st") || tokens_is(&tk->v[i + 1], "nd") ||
             tokens_is(&tk->v[i + 1], "rd") || tokens_is(&tk->v[i + 1], "th") ||
             tokens_is(&tk->v[i + 1], "o"))) {
            *value = t->num;
            *end = i + 2;
            return true;
        }
        return false;
    }
    int w = word_of(tk, i, limit, lang);
    if (NW_CLASS(w) == NC_ORDINAL || NW_CLASS(w) == NC_ORD_TENS) {
        *value = NW_VALUE(w);
        *end = i + 1;
        return true;
    }
    /* "twenty first", "thirty-first" */
    if (NW_CLASS(w) == NC_TENS && lang == LANG_EN) {
        int u = word_of(tk, i + 1, limit, lang);
        if (NW_CLASS(u) == NC_ORDINAL && NW_VALUE(u) < 10) {
            *value = NW_VALUE(w) + NW_VALUE(u);
            *end = i + 2;
            return true;
        }
    }
    return false;
}

bool number_words_group(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                        char *digits, size_t cap, size_t *end)
{
    int64_t v;
    size_t e;
    if (i >= limit || cap < 2)
        return false;
    const struct token *t = &tk->v[i];
    if (t->kind == TOKEN_NUM) {
        if ((size_t)t->len + 1 > cap)
            return false;
        memcpy(digits, t->w, t->len + 1u);
        *end = i + 1;
        return true;
    }
    int w = word_of(tk, i, limit, lang);
    if (NW_CLASS(w) == NC_REPEAT) {
        /* "double five" -> "55", "triple seven" -> "777" */
        int u = word_of(tk, i + 1, limit, lang);
        int uc = NW_CLASS(u);
        bool digit = uc == NC_UNIT || (uc == NC_OH && lang == LANG_EN);
        if (!digit && !(i + 1 < limit && tk->v[i + 1].kind == TOKEN_NUM && tk->v[i + 1].len == 1))
            return false;
        char d = digit ? (char)('0' + NW_VALUE(u)) : tk->v[i + 1].w[0];
        int times = NW_VALUE(w);
        if ((size_t)times + 1 > cap)
            return false;
        for (int k = 0; k < times; k++)
            digits[k] = d;
        digits[times] = '\0';
        *end = i + 2;
        return true;
    }
    /* "oh" is zero only inside a number, where this is called from. */
    if (!number_words_parse(tk, i, limit, lang, NUMBER_WORDS_OH, &v, &e))
        return false;
    int n = snprintf(digits, cap, "%lld", (long long)v);
    if (n < 0 || (size_t)n >= cap)
        return false;
    *end = e;
    return true;
}
