/*
 * Header recognition and mapping (see header_map.h). A header is folded
 * before lookup: ASCII letters to lower case, the accented letters of
 * Spanish to their plain ones, every run of punctuation or spaces to one
 * space, and a trailing "(...)" or "*" dropped, so "Teléfono Móvil*",
 * "telefono_movil" and "TELÉFONO-MÓVIL" are the same header.
 *
 * "name"/"nombre" next to a last-name column is a first name: Spanish lists
 * often have "Nombre" and "Apellidos".
 */
#include "header_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_FOLD_MAX 128

struct synonym {
    const char *folded;
    enum lead_field field;
};

static const struct synonym synonyms[] = {
    /* name */
    {"name", LEAD_FIELD_NAME},
    {"full name", LEAD_FIELD_NAME},
    {"fullname", LEAD_FIELD_NAME},
    {"contact", LEAD_FIELD_NAME},
    {"contact name", LEAD_FIELD_NAME},
    {"lead", LEAD_FIELD_NAME},
    {"lead name", LEAD_FIELD_NAME},
    {"customer", LEAD_FIELD_NAME},
    {"customer name", LEAD_FIELD_NAME},
    {"client", LEAD_FIELD_NAME},
    {"client name", LEAD_FIELD_NAME},
    {"nombre", LEAD_FIELD_NAME},
    {"nombre completo", LEAD_FIELD_NAME},
    {"nombre y apellidos", LEAD_FIELD_NAME},
    {"nombre apellidos", LEAD_FIELD_NAME},
    {"contacto", LEAD_FIELD_NAME},
    {"nombre contacto", LEAD_FIELD_NAME},
    {"nombre del contacto", LEAD_FIELD_NAME},
    {"nombre de contacto", LEAD_FIELD_NAME},
    {"cliente", LEAD_FIELD_NAME},
    {"nombre cliente", LEAD_FIELD_NAME},
    {"nombre del cliente", LEAD_FIELD_NAME},
    /* first name */
    {"first name", LEAD_FIELD_FIRST_NAME},
    {"firstname", LEAD_FIELD_FIRST_NAME},
    {"first", LEAD_FIELD_FIRST_NAME},
    {"given name", LEAD_FIELD_FIRST_NAME},
    {"forename", LEAD_FIELD_FIRST_NAME},
    {"nombre de pila", LEAD_FIELD_FIRST_NAME},
    {"primer nombre", LEAD_FIELD_FIRST_NAME},
    /* last name */
    {"last name", LEAD_FIELD_LAST_NAME},
    {"lastname", LEAD_FIELD_LAST_NAME},
    {"last", LEAD_FIELD_LAST_NAME},
    {"surname", LEAD_FIELD_LAST_NAME},
    {"family name", LEAD_FIELD_LAST_NAME},
    {"apellido", LEAD_FIELD_LAST_NAME},
    {"apellidos", LEAD_FIELD_LAST_NAME},
    {"primer apellido", LEAD_FIELD_LAST_NAME},
    /* phone */
    {"phone", LEAD_FIELD_PHONE},
    {"phones", LEAD_FIELD_PHONE},
    {"phone number", LEAD_FIELD_PHONE},
    {"phonenumber", LEAD_FIELD_PHONE},
    {"phone no", LEAD_FIELD_PHONE},
    {"phone e164", LEAD_FIELD_PHONE}, /* the column of the API's exports */
    {"telephone", LEAD_FIELD_PHONE},
    {"telephone number", LEAD_FIELD_PHONE},
    {"tel", LEAD_FIELD_PHONE},
    {"mobile", LEAD_FIELD_PHONE},
    {"mobile phone", LEAD_FIELD_PHONE},
    {"mobile number", LEAD_FIELD_PHONE},
    {"cell", LEAD_FIELD_PHONE},
    {"cell phone", LEAD_FIELD_PHONE},
    {"cellphone", LEAD_FIELD_PHONE},
    {"cell number", LEAD_FIELD_PHONE},
    {"number", LEAD_FIELD_PHONE},
    {"contact number", LEAD_FIELD_PHONE},
    {"phone 1", LEAD_FIELD_PHONE},
    {"phone1", LEAD_FIELD_PHONE},
    {"phone 2", LEAD_FIELD_PHONE},
    {"phone2", LEAD_FIELD_PHONE},
    {"work phone", LEAD_FIELD_PHONE},
    {"home phone", LEAD_FIELD_PHONE},
    {"whatsapp", LEAD_FIELD_PHONE},
    {"telefono", LEAD_FIELD_PHONE},
    {"telefonos", LEAD_FIELD_PHONE},
    {"numero de telefono", LEAD_FIELD_PHONE},
    {"numero telefono", LEAD_FIELD_PHONE},
    {"num telefono", LEAD_FIELD_PHONE},
    {"nro telefono", LEAD_FIELD_PHONE},
    {"telefono 1", LEAD_FIELD_PHONE},
    {"telefono1", LEAD_FIELD_PHONE},
    {"telefono 2", LEAD_FIELD_PHONE},
    {"telefono2", LEAD_FIELD_PHONE},
    {"telefono movil", LEAD_FIELD_PHONE},
    {"telefono fijo", LEAD_FIELD_PHONE},
    {"telefono de contacto", LEAD_FIELD_PHONE},
    {"tlf", LEAD_FIELD_PHONE},
    {"tlfn", LEAD_FIELD_PHONE},
    {"tlfno", LEAD_FIELD_PHONE},
    {"tfno", LEAD_FIELD_PHONE},
    {"telf", LEAD_FIELD_PHONE},
    {"movil", LEAD_FIELD_PHONE},
    {"numero movil", LEAD_FIELD_PHONE},
    {"celular", LEAD_FIELD_PHONE},
    {"numero de celular", LEAD_FIELD_PHONE},
    {"numero celular", LEAD_FIELD_PHONE},
    {"cel", LEAD_FIELD_PHONE},
    {"numero", LEAD_FIELD_PHONE},
    /* email */
    {"email", LEAD_FIELD_EMAIL},
    {"e mail", LEAD_FIELD_EMAIL},
    {"mail", LEAD_FIELD_EMAIL},
    {"email address", LEAD_FIELD_EMAIL},
    {"e mail address", LEAD_FIELD_EMAIL},
    {"correo", LEAD_FIELD_EMAIL},
    {"correo electronico", LEAD_FIELD_EMAIL},
    {"direccion de correo", LEAD_FIELD_EMAIL},
    {"direccion de correo electronico", LEAD_FIELD_EMAIL},
    {"email de contacto", LEAD_FIELD_EMAIL},
    /* company */
    {"company", LEAD_FIELD_COMPANY},
    {"company name", LEAD_FIELD_COMPANY},
    {"organization", LEAD_FIELD_COMPANY},
    {"organisation", LEAD_FIELD_COMPANY},
    {"business", LEAD_FIELD_COMPANY},
    {"business name", LEAD_FIELD_COMPANY},
    {"account", LEAD_FIELD_COMPANY},
    {"account name", LEAD_FIELD_COMPANY},
    {"empresa", LEAD_FIELD_COMPANY},
    {"nombre empresa", LEAD_FIELD_COMPANY},
    {"nombre de la empresa", LEAD_FIELD_COMPANY},
    {"compania", LEAD_FIELD_COMPANY},
    {"razon social", LEAD_FIELD_COMPANY},
    {"negocio", LEAD_FIELD_COMPANY},
    {"organizacion", LEAD_FIELD_COMPANY},
    /* timezone */
    {"timezone", LEAD_FIELD_TIMEZONE},
    {"time zone", LEAD_FIELD_TIMEZONE},
    {"tz", LEAD_FIELD_TIMEZONE},
    {"zona horaria", LEAD_FIELD_TIMEZONE},
    {"huso horario", LEAD_FIELD_TIMEZONE},
    /* The column the gateway's rejected-rows download adds: why the row was
     * refused. The fixed file comes back with it, and it is no context for
     * the agent. */
    {"rejected reason", LEAD_FIELD_IGNORE},
};

static const char *const field_names[] = {
    [LEAD_FIELD_CUSTOM] = "custom",       [LEAD_FIELD_IGNORE] = "ignore",
    [LEAD_FIELD_NAME] = "name",           [LEAD_FIELD_FIRST_NAME] = "first_name",
    [LEAD_FIELD_LAST_NAME] = "last_name", [LEAD_FIELD_PHONE] = "phone",
    [LEAD_FIELD_EMAIL] = "email",         [LEAD_FIELD_COMPANY] = "company",
    [LEAD_FIELD_TIMEZONE] = "timezone",
};

const char *lead_field_name(enum lead_field f)
{
    if ((unsigned)f >= sizeof(field_names) / sizeof(field_names[0]))
        return "custom";
    return field_names[f];
}

enum lead_field lead_field_from_name(const char *name)
{
    for (size_t i = LEAD_FIELD_IGNORE; i < sizeof(field_names) / sizeof(field_names[0]); i++)
        if (strcmp(field_names[i], name) == 0)
            return (enum lead_field)i;
    return LEAD_FIELD_CUSTOM;
}

/* The plain letter for the two-byte UTF-8 accented letters Spanish (and its
 * neighbours) write in headers; 0 when s does not start with one. */
static char unaccent(const unsigned char *s)
{
    static const struct {
        unsigned char b2;
        char plain;
    } c3[] = {
        {0xA1, 'a'}, {0x81, 'a'}, {0xA0, 'a'}, {0x80, 'a'}, {0xA4, 'a'}, {0x84, 'a'}, {0xA2, 'a'},
        {0x82, 'a'}, {0xA9, 'e'}, {0x89, 'e'}, {0xA8, 'e'}, {0x88, 'e'}, {0xAA, 'e'}, {0x8A, 'e'},
        {0xAB, 'e'}, {0x8B, 'e'}, {0xAD, 'i'}, {0x8D, 'i'}, {0xAC, 'i'}, {0x8C, 'i'}, {0xAF, 'i'},
        {0x8F, 'i'}, {0xB3, 'o'}, {0x93, 'o'}, {0xB2, 'o'}, {0x92, 'o'}, {0xB6, 'o'}, {0x96, 'o'},
        {0xB4, 'o'}, {0x94, 'o'}, {0xBA, 'u'}, {0x9A, 'u'}, {0xB9, 'u'}, {0x99, 'u'}, {0xBC, 'u'},
        {0x9C, 'u'}, {0xBB, 'u'}, {0x9B, 'u'}, {0xB1, 'n'}, {0x91, 'n'}, {0xA7, 'c'}, {0x87, 'c'},
    };
    if (s[0] != 0xC3)
        return 0;
    for (size_t i = 0; i < sizeof(c3) / sizeof(c3[0]); i++)
        if (c3[i].b2 == s[1])
            return c3[i].plain;
    return 0;
}

/* Folds a header for lookup (see the file comment). */
static void fold(const char *in, char *out, size_t outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0;
    bool space = false;
    while (*s && n + 1 < outlen) {
        char c = 0;
        if (*s == '(' || *s == '[')
            break; /* "Teléfono (móvil)": the note is not the header */
        if (*s < 0x80) {
            c = isalnum(*s) ? (char)tolower(*s) : 0;
            s++;
        } else if ((c = unaccent(s)) != 0) {
            s += 2;
        } else {
            /* Another non-ASCII letter: keep it, byte for byte. */
            c = (char)*s++;
        }
        if (!c) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < outlen)
            out[n++] = ' ';
        space = false;
        out[n++] = c;
    }
    out[n] = '\0';
}

enum lead_field header_map_recognise(const char *header)
{
    char f[HEADER_FOLD_MAX];
    fold(header, f, sizeof(f));
    for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
        if (strcmp(synonyms[i].folded, f) == 0)
            return synonyms[i].field;
    return LEAD_FIELD_CUSTOM;
}

static char *trimmed_dup(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Column index for a rule: the header as written, else the same folded. */
static long find_column(const struct header_map *m, const char *column)
{
    char want[HEADER_FOLD_MAX], have[HEADER_FOLD_MAX];
    char *t = trimmed_dup(column);
    if (!t)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->cols[i].header, t) == 0) {
            free(t);
            return (long)i;
        }
    fold(t, want, sizeof(want));
    free(t);
    for (size_t i = 0; i < m->n; i++) {
        fold(m->cols[i].header, have, sizeof(have));
        if (want[0] && strcmp(want, have) == 0)
            return (long)i;
    }
    return -1;
}

void header_map_free(struct header_map *map)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->n; i++) {
        free((char *)map->cols[i].header);
        if (map->cols[i].key != map->cols[i].header &&
            map->cols[i].key != lead_field_name(map->cols[i].field))
            free((char *)map->cols[i].key);
    }
    free(map->cols);
    free(map->phones);
    free(map);
}

const struct header_column *header_map_column(const struct header_map *map, size_t i)
{
    return i < map->n ? &map->cols[i] : NULL;
}

/* Makes custom keys unique: a second "notes" becomes "notes_2". */
static enum oc_status unique_keys(struct header_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct header_column *c = &m->cols[i];
        if (c->field != LEAD_FIELD_CUSTOM)
            continue;
        for (int k = 2;; k++) {
            bool clash = false;
            for (size_t j = 0; j < i && !clash; j++)
                clash =
                    m->cols[j].field == LEAD_FIELD_CUSTOM && strcmp(m->cols[j].key, c->key) == 0;
            if (!clash)
                break;
            size_t len = strlen(c->header) + 16;
            char *key = malloc(len);
            if (!key)
                return OC_ERR_NOMEM;
            snprintf(key, len, "%s_%d", c->header, k);
            if (c->key != c->header)
                free((char *)c->key);
            c->key = key;
        }
    }
    return OC_OK;
}

enum oc_status header_map_build(struct header_map **out, const char *const *headers, size_t n,
                                const struct header_rule *rules, size_t n_rules, char *err,
                                size_t errlen)
{
    enum oc_status st = OC_OK;
    struct header_map *m = calloc(1, sizeof(*m));
    if (!m)
        return OC_ERR_NOMEM;
    m->cols = calloc(n ? n : 1, sizeof(*m->cols));
    if (!m->cols) {
        free(m);
        return OC_ERR_NOMEM;
    }
    m->n = n;
    for (size_t i = 0; i < n; i++) {
        struct header_column *c = &m->cols[i];
        c->header = trimmed_dup(headers[i]);
        if (!c->header) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        if (!c->header[0]) {
            char name[32];
            snprintf(name, sizeof(name), "column_%zu", i + 1);
            free((char *)c->header);
            c->header = trimmed_dup(name);
            if (!c->header) {
                st = OC_ERR_NOMEM;
                goto out;
            }
        }
        c->key = c->header;
        c->field = LEAD_FIELD_CUSTOM;
    }

    /* Explicit rules first: they win. */
    for (size_t r = 0; r < n_rules; r++) {
        long i = find_column(m, rules[r].column);
        if (i < 0) {
            snprintf(err, errlen,
                     "the mapping names a column \"%.80s\" that the file does not have",
                     rules[r].column);
            st = OC_ERR_INVALID;
            goto out;
        }
        struct header_column *c = &m->cols[i];
        char *field = trimmed_dup(rules[r].field);
        if (!field) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        if (c->key != c->header && c->key != lead_field_name(c->field))
            free((char *)c->key); /* a column named by two rules: the last wins */
        c->field = field[0] ? lead_field_from_name(field) : LEAD_FIELD_IGNORE;
        c->explicit_rule = true;
        if (c->field == LEAD_FIELD_CUSTOM) {
            c->key = field; /* kept under the name the rule gives */
        } else {
            free(field);
            /* A phone column not used for a lead's number is kept under its header. */
            c->key = c->field == LEAD_FIELD_PHONE ? c->header : lead_field_name(c->field);
        }
    }

    /* Then recognition, for the columns no rule named. A field other than
     * phone is taken by its first column only; later ones stay custom. */
    bool taken[LEAD_FIELD_TIMEZONE + 1] = {false};
    for (size_t i = 0; i < n; i++)
        if (m->cols[i].explicit_rule)
            taken[m->cols[i].field] = true;
    for (size_t i = 0; i < n; i++) {
        struct header_column *c = &m->cols[i];
        if (c->explicit_rule)
            continue;
        enum lead_field f = header_map_recognise(c->header);
        if (f == LEAD_FIELD_IGNORE) {
            /* Every such column is dropped, not only the first. */
            c->field = f;
            c->key = lead_field_name(f);
            continue;
        }
        if (f == LEAD_FIELD_CUSTOM || (f != LEAD_FIELD_PHONE && taken[f]))
            continue;
        c->field = f;
        c->key = f == LEAD_FIELD_PHONE ? c->header : lead_field_name(f);
        taken[f] = true;
    }

    /* "Nombre" beside "Apellidos" is a first name. */
    if (taken[LEAD_FIELD_LAST_NAME] && !taken[LEAD_FIELD_FIRST_NAME]) {
        for (size_t i = 0; i < n; i++) {
            struct header_column *c = &m->cols[i];
            char f[HEADER_FOLD_MAX];
            fold(c->header, f, sizeof(f));
            if (c->field == LEAD_FIELD_NAME && !c->explicit_rule &&
                (strcmp(f, "name") == 0 || strcmp(f, "nombre") == 0)) {
                c->field = LEAD_FIELD_FIRST_NAME;
                c->key = lead_field_name(c->field);
            }
        }
    }

    if (!taken[LEAD_FIELD_PHONE]) {
        snprintf(err, errlen,
                 "no phone column: no header reads as a phone number (phone, teléfono, móvil, "
                 "celular, ...); map one with column=phone");
        st = OC_ERR_INVALID;
        goto out;
    }
    st = unique_keys(m);
    if (st != OC_OK)
        goto out;
    m->phones = calloc(n, sizeof(*m->phones));
    if (!m->phones) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if (m->cols[i].field == LEAD_FIELD_PHONE && m->cols[i].explicit_rule == (pass == 0))
                m->phones[m->n_phones++] = i;

out:
    if (st != OC_OK) {
        header_map_free(m);
        return st;
    }
    *out = m;
    return OC_OK;
}
