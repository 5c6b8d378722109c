/*
 * The analyzer against the running stack, over NATS only. Each test plays
 * media's part: it publishes calls.ended on JetStream for a tenant of its
 * own, then checks what the analyzer emits (analysis.done on JetStream and
 * evt.<tenant>.analysis.done for the dashboard) and serves
 * (analysis.get, analysis.list, analysis.analyze): the right outcome and
 * follow-up, one analysis however often the call's end is delivered, a
 * tenant that never sees another's analyses, do-not-call requests carried
 * with the number to blacklist, and erasure with the lead.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "oc/crypto.h"
#include "proto/analyzer.pb-c.h"
#include "proto/leads.pb-c.h"

#define WAIT_MS 15000

/* 2026-03-10 10:15 in Madrid, a Tuesday; "el viernes a las tres" is the 13th at 15:00. */
#define TUESDAY_MADRID_MS 1773134100000LL
#define FRIDAY_15H_MADRID_MS 1773410400000LL
/* 2026-03-10 10:15 in New York. */
#define TUESDAY_NEW_YORK_MS 1773152100000LL

struct call {
    char tenant[37], call_id[37], campaign_id[37], lead_id[37], dispatch[48];
};

static void new_call(struct call *c)
{
    cr_assert_eq(oc_uuid_v4(c->tenant), OC_OK);
    cr_assert_eq(oc_uuid_v4(c->call_id), OC_OK);
    cr_assert_eq(oc_uuid_v4(c->campaign_id), OC_OK);
    cr_assert_eq(oc_uuid_v4(c->lead_id), OC_OK);
    snprintf(c->dispatch, sizeof(c->dispatch), "%s:1", c->call_id);
}

/* Publishes calls.ended for c with the given turns (speaker 'a' or 'c' + text). */
static void publish_ended(struct oc_bus *bus, const struct call *c, const char *lang,
                          const char *zone, const char *phone, int64_t answered_ms,
                          const char *const *turns, size_t n, const char *msg_suffix)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    Ocpb__TranscriptTurn tt[8];
    Ocpb__TranscriptTurn *tp[8];
    char event_id[37], msg_id[128];
    cr_assert_eq(oc_uuid_v4(event_id), OC_OK);
    meta.event_id = event_id;
    meta.tenant_id = (char *)c->tenant;
    meta.occurred_unix_ms = answered_ms + 60000;
    e.meta = &meta;
    e.call_id = (char *)c->call_id;
    e.dispatch_id = (char *)c->dispatch;
    e.campaign_id = (char *)c->campaign_id;
    e.lead_id = (char *)c->lead_id;
    e.media_instance_id = "test";
    e.dialed_unix_ms = answered_ms - 5000;
    e.answered_unix_ms = answered_ms;
    e.ended_unix_ms = answered_ms + 60000;
    e.duration_ms = 60000;
    e.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP;
    e.sip_code = 200;
    e.amd = OCPB__AMD_RESULT__AMD_RESULT_HUMAN;
    e.language =
        strcmp(lang, "en") == 0 ? OCPB__LANGUAGE__LANGUAGE_EN : OCPB__LANGUAGE__LANGUAGE_ES;
    e.timezone = (char *)zone;
    e.country = strcmp(lang, "en") == 0 ? "US" : "ES";
    e.contact_name = "Contacto de prueba";
    e.phone_e164 = (char *)phone;
    cr_assert_leq(n, 8);
    for (size_t i = 0; i < n; i++) {
        ocpb__transcript_turn__init(&tt[i]);
        tt[i].speaker =
            turns[i][0] == 'a' ? OCPB__SPEAKER__SPEAKER_AGENT : OCPB__SPEAKER__SPEAKER_CONTACT;
        tt[i].text = (char *)turns[i] + 2;
        tt[i].start_ms = (int64_t)i * 5000;
        tt[i].end_ms = (int64_t)i * 5000 + 4000;
        tp[i] = &tt[i];
    }
    e.transcript = tp;
    e.n_transcript = n;
    snprintf(msg_id, sizeof(msg_id), "ended:%s%s", c->dispatch, msg_suffix);
    cr_assert_eq(oc_js_publish(bus, "calls.ended", &e.base, msg_id, NULL), OC_OK,
                 "cannot publish calls.ended");
}

/* Waits for an AnalysisDone about call_id on sub; caller frees it. */
static Ocpb__AnalysisDone *wait_done(natsSubscription *sub, const char *call_id)
{
    long long until = th_now_ms() + WAIT_MS;
    while (th_now_ms() < until) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 250) != NATS_OK)
            continue;
        Ocpb__AnalysisDone *d = ocpb__analysis_done__unpack(NULL, (size_t)natsMsg_GetDataLength(m),
                                                            (const uint8_t *)natsMsg_GetData(m));
        natsMsg_Destroy(m);
        if (d && d->analysis && strcmp(d->analysis->call_id, call_id) == 0)
            return d;
        if (d)
            ocpb__analysis_done__free_unpacked(d, NULL);
    }
    cr_assert_fail("no analysis.done for call %s within %d ms", call_id, WAIT_MS);
    return NULL;
}

static natsSubscription *subscribe(struct oc_bus *bus, const char *subject)
{
    natsSubscription *sub = NULL;
    cr_assert_eq(natsConnection_SubscribeSync(&sub, oc_bus_nats(bus), subject), NATS_OK,
                 "cannot subscribe to %s", subject);
    return sub;
}

/* analysis.get as tenant; *out on OC_OK (caller frees). */
static enum oc_status get_analysis(struct oc_bus *bus, const char *tenant, const char *call_id,
                                   Ocpb__GetAnalysisReply **out)
{
    Ocpb__GetAnalysisRequest req = OCPB__GET_ANALYSIS_REQUEST__INIT;
    req.call_id = (char *)call_id;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    char err[256] = "";
    return oc_bus_call(bus, "analysis.get", &call, &req.base, &ocpb__get_analysis_reply__descriptor,
                       NULL, (ProtobufCMessage **)out, err, sizeof(err));
}

Test(analyzer, call_ended_gives_analysis_done_and_get_answers_its_tenant_only, .timeout = 60)
{
    struct oc_bus *bus = th_bus();
    struct call c, other;
    new_call(&c);
    new_call(&other);
    char evt[128];
    snprintf(evt, sizeof(evt), "evt.%s.analysis.done", c.tenant);
    natsSubscription *done = subscribe(bus, "analysis.done");
    natsSubscription *dash = subscribe(bus, evt);
    static const char *const turns[] = {
        "a Hola, buenos días, le llamo de Telecable por la oferta de fibra.",
        "c Uf, ahora mismo no puedo, estoy entrando en una reunión.",
        "a Sin problema. ¿Cuándo le viene mejor que la llame?",
        "c Llámame el viernes a las tres, que estoy más tranquila.",
        "a Perfecto, la llamo el viernes a las tres. Gracias.",
    };
    publish_ended(bus, &c, "es", "Europe/Madrid", "+34600111222", TUESDAY_MADRID_MS, turns, 5, "");

    Ocpb__AnalysisDone *d = wait_done(done, c.call_id);
    const Ocpb__Analysis *a = d->analysis;
    cr_expect_str_eq(d->meta->tenant_id, c.tenant);
    cr_expect_str_eq(d->phone_e164, "+34600111222");
    cr_expect_eq(a->outcome, OCPB__OUTCOME__OUTCOME_CALLBACK);
    cr_assert_not_null(a->follow_up);
    cr_expect(a->follow_up->needed);
    cr_expect_eq(a->follow_up->due_unix_ms, FRIDAY_15H_MADRID_MS);
    cr_expect_eq(a->follow_up->confidence, OCPB__CONFIDENCE__CONFIDENCE_HIGH);
    cr_expect(a->follow_up->time_explicit);
    cr_expect(strlen(a->follow_up->reason) > 0, "a reason in the call's language");
    cr_expect_not(a->retry && a->retry->needed);
    cr_expect_eq(a->mode, OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES);
    cr_expect_str_eq(a->dispatch_id, c.dispatch);
    cr_expect_str_eq(a->campaign_id, c.campaign_id);
    cr_expect(strlen(a->id) == 36, "the stored analysis has an id");

    Ocpb__AnalysisDone *e = wait_done(dash, c.call_id);
    cr_expect_str_eq(e->analysis->id, a->id);
    ocpb__analysis_done__free_unpacked(e, NULL);

    Ocpb__GetAnalysisReply *got = NULL;
    cr_assert_eq(get_analysis(bus, c.tenant, c.call_id, &got), OC_OK);
    cr_expect_str_eq(got->analysis->id, a->id);
    cr_expect_eq(got->analysis->follow_up->due_unix_ms, FRIDAY_15H_MADRID_MS);
    cr_expect_str_eq(got->analysis->timezone, "Europe/Madrid");
    protobuf_c_message_free_unpacked(&got->base, NULL);

    /* Another tenant never sees it. */
    Ocpb__GetAnalysisReply *none = NULL;
    cr_expect_eq(get_analysis(bus, other.tenant, c.call_id, &none), OC_ERR_NOT_FOUND);

    ocpb__analysis_done__free_unpacked(d, NULL);
    natsSubscription_Destroy(dash);
    natsSubscription_Destroy(done);
    oc_bus_free(bus);
}

Test(analyzer, a_call_delivered_twice_is_analysed_once, .timeout = 60)
{
    struct oc_bus *bus = th_bus();
    struct call c;
    new_call(&c);
    natsSubscription *done = subscribe(bus, "analysis.done");
    static const char *const turns[] = {
        "a Hi, this is Chris from SunPeak Solar.",
        "c Oh, I'm interested, but I'm swamped right now. Call me next week.",
    };
    publish_ended(bus, &c, "en", "America/New_York", "+16175550100", TUESDAY_NEW_YORK_MS, turns, 2,
                  "");
    Ocpb__AnalysisDone *first = wait_done(done, c.call_id);
    /* The same call's end again (a second reporter, or a redelivery). */
    publish_ended(bus, &c, "en", "America/New_York", "+16175550100", TUESDAY_NEW_YORK_MS, turns, 2,
                  ":again");

    Ocpb__ListAnalysesRequest req = OCPB__LIST_ANALYSES_REQUEST__INIT;
    req.campaign_id = c.campaign_id;
    struct oc_call call = {.tenant_id = c.tenant, .timeout_ms = 5000};
    char err[256];
    Ocpb__ListAnalysesReply *list = NULL;
    /* Give the second delivery time to be handled before counting. */
    natsMsg *m = NULL;
    natsSubscription_NextMsg(&m, done, 3000);
    natsMsg_Destroy(m);
    cr_assert_eq(oc_bus_call(bus, "analysis.list", &call, &req.base,
                             &ocpb__list_analyses_reply__descriptor, NULL,
                             (ProtobufCMessage **)&list, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_expect_eq(list->n_analyses, 1, "%zu analyses for one call", list->n_analyses);
    if (list->n_analyses == 1) {
        cr_expect_str_eq(list->analyses[0]->id, first->analysis->id);
        cr_expect_eq(list->analyses[0]->follow_up->grain, OCPB__TIME_GRAIN__TIME_GRAIN_WEEK);
    }
    protobuf_c_message_free_unpacked(&list->base, NULL);
    ocpb__analysis_done__free_unpacked(first, NULL);
    natsSubscription_Destroy(done);
    oc_bus_free(bus);
}

Test(analyzer, a_do_not_call_request_reaches_analysis_done, .timeout = 60)
{
    struct oc_bus *bus = th_bus();
    struct call c;
    new_call(&c);
    natsSubscription *done = subscribe(bus, "analysis.done");
    static const char *const turns[] = {
        "a Hi Rose, this is Ted from Verity Wireless...",
        "c Take me off your list. Don't call me again.",
    };
    publish_ended(bus, &c, "en", "America/New_York", "+16175550101", TUESDAY_NEW_YORK_MS, turns, 2,
                  "");
    Ocpb__AnalysisDone *d = wait_done(done, c.call_id);
    cr_expect_eq(d->analysis->outcome, OCPB__OUTCOME__OUTCOME_NOT_INTERESTED);
    cr_assert_not_null(d->analysis->dnc);
    cr_expect(d->analysis->dnc->requested);
    cr_expect_eq(d->analysis->dnc->risk, OCPB__DNC_RISK__DNC_RISK_HIGH);
    cr_expect_not(d->analysis->follow_up && d->analysis->follow_up->needed);
    cr_expect_str_eq(d->phone_e164, "+16175550101");
    ocpb__analysis_done__free_unpacked(d, NULL);
    natsSubscription_Destroy(done);
    oc_bus_free(bus);
}

Test(analyzer, analyze_answers_without_storing, .timeout = 30)
{
    struct oc_bus *bus = th_bus();
    struct call c;
    new_call(&c);
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    Ocpb__TranscriptTurn t = OCPB__TRANSCRIPT_TURN__INIT;
    Ocpb__TranscriptTurn *tp[1] = {&t};
    meta.tenant_id = c.tenant;
    e.meta = &meta;
    e.call_id = c.call_id;
    e.answered_unix_ms = TUESDAY_MADRID_MS;
    e.amd = OCPB__AMD_RESULT__AMD_RESULT_MACHINE;
    e.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE;
    e.language = OCPB__LANGUAGE__LANGUAGE_ES;
    e.timezone = "Europe/Madrid";
    t.speaker = OCPB__SPEAKER__SPEAKER_CONTACT;
    t.text = "Hola, soy Sara. Deja tu mensaje después de la señal.";
    e.transcript = tp;
    e.n_transcript = 1;
    Ocpb__AnalyzeCallRequest req = OCPB__ANALYZE_CALL_REQUEST__INIT;
    req.call = &e;
    struct oc_call call = {.tenant_id = c.tenant, .timeout_ms = 5000};
    char err[256] = "";
    Ocpb__AnalyzeCallReply *r = NULL;
    cr_assert_eq(oc_bus_call(bus, "analysis.analyze", &call, &req.base,
                             &ocpb__analyze_call_reply__descriptor, NULL, (ProtobufCMessage **)&r,
                             err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_expect_eq(r->analysis->outcome, OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL);
    cr_expect(r->analysis->retry->needed);
    cr_expect_eq(r->analysis->retry->due_unix_ms, TUESDAY_MADRID_MS + 48 * 3600000LL);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    Ocpb__GetAnalysisReply *none = NULL;
    cr_expect_eq(get_analysis(bus, c.tenant, c.call_id, &none), OC_ERR_NOT_FOUND,
                 "analysis.analyze stored nothing");
    oc_bus_free(bus);
}

Test(analyzer, an_erased_lead_takes_its_analyses_with_it, .timeout = 60)
{
    struct oc_bus *bus = th_bus();
    struct call c;
    new_call(&c);
    natsSubscription *done = subscribe(bus, "analysis.done");
    static const char *const turns[] = {"a Hola, le llamo de Energía Verde.",
                                        "c No, gracias, no me interesa."};
    publish_ended(bus, &c, "es", "Europe/Madrid", "+34600111223", TUESDAY_MADRID_MS, turns, 2, "");
    Ocpb__AnalysisDone *d = wait_done(done, c.call_id);
    cr_expect_eq(d->analysis->outcome, OCPB__OUTCOME__OUTCOME_NOT_INTERESTED);
    cr_expect_not(d->analysis->dnc && d->analysis->dnc->requested,
                  "a refusal is no do-not-call request");
    ocpb__analysis_done__free_unpacked(d, NULL);

    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__LeadDeleted del = OCPB__LEAD_DELETED__INIT;
    char event_id[37], msg_id[64];
    cr_assert_eq(oc_uuid_v4(event_id), OC_OK);
    meta.event_id = event_id;
    meta.tenant_id = c.tenant;
    del.meta = &meta;
    del.lead_id = c.lead_id;
    del.campaign_id = c.campaign_id;
    del.erased = true;
    snprintf(msg_id, sizeof(msg_id), "deleted:%s", event_id);
    cr_assert_eq(oc_js_publish(bus, "leads.deleted", &del.base, msg_id, NULL), OC_OK);

    long long until = th_now_ms() + WAIT_MS;
    enum oc_status s = OC_OK;
    while (th_now_ms() < until) {
        Ocpb__GetAnalysisReply *got = NULL;
        s = get_analysis(bus, c.tenant, c.call_id, &got);
        if (got)
            protobuf_c_message_free_unpacked(&got->base, NULL);
        if (s == OC_ERR_NOT_FOUND)
            break;
        natsMsg *m = NULL;
        natsSubscription_NextMsg(&m, done, 200);
        natsMsg_Destroy(m);
    }
    cr_expect_eq(s, OC_ERR_NOT_FOUND, "the analysis outlived its erased lead");
    natsSubscription_Destroy(done);
    oc_bus_free(bus);
}
