/*
 * Reasons and summaries (see summary.h), from fixed sentences per language
 * so they read the same every time and stay short. Dates are written the
 * way each language says them ("el viernes 13 de marzo a las 15:00",
 * "Friday, March 13 at 3:00 PM").
 */
#include <stdio.h>
#include <string.h>

#include "summary.h"

static const char *const weekdays_es[] = {"",       "lunes",   "martes", "miércoles",
                                          "jueves", "viernes", "sábado", "domingo"};
static const char *const weekdays_en[] = {"",         "Monday", "Tuesday",  "Wednesday",
                                          "Thursday", "Friday", "Saturday", "Sunday"};
static const char *const months_es[] = {"",        "enero",     "febrero",  "marzo",  "abril",
                                        "mayo",    "junio",     "julio",    "agosto", "septiembre",
                                        "octubre", "noviembre", "diciembre"};
static const char *const months_en[] = {"",        "January",  "February", "March",  "April",
                                        "May",     "June",     "July",     "August", "September",
                                        "October", "November", "December"};

/* "el viernes 13 de marzo" / "Friday, March 13" */
static void day_words(enum lang lang, const struct civil *c, char *buf, size_t len)
{
    int wd = civil_weekday(c);
    if (lang == LANG_ES)
        snprintf(buf, len, "el %s %d de %s", weekdays_es[wd], c->day, months_es[c->month]);
    else
        snprintf(buf, len, "%s, %s %d", weekdays_en[wd], months_en[c->month], c->day);
}

/* "a las 15:00" / "at 3:00 PM" */
static void clock_words(enum lang lang, const struct civil *c, char *buf, size_t len)
{
    if (lang == LANG_ES) {
        snprintf(buf, len, "a las %02d:%02d", c->hour, c->minute);
    } else {
        int h = c->hour % 12 ? c->hour % 12 : 12;
        snprintf(buf, len, "at %d:%02d %s", h, c->minute, c->hour < 12 ? "AM" : "PM");
    }
}

/* The follow-up's time in words. */
static void when_words(const struct analysis *a, enum lang lang, struct local_zone *z, char *buf,
                       size_t len)
{
    struct civil at = local_zone_from_ms(z, a->follow_up_ms);
    char day[64], clock[32];
    day_words(lang, &at, day, sizeof(day));
    clock_words(lang, &at, clock, sizeof(clock));
    if (a->window_start_ms && a->window_end_ms - a->window_start_ms > 26 * 3600000LL) {
        struct civil s = local_zone_from_ms(z, a->window_start_ms);
        struct civil e = local_zone_from_ms(z, a->window_end_ms - 1);
        if (lang == LANG_ES)
            snprintf(buf, len, "entre el %d de %s y el %d de %s", s.day, months_es[s.month], e.day,
                     months_es[e.month]);
        else
            snprintf(buf, len, "between %s %d and %s %d", months_en[s.month], s.day,
                     months_en[e.month], e.day);
        return;
    }
    if (a->window_start_ms && a->grain == GRAIN_PART_OF_DAY) {
        struct civil s = local_zone_from_ms(z, a->window_start_ms);
        struct civil e = local_zone_from_ms(z, a->window_end_ms);
        if (lang == LANG_ES)
            snprintf(buf, len, "%s entre las %02d:%02d y las %02d:%02d", day, s.hour, s.minute,
                     e.hour, e.minute);
        else
            snprintf(buf, len, "on %s between %d:%02d %s and %d:%02d %s", day,
                     s.hour % 12 ? s.hour % 12 : 12, s.minute, s.hour < 12 ? "AM" : "PM",
                     e.hour % 12 ? e.hour % 12 : 12, e.minute, e.hour < 12 ? "AM" : "PM");
        return;
    }
    if (a->grain == GRAIN_DAY || a->grain == GRAIN_WEEK || a->grain == GRAIN_MONTH) {
        snprintf(buf, len, "%s%s", lang == LANG_EN ? "on " : "", day);
        return;
    }
    snprintf(buf, len, "%s%s %s", lang == LANG_EN ? "on " : "", day, clock);
}

static const char *reason_text(const struct analysis *a, enum outcome_why why, enum lang lang,
                               struct local_zone *z, struct oc_arena *arena)
{
    bool es = lang == LANG_ES;
    char when[160];
    if (a->follow_up)
        when_words(a, lang, z, when, sizeof(when));
    switch (why) {
    case WHY_TIME_NAMED:
        return oc_arena_printf(arena, es ? "Pidió que le llamaran %s." : "Asked to be called %s.",
                               when);
    case WHY_LATER:
        return es ? "Pidió que le llamaran más tarde; se vuelve a llamar en 24 horas."
                  : "Asked to be called later; calling again in 24 hours.";
    case WHY_WHILE:
        return es ? "Pidió que le llamaran en un rato; se vuelve a llamar en dos horas."
                  : "Asked to be called in a while; calling again in two hours.";
    case WHY_NEXT_WEEK:
        return oc_arena_printf(arena,
                               es ? "Pidió que le llamaran la semana que viene (%s)."
                                  : "Asked to be called next week (%s).",
                               when);
    case WHY_FEW_DAYS:
        return es ? "Pidió que le llamaran en un par de días."
                  : "Asked to be called in a couple of days.";
    case WHY_BUSY_INTERESTED:
        return es ? "Mostró interés pero estaba ocupado; se vuelve a llamar en dos o tres días."
                  : "Interested but busy; calling again in two to three days.";
    case WHY_SEND_INFO:
        return es ? "Pidió información; se hace seguimiento en dos o tres días."
                  : "Asked for information; following up in two to three days.";
    case WHY_ALT_NUMBER:
        return es ? "Dio otro número para continuar la conversación."
                  : "Gave another number to continue the conversation.";
    case WHY_BUSY_ONLY:
        return es ? "Estaba ocupado; se vuelve a llamar en dos o tres días."
                  : "Was busy; calling again in two to three days.";
    case WHY_RETRY_BUSY:
        return es ? "Línea ocupada; se reintenta en una hora." : "Busy line; retrying in an hour.";
    case WHY_RETRY_NO_ANSWER:
        return es ? "No contestó; se reintenta en cuatro horas."
                  : "No answer; retrying in four hours.";
    case WHY_RETRY_FAILED:
        return es ? "La llamada falló; se reintenta en una hora."
                  : "The call failed; retrying in an hour.";
    case WHY_RETRY_VOICEMAIL:
        return es ? "Saltó el buzón de voz; se reintenta en 48 horas."
                  : "Went to voicemail; retrying in 48 hours.";
    case WHY_RETRY_VOICEMAIL_BACK: {
        struct civil c = local_zone_from_ms(z, a->retry_ms);
        char day[64];
        day_words(lang, &c, day, sizeof(day));
        return oc_arena_printf(arena,
                               es ? "Saltó el buzón de voz: vuelve %s; se reintenta ese día."
                                  : "Went to voicemail: back %s%s; retrying that day.",
                               es ? day : "on ", es ? "" : day);
    }
    case WHY_RETRY_HUNG_UP:
        return es ? "Colgó sin hablar; se reintenta en 48 horas."
                  : "Hung up without talking; retrying in 48 hours.";
    case WHY_MEETING: {
        struct civil c = local_zone_from_ms(z, a->meeting_ms);
        char day[64], clock[32];
        day_words(lang, &c, day, sizeof(day));
        clock_words(lang, &c, clock, sizeof(clock));
        return oc_arena_printf(
            arena, es ? "Reunión acordada para %s %s." : "Meeting booked for %s %s.", day, clock);
    }
    case WHY_NOT_INTERESTED:
        return es ? "No está interesado." : "Not interested.";
    case WHY_DNC:
        return es ? "Pidió que no le volvieran a llamar." : "Asked not to be called again.";
    case WHY_WRONG_NUMBER:
        return es ? "Número equivocado." : "Wrong number.";
    case WHY_SELF_CALLBACK:
        return es ? "Dijo que llamará cuando lo decida." : "Said they will call when they decide.";
    case WHY_CANCELED:
        return es ? "La plataforma canceló la llamada." : "The platform canceled the call.";
    case WHY_NOTHING:
    case WHY_NONE:
        break;
    }
    return es ? "Sin siguiente paso claro." : "No clear next step.";
}

void summary_write(struct analysis *a, enum outcome_why why, const struct call_facts *call,
                   struct local_zone *zone, struct oc_arena *arena)
{
    bool es = call->lang == LANG_ES;
    const char *reason = reason_text(a, why, call->lang, zone, arena);
    /* The alternative contact goes with the reason: the next agent needs it. */
    if (a->alt_number && a->follow_up) {
        const char *who = a->alt_name ? a->alt_name : (es ? "el contacto" : "the contact");
        reason =
            oc_arena_printf(arena, es ? "%s Llamar a %s%s%s%s al %s." : "%s Call %s%s%s%s on %s.",
                            reason, who, a->alt_role ? " (" : "", a->alt_role ? a->alt_role : "",
                            a->alt_role ? ")" : "", a->alt_number);
    }
    a->reason = reason ? reason : "";

    static const char *const outcome_es[] = {"",
                                             "Reunión agendada",
                                             "Pide que le volvamos a llamar",
                                             "No está interesado",
                                             "No hubo conversación",
                                             "Número equivocado",
                                             "Sin resultado claro"};
    static const char *const outcome_en[] = {"",
                                             "Meeting booked",
                                             "Wants a call back",
                                             "Not interested",
                                             "No conversation",
                                             "Wrong number",
                                             "No clear result"};
    const char *name =
        a->contact_name && *a->contact_name ? a->contact_name : (es ? "Contacto" : "Contact");
    const char *outcome = (es ? outcome_es : outcome_en)[a->outcome <= 6 ? a->outcome : 6];
    char extra[512] = "";
    size_t n = 0;
    if (a->email)
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, es ? " Correo: %s." : " Email: %s.",
                              a->email);
    /* A follow-up's reason already names the other number. */
    if (a->alt_number && !a->follow_up && n < sizeof(extra))
        n += (size_t)snprintf(
            extra + n, sizeof(extra) - n, es ? " Otro número: %s%s%s." : " Other number: %s%s%s.",
            a->alt_number, a->alt_name ? " - " : "", a->alt_name ? a->alt_name : "");
    if (a->dnc != DNC_NONE && n < sizeof(extra))
        snprintf(extra + n, sizeof(extra) - n,
                 es ? " No llamar (riesgo %s)." : " Do not call (%s risk).",
                 es ? (a->dnc == DNC_HIGH     ? "alto"
                       : a->dnc == DNC_MEDIUM ? "medio"
                                              : "bajo")
                    : dnc_rules_risk_name(a->dnc));
    a->summary = oc_arena_printf(arena, "%s: %s. %s%s", name, outcome, a->reason, extra);
    if (!a->summary)
        a->summary = "";
}
