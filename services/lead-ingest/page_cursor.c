/*
 * Keyset cursors (see page_cursor.h). The key may hold any text (a name
 * with a "|" in it), so the id, a fixed-length UUID, is read from the end.
 */
#include "page_cursor.h"

#include <ctype.h>
#include <string.h>

#include "oc/crypto.h"

#define CURSOR_MAX 1024

char *page_cursor_encode(struct oc_arena *a, char kind, const char *key, const char *id)
{
    char *plain = oc_arena_printf(a, "%c|%s|%s", kind, key, id);
    if (!plain)
        return NULL;
    size_t n = strlen(plain);
    char *out = oc_arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    oc_base64_encode(plain, n, out);
    /* url-safe and unpadded: it travels in query strings */
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=')
            *p = '\0';
    }
    return out;
}

enum oc_status page_cursor_decode(struct oc_arena *a, const char *text, char want,
                                  struct page_cursor *out)
{
    if (!text || !*text) {
        out->kind = want;
        out->key = NULL;
        out->id = NULL;
        return OC_OK;
    }
    size_t n = strlen(text);
    if (n > CURSOR_MAX)
        return OC_ERR_INVALID;
    uint8_t *plain = oc_arena_alloc(a, n + 1);
    size_t len = 0;
    if (!plain)
        return OC_ERR_NOMEM;
    if (oc_base64_decode(text, n, plain, n, &len) != OC_OK)
        return OC_ERR_INVALID;
    plain[len] = '\0';
    if (strlen((char *)plain) != len || len < 2 + 1 + 36 || plain[0] != (uint8_t)want ||
        plain[1] != '|' || plain[len - 37] != '|')
        return OC_ERR_INVALID;
    char *s = (char *)plain;
    s[len - 37] = '\0';
    if (!oc_uuid_valid(s + len - 36))
        return OC_ERR_INVALID;
    out->kind = want;
    out->key = s + 2;
    out->id = s + len - 36;
    return OC_OK;
}

int page_limit(int requested)
{
    if (requested <= 0)
        return PAGE_DEFAULT_LIMIT;
    return requested > PAGE_MAX_LIMIT ? PAGE_MAX_LIMIT : requested;
}
