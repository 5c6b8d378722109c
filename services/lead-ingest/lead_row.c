/*
 * Lead checks (see lead_row.h). The order of the checks is the order of
 * what matters: without a number there is nothing to call, so the phone
 * comes first; then the e-mail; then the time zone, whose choice needs the
 * number. Values are trimmed; a name is built from first and last name
 * when only those were given.
 */
#include "lead_row.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reject_names[] = {
    "unspecified",   "malformed",        "missing_phone",     "invalid_phone",
    "invalid_email", "invalid_timezone", "duplicate_in_file", "duplicate_in_campaign",
    "encoding",      "too_long",
};

const char *lead_reject_code_name(enum lead_reject_code code)
{
    if ((unsigned)code >= sizeof(reject_names) / sizeof(reject_names[0]))
        return "unspecified";
    return reject_names[code];
}

enum lead_reject_code lead_reject_code_from_name(const char *name)
{
    for (size_t i = 1; name && i < sizeof(reject_names) / sizeof(reject_names[0]); i++)
        if (strcmp(reject_names[i], name) == 0)
            return (enum lead_reject_code)i;
    return LEAD_REJECT_UNSPECIFIED;
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* Values keep their inner spaces; the CSV reader already trimmed unquoted
 * cells, quoted ones may still carry spaces at the edges. */
static const char *or_empty(const char *s)
{
    if (!s)
        return "";
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static void reject(struct lead_reject *rej, enum lead_reject_code code, const char *fmt,
                   const char *a, const char *b)
{
    rej->code = code;
    snprintf(rej->reason_buf, sizeof(rej->reason_buf), fmt, a, b);
    rej->reason = rej->reason_buf;
    if (!rej->phone_e164)
        rej->phone_e164 = "";
}

/* Copies s without surrounding spaces into buf. */
static const char *trim_into(const char *s, char *buf, size_t len)
{
    s = or_empty(s);
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

enum oc_status lead_row_check(const struct lead_input *in, const struct lead_defaults *defaults,
                              struct lead_row *row, struct lead_reject *rej)
{
    char why[160];
    const char *first_raw = NULL;
    char first_err[160] = "";
    enum oc_status st;

    rej->phone_e164 = NULL;
    row->phone_raw = NULL;
    for (size_t i = 0; i < in->n_phones; i++) {
        const char *p = in->phones[i];
        if (blank(p))
            continue;
        st = phone_parse(p, defaults->region, true, &row->phone, why, sizeof(why));
        if (st == OC_OK) {
            row->phone_raw = or_empty(p);
            break;
        }
        if (st != OC_ERR_INVALID)
            return st;
        if (!first_raw) {
            first_raw = p;
            snprintf(first_err, sizeof(first_err), "%s", why);
        }
    }
    if (!row->phone_raw) {
        if (first_raw)
            reject(rej, LEAD_REJECT_INVALID_PHONE, "phone \"%.60s\": %s", or_empty(first_raw),
                   first_err);
        else
            reject(rej, LEAD_REJECT_MISSING_PHONE, "no phone number%s%s", "", "");
        return OC_ERR_INVALID;
    }
    snprintf(rej->e164_buf, sizeof(rej->e164_buf), "%s", row->phone.e164);
    rej->phone_e164 = rej->e164_buf;

    row->email = "";
    if (!blank(in->email)) {
        if (!email_check(in->email, row->email_buf, sizeof(row->email_buf), why, sizeof(why))) {
            reject(rej, LEAD_REJECT_INVALID_EMAIL, "email \"%.80s\": %s", or_empty(in->email), why);
            return OC_ERR_INVALID;
        }
        row->email = row->email_buf;
    }

    st = lead_tz_choose(in->timezone, &row->phone, defaults->campaign_zone, row->tz_buf,
                        sizeof(row->tz_buf), &row->tz_source, why, sizeof(why));
    if (st != OC_OK) {
        reject(rej, LEAD_REJECT_INVALID_TIMEZONE, "%s%s", why, "");
        return OC_ERR_INVALID;
    }
    row->timezone = row->tz_buf;

    row->first_name = or_empty(in->first_name);
    row->last_name = or_empty(in->last_name);
    row->company = or_empty(in->company);
    if (!blank(in->name)) {
        row->name = or_empty(in->name);
    } else if (!blank(in->first_name) || !blank(in->last_name)) {
        char f[LEAD_NAME_MAX / 2], l[LEAD_NAME_MAX / 2];
        trim_into(in->first_name, f, sizeof(f));
        trim_into(in->last_name, l, sizeof(l));
        snprintf(row->name_buf, sizeof(row->name_buf), "%s%s%s", f, f[0] && l[0] ? " " : "", l);
        row->name = row->name_buf;
    } else {
        row->name = "";
    }
    return OC_OK;
}

void lead_row_scratch_free(struct lead_row_scratch *s)
{
    free(s->custom);
    free(s->phones);
    free(s->keys);
    s->custom = NULL;
    s->phones = NULL;
    s->keys = NULL;
    s->cap = 0;
}

static enum lead_reject_code reader_code(enum csv_row_error e)
{
    switch (e) {
    case CSV_ROW_MALFORMED:
        return LEAD_REJECT_MALFORMED;
    case CSV_ROW_ENCODING:
        return LEAD_REJECT_ENCODING;
    case CSV_ROW_TOO_LONG:
        return LEAD_REJECT_TOO_LONG;
    default:
        return LEAD_REJECT_UNSPECIFIED;
    }
}

enum oc_status lead_row_from_record(const struct header_map *map, const struct csv_record *rec,
                                    const struct lead_defaults *defaults,
                                    struct lead_row_scratch *scratch, struct lead_row *row,
                                    struct lead_reject *rej)
{
    rej->line = rec->line;
    rej->raw = rec->raw;
    rej->raw_len = rec->raw_len;
    rej->phone_e164 = NULL;
    if (rec->error != CSV_ROW_OK) {
        reject(rej, reader_code(rec->error), "%s%s", rec->why ? rec->why : "unreadable row", "");
        return OC_ERR_INVALID;
    }

    size_t need = rec->nfields > map->n ? rec->nfields : map->n;
    if (scratch->cap < need) {
        struct lead_custom *c = realloc(scratch->custom, need * sizeof(*c));
        if (!c)
            return OC_ERR_NOMEM;
        scratch->custom = c;
        const char **p = realloc(scratch->phones, need * sizeof(*p));
        if (!p)
            return OC_ERR_NOMEM;
        scratch->phones = p;
        char(*k)[LEAD_KEY_MAX] = realloc(scratch->keys, need * sizeof(*k));
        if (!k)
            return OC_ERR_NOMEM;
        scratch->keys = k;
        scratch->cap = need;
    }

    struct lead_input in = {.phones = scratch->phones};
    for (size_t k = 0; k < map->n_phones; k++) {
        size_t i = map->phones[k];
        scratch->phones[in.n_phones++] = i < rec->nfields ? rec->fields[i] : NULL;
    }
    for (size_t i = 0; i < map->n && i < rec->nfields; i++) {
        const char *v = rec->fields[i];
        switch (map->cols[i].field) {
        case LEAD_FIELD_NAME:
            in.name = v;
            break;
        case LEAD_FIELD_FIRST_NAME:
            in.first_name = v;
            break;
        case LEAD_FIELD_LAST_NAME:
            in.last_name = v;
            break;
        case LEAD_FIELD_EMAIL:
            in.email = v;
            break;
        case LEAD_FIELD_COMPANY:
            in.company = v;
            break;
        case LEAD_FIELD_TIMEZONE:
            in.timezone = v;
            break;
        default:
            break;
        }
    }

    enum oc_status st = lead_row_check(&in, defaults, row, rej);
    if (st != OC_OK)
        return st;

    /* Custom fields: unmapped columns, phone columns not used, and cells
     * past the header; empty cells are left out. */
    size_t nc = 0;
    for (size_t i = 0; i < rec->nfields; i++) {
        const char *v = rec->fields[i];
        if (blank(v))
            continue;
        const struct header_column *col = header_map_column(map, i);
        if (col) {
            bool spare_phone = col->field == LEAD_FIELD_PHONE && or_empty(v) != row->phone_raw;
            if (col->field != LEAD_FIELD_CUSTOM && !spare_phone)
                continue;
        } else {
            snprintf(scratch->keys[i], sizeof(scratch->keys[i]), "column_%zu", i + 1);
        }
        scratch->custom[nc].key = col ? col->key : scratch->keys[i];
        scratch->custom[nc].value = or_empty(v);
        nc++;
    }
    row->custom = scratch->custom;
    row->n_custom = nc;
    row->line = rec->line;
    row->raw = rec->raw;
    row->raw_len = rec->raw_len;
    return OC_OK;
}

/* Appends s as a JSON string body; counts what does not fit. */
static size_t json_str(const char *s, char *out, size_t pos, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[7];
        size_t n = 0;
        switch (*p) {
        case '"':
            esc[n++] = '\\';
            esc[n++] = '"';
            break;
        case '\\':
            esc[n++] = '\\';
            esc[n++] = '\\';
            break;
        case '\n':
            esc[n++] = '\\';
            esc[n++] = 'n';
            break;
        case '\r':
            esc[n++] = '\\';
            esc[n++] = 'r';
            break;
        case '\t':
            esc[n++] = '\\';
            esc[n++] = 't';
            break;
        default:
            if (*p < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[*p >> 4];
                esc[5] = hex[*p & 15];
                n = 6;
            } else {
                esc[n++] = (char)*p;
            }
        }
        for (size_t i = 0; i < n; i++, pos++)
            if (pos + 1 < outlen)
                out[pos] = esc[i];
    }
    return pos;
}

static size_t json_ch(char c, char *out, size_t pos, size_t outlen)
{
    if (pos + 1 < outlen)
        out[pos] = c;
    return pos + 1;
}

size_t lead_custom_json(const struct lead_custom *custom, size_t n, char *out, size_t outlen)
{
    size_t pos = json_ch('{', out, 0, outlen);
    for (size_t i = 0; i < n; i++) {
        if (i)
            pos = json_ch(',', out, pos, outlen);
        pos = json_ch('"', out, pos, outlen);
        pos = json_str(custom[i].key, out, pos, outlen);
        pos = json_ch('"', out, pos, outlen);
        pos = json_ch(':', out, pos, outlen);
        pos = json_ch('"', out, pos, outlen);
        pos = json_str(custom[i].value, out, pos, outlen);
        pos = json_ch('"', out, pos, outlen);
    }
    pos = json_ch('}', out, pos, outlen);
    if (outlen)
        out[pos < outlen ? pos : outlen - 1] = '\0';
    return pos;
}
