/*
 * Protobuf in and out (see analysis_pb.h). The calling code checks ids and
 * tenants; here only the shape of the messages matters.
 */
#include <stdio.h>
#include <string.h>

#include "analysis_pb.h"
#include "local_time.h"

/* Zones and countries for calls that carry none; the platform's first markets. */
#define DEFAULT_ZONE "Europe/Madrid"
#define DEFAULT_COUNTRY "ES"

const char *analysis_pb_country_of(const char *e164)
{
    static const struct {
        const char *prefix, *country;
    } plans[] = {{"+34", "ES"}, {"+1", "US"},  {"+44", "GB"}, {"+52", "MX"},
                 {"+57", "CO"}, {"+54", "AR"}, {"+56", "CL"}, {"+51", "PE"},
                 {"+33", "FR"}, {"+49", "DE"}, {"+39", "IT"}, {"+351", "PT"}};
    if (!e164 || e164[0] != '+')
        return "";
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
        if (strncmp(e164, plans[i].prefix, strlen(plans[i].prefix)) == 0)
            return plans[i].country;
    return "";
}

static enum hangup hangup_of(const Ocpb__CallEnded *ce)
{
    switch (ce->cause) {
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY:
        return HANGUP_BUSY;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER:
        return HANGUP_NO_ANSWER;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED:
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR:
        return ce->answered_unix_ms ? HANGUP_CONTACT : HANGUP_FAILED;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CANCELED:
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_EXPIRED:
        return HANGUP_CANCELED;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE:
        return HANGUP_MACHINE;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP:
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_TIMEOUT:
        return HANGUP_CONTACT;
    default:
        return ce->answered_unix_ms ? HANGUP_NORMAL : HANGUP_NO_ANSWER;
    }
}

enum oc_status analysis_pb_facts(const Ocpb__CallEnded *ce, struct oc_arena *arena,
                                 struct call_facts *out, char *err, size_t errlen)
{
    struct call_facts f = {0};
    if (!ce || !ce->call_id || !*ce->call_id) {
        snprintf(err, errlen, "the call has no call_id");
        return OC_ERR_INVALID;
    }
    f.lang = ce->language == OCPB__LANGUAGE__LANGUAGE_EN ? LANG_EN : LANG_ES;
    f.started_ms = ce->answered_unix_ms ? ce->answered_unix_ms
                   : ce->dialed_unix_ms ? ce->dialed_unix_ms
                                        : ce->ended_unix_ms;
    if (!f.started_ms) {
        snprintf(err, errlen, "the call has no time (dialed, answered or ended)");
        return OC_ERR_INVALID;
    }
    struct local_zone *z = NULL;
    if (ce->timezone && *ce->timezone && local_zone_new(&z, ce->timezone) == OC_OK) {
        f.timezone = ce->timezone;
        local_zone_free(z);
    } else {
        f.timezone = DEFAULT_ZONE;
    }
    const char *country = ce->country && strlen(ce->country) == 2
                              ? ce->country
                              : analysis_pb_country_of(ce->phone_e164);
    if (!*country)
        country = DEFAULT_COUNTRY;
    f.country[0] = (char)(country[0] & ~0x20);
    f.country[1] = (char)(country[1] & ~0x20);
    f.contact_name = ce->contact_name && *ce->contact_name ? ce->contact_name : NULL;
    f.phone_e164 = ce->phone_e164 && *ce->phone_e164 ? ce->phone_e164 : NULL;
    f.voicemail = ce->amd == OCPB__AMD_RESULT__AMD_RESULT_MACHINE;
    f.hangup = hangup_of(ce);
    if (ce->n_bookings > 0 && ce->bookings[0])
        f.booking_ms = ce->bookings[0]->start_unix_ms;
    struct turn *turns =
        oc_arena_alloc(arena, (ce->n_transcript ? ce->n_transcript : 1) * sizeof(*turns));
    if (!turns)
        return OC_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < ce->n_transcript; i++) {
        const Ocpb__TranscriptTurn *t = ce->transcript[i];
        if (!t || !t->text)
            continue;
        turns[n].speaker =
            t->speaker == OCPB__SPEAKER__SPEAKER_AGENT ? SPEAKER_AGENT : SPEAKER_CONTACT;
        turns[n].text = t->text;
        n++;
    }
    f.turns = turns;
    f.n_turns = n;
    *out = f;
    return OC_OK;
}

/* A string the message may point to ("" for NULL). */
static char *s_(const char *s)
{
    return (char *)(s ? s : "");
}

Ocpb__Analysis *analysis_pb_build(const struct analysis *a, const Ocpb__CallEnded *ce,
                                  const struct call_facts *facts, struct oc_arena *arena)
{
    Ocpb__Analysis *m = oc_arena_alloc(arena, sizeof(*m));
    Ocpb__FollowUp *fu = oc_arena_alloc(arena, sizeof(*fu));
    Ocpb__Retry *re = oc_arena_alloc(arena, sizeof(*re));
    Ocpb__DoNotCall *dnc = oc_arena_alloc(arena, sizeof(*dnc));
    if (!m || !fu || !re || !dnc)
        return NULL;
    ocpb__analysis__init(m);
    ocpb__follow_up__init(fu);
    ocpb__retry__init(re);
    ocpb__do_not_call__init(dnc);

    m->call_id = s_(ce->call_id);
    m->dispatch_id = s_(ce->dispatch_id);
    m->campaign_id = s_(ce->campaign_id);
    m->lead_id = s_(ce->lead_id);
    m->outcome = (Ocpb__Outcome)a->outcome;

    fu->needed = a->follow_up;
    if (a->follow_up) {
        fu->due_unix_ms = a->follow_up_ms;
        fu->confidence = (Ocpb__Confidence)a->confidence;
        fu->reason = s_(a->reason);
        fu->grain = (Ocpb__TimeGrain)a->grain;
        fu->time_explicit = a->time_explicit;
        fu->phone_e164 = s_(a->alt_number);
        if (a->window_start_ms) {
            Ocpb__TimeWindow *w = oc_arena_alloc(arena, sizeof(*w));
            if (!w)
                return NULL;
            ocpb__time_window__init(w);
            w->start_unix_ms = a->window_start_ms;
            w->end_unix_ms = a->window_end_ms;
            fu->window = w;
        }
    } else if (a->retry) {
        /* Voicemail and unanswered calls carry their (low) confidence too. */
        fu->confidence = (Ocpb__Confidence)a->confidence;
    }
    m->follow_up = fu;
    re->needed = a->retry;
    if (a->retry) {
        re->due_unix_ms = a->retry_ms;
        re->reason = s_(a->reason);
    }
    m->retry = re;
    if (a->alt_number) {
        Ocpb__AlternativeContact *alt = oc_arena_alloc(arena, sizeof(*alt));
        if (!alt)
            return NULL;
        ocpb__alternative_contact__init(alt);
        alt->name = s_(a->alt_name);
        alt->role = s_(a->alt_role);
        alt->phone_e164 = s_(a->alt_number);
        alt->phone_spoken = s_(a->alt_spoken);
        m->alternative = alt;
    }
    dnc->requested = a->dnc != DNC_NONE;
    dnc->risk = (Ocpb__DncRisk)a->dnc;
    dnc->evidence = s_(a->dnc_evidence);
    m->dnc = dnc;
    m->email = s_(a->email);
    m->meeting_unix_ms = a->meeting_ms;
    m->contact_name = s_(a->contact_name);

    /* Extracted fields by name, the three above included. */
    Ocpb__Analysis__FieldsEntry **fields = oc_arena_alloc(arena, 4 * sizeof(*fields));
    if (!fields)
        return NULL;
    size_t nf = 0;
    char iso[32];
    const char *keys[4] = {0}, *vals[4] = {0};
    if (a->email) {
        keys[nf] = "email";
        vals[nf++] = a->email;
    }
    if (a->meeting_ms) {
        struct local_zone *z = NULL;
        if (local_zone_new(&z, facts->timezone) == OC_OK) {
            struct civil c = local_zone_from_ms(z, a->meeting_ms);
            civil_format(&c, iso, sizeof(iso));
            local_zone_free(z);
            keys[nf] = "meeting_at";
            vals[nf++] = oc_arena_strdup(arena, iso);
        }
    }
    if (a->contact_name) {
        keys[nf] = "contact_name";
        vals[nf++] = a->contact_name;
    }
    if (a->alt_role) {
        keys[nf] = "alt_role";
        vals[nf++] = a->alt_role;
    }
    for (size_t i = 0; i < nf; i++) {
        Ocpb__Analysis__FieldsEntry *e = oc_arena_alloc(arena, sizeof(*e));
        if (!e || !vals[i])
            return NULL;
        ocpb__analysis__fields_entry__init(e);
        e->key = (char *)keys[i];
        e->value = (char *)vals[i];
        fields[i] = e;
    }
    m->fields = fields;
    m->n_fields = nf;
    m->summary = s_(a->summary);
    m->language =
        facts->lang == LANG_EN ? OCPB__LANGUAGE__LANGUAGE_EN : OCPB__LANGUAGE__LANGUAGE_ES;
    m->mode = OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES;
    m->fallback_reason = "";
    m->version = ANALYSIS_RULES_VERSION;
    m->call_started_unix_ms = facts->started_ms;
    m->timezone = s_(facts->timezone);
    m->id = "";
    return m;
}
