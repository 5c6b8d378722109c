/*
 * Do-not-call requests and their risk, from what the contact said:
 *   high    explicit ("no me llaméis más", "take me off your list") or a
 *           threat of complaint ("pongo una denuncia", "I'll report you");
 *   medium  strong annoyance ("¡dejadme en paz!", "stop bothering me");
 *   low     ambiguous ("no sé si quiero que me vuelvan a llamar").
 * High and medium blacklist the number; low is recorded only. A refusal
 * ("no me interesa", "not interested") is never a do-not-call request, and
 * neither is a request about how to call ("no me llames al fijo", "don't
 * call me before 10"). No I/O.
 */
#ifndef ANALYZER_DNC_RULES_H
#define ANALYZER_DNC_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "tokens.h"

/* Numbered as ocpb.DncRisk. */
enum dnc_risk { DNC_NONE = 0, DNC_LOW = 1, DNC_MEDIUM = 2, DNC_HIGH = 3 };

struct dnc_result {
    enum dnc_risk risk;
    size_t begin, end; /* the tokens that decided it (evidence); 0, 0 when none */
};

/** Assesses every contact turn; the strongest request wins. */
struct dnc_result dnc_rules_assess(const struct tokens *tk, enum lang lang);

/** True when a risk blacklists the number (medium and high). */
bool dnc_rules_blacklists(enum dnc_risk risk);

/** "low", "medium", "high" (NULL for none). */
const char *dnc_rules_risk_name(enum dnc_risk risk);

#endif
