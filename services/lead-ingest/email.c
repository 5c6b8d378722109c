/*
 * E-mail syntax checks for lead rows (see email.h). The local part may be
 * dot-atoms of the characters RFC 5322 allows, and UTF-8 (RFC 6531); the
 * domain is labels of letters, digits and hyphens (or UTF-8, for
 * internationalised names), at least two of them, none starting or ending
 * with a hyphen. Quoted local parts and address literals are refused: they
 * are legal, but in a lead list they are typing mistakes.
 */
#include "email.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool local_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool check_local(const char *s, size_t n, char *why, size_t whylen)
{
    if (n == 0) {
        snprintf(why, whylen, "nothing before the @");
        return false;
    }
    if (n > 64) {
        snprintf(why, whylen, "the part before the @ is longer than 64 characters");
        return false;
    }
    if (s[0] == '.' || s[n - 1] == '.') {
        snprintf(why, whylen, "a dot at the start or end of the part before the @");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.') {
                snprintf(why, whylen, "two dots in a row");
                return false;
            }
        } else if (!local_char(c)) {
            snprintf(why, whylen, "the character '%c' is not allowed", isprint(c) ? c : '?');
            return false;
        }
    }
    return true;
}

static bool check_domain(const char *s, size_t n, char *why, size_t whylen)
{
    size_t labels = 0, len = 0;
    if (n == 0) {
        snprintf(why, whylen, "nothing after the @");
        return false;
    }
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            if (len == 0) {
                snprintf(why, whylen, "an empty part in the domain");
                return false;
            }
            if (s[i - 1] == '-' || s[i - len] == '-') {
                snprintf(why, whylen, "a domain part starts or ends with a hyphen");
                return false;
            }
            if (len > 63) {
                snprintf(why, whylen, "a domain part is longer than 63 characters");
                return false;
            }
            labels++;
            len = 0;
        } else if (isalnum(c) || c == '-' || c >= 0x80) {
            len++;
        } else {
            snprintf(why, whylen, "the character '%c' is not allowed in the domain",
                     isprint(c) ? c : '?');
            return false;
        }
    }
    if (labels < 2) {
        snprintf(why, whylen, "the domain has no dot");
        return false;
    }
    return true;
}

bool email_check(const char *text, char *out, size_t outlen, char *why, size_t whylen)
{
    while (isspace((unsigned char)*text))
        text++;
    if (strncasecmp(text, "mailto:", 7) == 0)
        text += 7;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0) {
        snprintf(why, whylen, "empty");
        return false;
    }
    if (n > EMAIL_MAX || n >= outlen) {
        snprintf(why, whylen, "longer than %d characters", EMAIL_MAX);
        return false;
    }
    const char *at = memchr(text, '@', n);
    if (!at) {
        snprintf(why, whylen, "no @");
        return false;
    }
    size_t local_n = (size_t)(at - text);
    if (memchr(at + 1, '@', n - local_n - 1)) {
        snprintf(why, whylen, "more than one @ (one address per cell)");
        return false;
    }
    if (!check_local(text, local_n, why, whylen) ||
        !check_domain(at + 1, n - local_n - 1, why, whylen))
        return false;
    memcpy(out, text, n);
    out[n] = '\0';
    for (size_t i = local_n + 1; i < n; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return true;
}
