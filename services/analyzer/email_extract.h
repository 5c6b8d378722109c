/*
 * E-mail addresses in a transcript: typed ("ana.gil@empresa.es"), spoken
 * ("marta punto ruiz arroba hotmail punto es", "sarah dot jones at outlook
 * dot com") or spelled letter by letter ("jota, o, ese, e, arroba gmail
 * punto com", "m, i, k, e, underscore..."). The contact's words come
 * first; an address typed in the agent's read-back is the fallback. No I/O.
 */
#ifndef ANALYZER_EMAIL_EXTRACT_H
#define ANALYZER_EMAIL_EXTRACT_H

#include <stdbool.h>

#include "oc/arena.h"
#include "tokens.h"

/** The address, lower-cased, allocated in arena; NULL when there is none. */
const char *email_extract_find(const struct tokens *tk, enum lang lang, struct oc_arena *arena);

#endif
