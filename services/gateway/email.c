/*
 * E-mail address syntax for sign-up and the form addresses are stored in.
 * Deliberately narrower than RFC 5322 (no quoted local parts, comments or
 * address literals): it accepts what people type for a work address and
 * rejects what is surely a mistake. Whether the mailbox exists is for a
 * confirmation e-mail to find out, not for this check. Addresses are stored
 * lowercased, local part included: the standard lets a mail server tell
 * Bob@ from bob@, but no real one does, and two accounts that differ only in
 * case would be a trap. Pure.
 */
#include <ctype.h>
#include <string.h>

#include "gateway.h"

#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

static bool email_local_char(int c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* Dot-separated atoms: no empty atom, so no leading, trailing or double dot. */
static bool email_local_valid(const char *s, size_t n)
{
    if (n == 0 || n > EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (c > 127 || !email_local_char(c)) {
            return false;
        }
    }
    return true;
}

/* Host name labels; at least two, the last (top level) two or more
 * characters and not all digits, which also rules out IPv4 literals. */
static bool email_domain_valid(const char *s, size_t n)
{
    size_t labels = 0;
    size_t i = 0;

    while (i <= n) {
        size_t start = i;
        bool all_digits = true;

        while (i < n && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];

            if (c > 127 || !(isalnum(c) || c == '-'))
                return false;
            if (!isdigit(c))
                all_digits = false;
            i++;
        }
        size_t len = i - start;
        if (len == 0 || len > EMAIL_LABEL_MAX || s[start] == '-' || s[i - 1] == '-')
            return false;
        labels++;
        if (i == n)
            return labels >= 2 && len >= 2 && !all_digits;
        i++; /* the dot */
    }
    return false;
}

bool gw_email_valid(const char *s)
{
    const char *at;
    size_t n;

    if (s == NULL)
        return false;
    n = strlen(s);
    if (n < 6 || n > GW_EMAIL_MAX)
        return false;
    at = strchr(s, '@');
    if (at == NULL || strchr(at + 1, '@') != NULL)
        return false;
    return email_local_valid(s, (size_t)(at - s)) &&
           email_domain_valid(at + 1, n - (size_t)(at - s) - 1);
}

bool gw_email_normalise(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);

    if (n + 1 > outlen)
        return false;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    return true;
}
