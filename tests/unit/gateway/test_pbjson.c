/*
 * The JSON <-> protobuf mapping of the public API (pbjson.c), on the real
 * messages of proto/: enum names, instants, credits, maps, nested paths in
 * error messages, query strings, and round trips.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"
#include "proto/analyzer.pb-c.h"
#include "proto/assistants.pb-c.h"
#include "proto/billing.pb-c.h"
#include "proto/leads.pb-c.h"
#include "proto/media.pb-c.h"
#include "proto/scheduler.pb-c.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 4096), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

TestSuite(pbjson, .init = setup, .fini = teardown);

static json_t *parse(const char *text)
{
    json_error_t e;
    /* NUL allowed here so that the mapping's own check is what refuses it. */
    json_t *v = json_loads(text, JSON_ALLOW_NUL, &e);

    cr_assert_not_null(v, "bad test JSON %s: %s", text, e.text);
    return v;
}

/* Fills a new message of desc from text; returns the status, err filled. */
static enum oc_status build(const ProtobufCMessageDescriptor *desc, const char *text,
                            ProtobufCMessage **out, char *err, size_t errlen)
{
    json_t *v = parse(text);
    enum oc_status s;

    err[0] = '\0';
    s = pbjson_new(desc, v, arena, out, err, errlen);
    json_decref(v);
    return s;
}

/* Renders msg and returns the compact text (caller frees). */
static char *render_text(const ProtobufCMessage *msg)
{
    json_t *v = pbjson_render(msg);
    char *text;

    cr_assert_not_null(v);
    text = pbjson_dump(v);
    json_decref(v);
    cr_assert_not_null(text);
    return text;
}

/* ------------------------------------------------------------ rendering */

Test(pbjson, enum_values_render_as_short_lowercase_names)
{
    Ocpb__Call call = OCPB__CALL__INIT;
    json_t *v;

    call.status = OCPB__CALL_STATUS__CALL_STATUS_IN_PROGRESS;
    call.result = OCPB__OUTCOME__OUTCOME_MEETING_SCHEDULED;
    call.confidence = OCPB__CONFIDENCE__CONFIDENCE_HIGH;
    v = pbjson_render(&call.base);
    cr_assert_str_eq(json_string_value(json_object_get(v, "status")), "in_progress");
    cr_assert_str_eq(json_string_value(json_object_get(v, "result")), "meeting_scheduled");
    cr_assert_str_eq(json_string_value(json_object_get(v, "confidence")), "high");
    /* Unspecified means "none": null, not "unspecified". */
    cr_assert(json_is_null(json_object_get(v, "kind")));
    json_decref(v);
}

Test(pbjson, an_enum_value_newer_than_the_build_renders_as_its_number)
{
    Ocpb__Call call = OCPB__CALL__INIT;
    json_t *v;

    call.status = 77;
    v = pbjson_render(&call.base);
    cr_assert(json_is_integer(json_object_get(v, "status")));
    cr_assert_eq(json_integer_value(json_object_get(v, "status")), 77);
    json_decref(v);
}

Test(pbjson, zero_instants_are_null_and_others_milliseconds)
{
    Ocpb__Call call = OCPB__CALL__INIT;
    json_t *v;

    call.created_unix_ms = 1795214925816;
    call.duration_s = 0;
    v = pbjson_render(&call.base);
    cr_assert_eq(json_integer_value(json_object_get(v, "created_unix_ms")), 1795214925816);
    cr_assert(json_is_null(json_object_get(v, "answered_unix_ms")));
    /* Not an instant: a zero duration is a number. */
    cr_assert(json_is_integer(json_object_get(v, "duration_s")));
    json_decref(v);
}

Test(pbjson, every_field_is_present_with_unset_messages_null_and_empty_lists)
{
    Ocpb__Call call = OCPB__CALL__INIT;
    json_t *v = pbjson_render(&call.base);

    cr_assert_eq(json_object_size(v), ocpb__call__descriptor.n_fields);
    cr_assert(json_is_array(json_object_get(v, "transcript")));
    cr_assert_eq(json_array_size(json_object_get(v, "transcript")), 0);
    cr_assert_str_eq(json_string_value(json_object_get(v, "parent_call_id")), "");
    json_decref(v);
}

Test(pbjson, transcript_turns_render_speaker_text_and_offsets)
{
    Ocpb__TranscriptTurn t0 = OCPB__TRANSCRIPT_TURN__INIT, t1 = OCPB__TRANSCRIPT_TURN__INIT;
    Ocpb__TranscriptTurn *turns[] = {&t0, &t1};
    Ocpb__Call call = OCPB__CALL__INIT;
    char *text;

    t0.speaker = OCPB__SPEAKER__SPEAKER_AGENT;
    t0.text = "Hola, soy Ana";
    t0.start_ms = 0;
    t0.end_ms = 1500;
    t1.speaker = OCPB__SPEAKER__SPEAKER_CONTACT;
    t1.text = "Dígame";
    t1.start_ms = 1800;
    t1.stt_confidence = 0.9f;
    call.transcript = turns;
    call.n_transcript = 2;
    text = render_text(&call.base);
    cr_assert(strstr(text, "\"transcript\":[{\"speaker\":\"agent\",\"text\":\"Hola, soy Ana\","
                           "\"start_ms\":0,\"end_ms\":1500") != NULL,
              "%s", text);
    /* A float reads as it was meant, not as its binary approximation. */
    cr_assert(strstr(text, "\"stt_confidence\":0.9}") != NULL, "%s", text);
    free(text);
}

Test(pbjson, credits_render_as_a_number_of_credits)
{
    Ocpb__Credits balance = OCPB__CREDITS__INIT, reserved = OCPB__CREDITS__INIT;
    Ocpb__GetBalanceReply r = OCPB__GET_BALANCE_REPLY__INIT;
    char *text;

    balance.milli = 12345;
    reserved.milli = -1;
    r.balance = &balance;
    r.reserved = &reserved;
    text = render_text(&r.base);
    cr_assert(strstr(text, "\"balance\":12.345,") != NULL, "%s", text);
    cr_assert(strstr(text, "\"reserved\":-0.001,") != NULL, "%s", text);
    cr_assert(strstr(text, "\"available\":null") != NULL, "%s", text);
    free(text);
}

Test(pbjson, map_fields_render_as_objects)
{
    Ocpb__Lead__FieldsEntry e = OCPB__LEAD__FIELDS_ENTRY__INIT;
    Ocpb__Lead__FieldsEntry *entries[] = {&e};
    Ocpb__Lead lead = OCPB__LEAD__INIT;
    json_t *v, *fields;

    e.key = "ciudad";
    e.value = "Madrid";
    lead.fields = entries;
    lead.n_fields = 1;
    v = pbjson_render(&lead.base);
    fields = json_object_get(v, "fields");
    cr_assert(json_is_object(fields));
    cr_assert_str_eq(json_string_value(json_object_get(fields, "ciudad")), "Madrid");
    json_decref(v);
}

Test(pbjson, a_string_that_is_not_utf8_costs_one_character_not_the_answer)
{
    Ocpb__Lead lead = OCPB__LEAD__INIT;
    json_t *v;

    lead.name = "Jos\xe9 P";
    v = pbjson_render(&lead.base);
    cr_assert_not_null(v);
    cr_assert_str_eq(json_string_value(json_object_get(v, "name")), "Jos\xEF\xBF\xBD P");
    json_decref(v);
}

/* ------------------------------------------------------------ filling */

Test(pbjson, an_assistant_is_built_from_the_documented_body)
{
    ProtobufCMessage *m = NULL;
    Ocpb__Assistant *a;
    char err[256];

    cr_assert_eq(build(&ocpb__assistant__descriptor,
                       "{\"name\":\"Ana\",\"language\":\"es\",\"greeting\":\"Hola\","
                       "\"script\":{\"objective\":\"demo\",\"lines\":[{\"text\":\"uno\"},"
                       "{\"text\":\"dos\"}],\"closing_line\":\"adiós\"},\"max_duration_s\":120}",
                       &m, err, sizeof(err)),
                 OC_OK, "%s", err);
    a = (Ocpb__Assistant *)m;
    cr_assert_str_eq(a->name, "Ana");
    cr_assert_eq(a->language, OCPB__LANGUAGE__LANGUAGE_ES);
    cr_assert_not_null(a->script);
    cr_assert_eq(a->script->n_lines, 2);
    cr_assert_str_eq(a->script->lines[1]->text, "dos");
    cr_assert_str_eq(a->script->closing_line, "adiós");
    cr_assert_eq(a->max_duration_s, 120);
    /* What was not given keeps the proto default. */
    cr_assert_str_eq(a->voice, "");
    cr_assert_null(a->wizard);
}

Test(pbjson, enum_names_are_case_insensitive_and_full_names_work_too)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"language\":\"EN\"}", &m, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__Assistant *)m)->language, OCPB__LANGUAGE__LANGUAGE_EN);
    cr_assert_eq(
        build(&ocpb__assistant__descriptor, "{\"language\":\"LANGUAGE_ES\"}", &m, err, sizeof(err)),
        OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__Assistant *)m)->language, OCPB__LANGUAGE__LANGUAGE_ES);
}

Test(pbjson, an_unknown_enum_name_lists_the_choices)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"language\":\"fr\"}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"language\" must be one of: en, es");
    /* "unspecified" is not a choice: it is what leaving the field out means. */
    cr_assert_eq(
        build(&ocpb__assistant__descriptor, "{\"language\":\"unspecified\"}", &m, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"language\":1}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
}

Test(pbjson, errors_name_the_path_of_the_field)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(build(&ocpb__assistant__descriptor,
                       "{\"script\":{\"lines\":[{\"text\":\"ok\"},{\"text\":5}]}}", &m, err,
                       sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"script.lines[1].text\" must be a string");
    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"script\":{\"objetive\":\"typo\"}}", &m,
                       err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"script.objetive\" is not known");
    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"script\":[]}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"script\" must be an object");
}

Test(pbjson, integers_are_checked_against_their_type)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(build(&ocpb__assistant__descriptor, "{\"max_duration_s\":4294967296}", &m, err,
                       sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert(strstr(err, "max_duration_s") != NULL, "%s", err);
    cr_assert_eq(
        build(&ocpb__assistant__descriptor, "{\"max_duration_s\":1.5}", &m, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_assert_eq(
        build(&ocpb__assistant__descriptor, "{\"max_duration_s\":\"60\"}", &m, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_assert_eq(
        build(&ocpb__send_import_chunk_request__descriptor, "{\"seq\":-1}", &m, err, sizeof(err)),
        OC_ERR_INVALID);
}

Test(pbjson, null_means_not_given)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    Ocpb__Assistant *a;

    cr_assert_eq(build(&ocpb__assistant__descriptor,
                       "{\"name\":null,\"script\":null,\"objections\":null,\"language\":null}", &m,
                       err, sizeof(err)),
                 OC_OK, "%s", err);
    a = (Ocpb__Assistant *)m;
    cr_assert_str_eq(a->name, "");
    cr_assert_null(a->script);
    cr_assert_eq(a->n_objections, 0);
    cr_assert_eq(a->language, OCPB__LANGUAGE__LANGUAGE_UNSPECIFIED);
}

Test(pbjson, a_string_with_a_nul_is_refused)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(
        build(&ocpb__assistant__descriptor, "{\"name\":\"a\\u0000b\"}", &m, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_assert(strstr(err, "NUL") != NULL, "%s", err);
}

Test(pbjson, instants_take_milliseconds_or_rfc3339)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(build(&ocpb__create_call_request__descriptor,
                       "{\"at_unix_ms\":\"2026-11-21T10:00:00+01:00\"}", &m, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__CreateCallRequest *)m)->at_unix_ms, 1795251600000LL);
    cr_assert_eq(build(&ocpb__create_call_request__descriptor, "{\"at_unix_ms\":1795251600000}", &m,
                       err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__CreateCallRequest *)m)->at_unix_ms, 1795251600000LL);
    /* Without an offset the instant would depend on the server's zone. */
    cr_assert_eq(build(&ocpb__create_call_request__descriptor,
                       "{\"at_unix_ms\":\"2026-11-21T10:00:00\"}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert(strstr(err, "RFC 3339") != NULL, "%s", err);
    /* Only instants take text: a duration does not. */
    cr_assert_eq(build(&ocpb__assistant__descriptor,
                       "{\"max_duration_s\":\"2026-11-21T10:00:00Z\"}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
}

Test(pbjson, rfc3339_times)
{
    int64_t ms;

    cr_assert_eq(pbjson_parse_time("1970-01-01T00:00:00Z", &ms), OC_OK);
    cr_assert_eq(ms, 0);
    cr_assert_eq(pbjson_parse_time("2026-03-29T01:59:59.250Z", &ms), OC_OK);
    cr_assert_eq(ms, 1774749599250LL);
    cr_assert_eq(pbjson_parse_time("2026-03-29T03:00:00+02:00", &ms), OC_OK);
    cr_assert_eq(ms, 1774746000000LL);
    cr_assert_eq(pbjson_parse_time("2026-03-28T20:00-05:00", &ms), OC_OK);
    cr_assert_eq(ms, 1774746000000LL);
    cr_assert_neq(pbjson_parse_time("2026-02-30T10:00:00Z", &ms), OC_OK);
    cr_assert_neq(pbjson_parse_time("2026-11-21", &ms), OC_OK);
    cr_assert_neq(pbjson_parse_time("2026-11-21T25:00:00Z", &ms), OC_OK);
    cr_assert_neq(pbjson_parse_time("2026-11-21T10:00:00Zjunk", &ms), OC_OK);
    cr_assert_neq(pbjson_parse_time("", &ms), OC_OK);
}

Test(pbjson, map_fields_fill_from_objects)
{
    ProtobufCMessage *m = NULL;
    Ocpb__Lead *lead;
    char err[256];

    cr_assert_eq(build(&ocpb__lead__descriptor,
                       "{\"fields\":{\"ciudad\":\"Madrid\",\"cargo\":\"CEO\"}}", &m, err,
                       sizeof(err)),
                 OC_OK, "%s", err);
    lead = (Ocpb__Lead *)m;
    cr_assert_eq(lead->n_fields, 2);
    cr_assert_str_eq(lead->fields[0]->key, "ciudad");
    cr_assert_str_eq(lead->fields[0]->value, "Madrid");
    cr_assert_eq(build(&ocpb__lead__descriptor, "{\"fields\":{\"n\":1}}", &m, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"fields.n\" must be a string");
}

Test(pbjson, credits_and_bytes_fill_from_their_json_forms)
{
    ProtobufCMessage *m = NULL;
    char err[256];

    cr_assert_eq(
        build(&ocpb__grant_credits_request__descriptor, "{\"amount\":1.5}", &m, err, sizeof(err)),
        OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__GrantCreditsRequest *)m)->amount->milli, 1500);
    cr_assert_eq(build(&ocpb__import_leads_request__descriptor, "{\"csv\":\"bmFtZSxwaG9uZQo=\"}",
                       &m, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(((Ocpb__ImportLeadsRequest *)m)->csv.len, 11);
    cr_assert_eq(memcmp(((Ocpb__ImportLeadsRequest *)m)->csv.data, "name,phone\n", 11), 0);
}

Test(pbjson, what_is_rendered_fills_back_to_the_same_message)
{
    ProtobufCMessage *m = NULL, *again = NULL;
    char err[256];
    const char *text = "{\"name\":\"Demo\",\"assistant_id\":\"a\",\"default_region\":\"ES\","
                       "\"schedule\":{\"ranges\":[{\"days\":[\"monday\",\"friday\"],"
                       "\"start_minute\":540,\"end_minute\":840}]},\"state\":\"paused\","
                       "\"created_unix_ms\":1795214925816}";
    json_t *want = parse(text), *got, *got_again, *range, *days;
    const char *key;
    json_t *v;

    cr_assert_eq(build(&ocpb__campaign__descriptor, text, &m, err, sizeof(err)), OC_OK, "%s", err);
    got = pbjson_render(m);
    /* Every scalar given comes back as it was given. */
    json_object_foreach(want, key, v)
    {
        if (!json_is_object(v))
            cr_assert(json_equal(v, json_object_get(got, key)), "%s differs", key);
    }
    range = json_array_get(json_object_get(json_object_get(got, "schedule"), "ranges"), 0);
    days = json_pack("[s,s]", "monday", "friday");
    cr_assert(json_equal(json_object_get(range, "days"), days));
    json_decref(days);
    cr_assert_eq(json_integer_value(json_object_get(range, "end_minute")), 840);
    /* And the whole rendering, null instants and all, fills back to itself. */
    cr_assert_eq(pbjson_new(&ocpb__campaign__descriptor, got, arena, &again, err, sizeof(err)),
                 OC_OK, "%s", err);
    got_again = pbjson_render(again);
    cr_assert(json_equal(got, got_again));
    json_decref(want);
    json_decref(got);
    json_decref(got_again);
}

/* ------------------------------------------------------------ query strings */

static enum oc_status from_query(ProtobufCMessage *msg, const char *query, char *err, size_t errlen)
{
    struct gw_query_param *params;
    size_t n;
    enum oc_status s = gw_query_parse(arena, query, &params, &n, err, errlen);

    if (s != OC_OK)
        return s;
    return pbjson_fill_query(msg, params, n, arena, err, errlen);
}

Test(pbjson, list_filters_come_from_the_query_string)
{
    Ocpb__ListCallsRequest r = OCPB__LIST_CALLS_REQUEST__INIT;
    char err[256] = "";

    cr_assert_eq(from_query(&r.base,
                            "campaign_id=c1&status=queued,calling&statuses=failed&kinds=manual"
                            "&scheduled_from_unix_ms=1000&phone=%2B34612345678",
                            err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_str_eq(r.campaign_id, "c1");
    cr_assert_eq(r.n_statuses, 3);
    cr_assert_eq(r.statuses[0], OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    cr_assert_eq(r.statuses[1], OCPB__CALL_STATUS__CALL_STATUS_CALLING);
    cr_assert_eq(r.statuses[2], OCPB__CALL_STATUS__CALL_STATUS_FAILED);
    cr_assert_eq(r.n_kinds, 1);
    cr_assert_eq(r.kinds[0], OCPB__CALL_KIND__CALL_KIND_MANUAL);
    cr_assert_eq(r.scheduled_from_unix_ms, 1000);
    cr_assert_str_eq(r.phone, "+34612345678");
}

Test(pbjson, query_errors_name_the_parameter)
{
    Ocpb__ListCallsRequest r = OCPB__LIST_CALLS_REQUEST__INIT;
    Ocpb__ListLeadsRequest l = OCPB__LIST_LEADS_REQUEST__INIT;
    char err[256] = "";

    cr_assert_eq(from_query(&r.base, "campaign=c1", err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "query parameter \"campaign\" is not known");
    cr_assert_eq(from_query(&r.base, "scheduled_to_unix_ms=soon", err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert(strstr(err, "scheduled_to_unix_ms") != NULL, "%s", err);
    cr_assert_eq(from_query(&r.base, "status=ringing", err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strstr(err, "query parameter") != NULL && strstr(err, "in_progress") != NULL, "%s",
              err);
    cr_assert_eq(from_query(&l.base, "campaign_id=a&campaign_id=b", err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_str_eq(err, "query parameter \"campaign_id\" is given twice");
    /* A nested message cannot be spelled in a query string. */
    cr_assert_eq(from_query(&l.base, "page=1", err, sizeof(err)), OC_ERR_INVALID);
}

Test(pbjson, instants_in_the_query_take_rfc3339_too)
{
    Ocpb__ListLeadsRequest l = OCPB__LIST_LEADS_REQUEST__INIT;
    char err[256] = "";

    cr_assert_eq(from_query(&l.base, "created_from_unix_ms=1970-01-01T00:00:01Z&sort=name_asc", err,
                            sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(l.created_from_unix_ms, 1000);
    cr_assert_eq(l.sort, OCPB__LEAD_SORT__LEAD_SORT_NAME_ASC);
}

/* ------------------------------------------------------------ fields by name */

Test(pbjson, fields_by_name_refuse_the_wrong_kind)
{
    Ocpb__GetCallRequest g = OCPB__GET_CALL_REQUEST__INIT;
    Ocpb__CreateAssistantRequest c = OCPB__CREATE_ASSISTANT_REQUEST__INIT;
    Ocpb__Assistant a = OCPB__ASSISTANT__INIT;

    cr_assert_eq(pbjson_set_string(&g.base, "id", "x", arena), OC_OK);
    cr_assert_str_eq(g.id, "x");
    cr_assert_str_eq(pbjson_get_string(&g.base, "id"), "x");
    cr_assert_eq(pbjson_set_string(&g.base, "include_transcript", "x", arena), OC_ERR_INTERNAL);
    cr_assert_eq(pbjson_set_string(&g.base, "nope", "x", arena), OC_ERR_INTERNAL);
    cr_assert_eq(pbjson_set_message(&c.base, "assistant", &a.base), OC_OK);
    cr_assert_eq(pbjson_get_message(&c.base, "assistant"), &a.base);
    /* A message of another type does not fit the field. */
    cr_assert_eq(pbjson_set_message(&c.base, "assistant", &g.base), OC_ERR_INTERNAL);
}

Test(pbjson, enum_names_strip_the_prefix_of_the_unspecified_value)
{
    char buf[64];

    cr_assert_str_eq(pbjson_enum_name(&ocpb__call_status__descriptor,
                                      OCPB__CALL_STATUS__CALL_STATUS_IN_PROGRESS, buf, sizeof(buf)),
                     "in_progress");
    cr_assert_str_eq(pbjson_enum_name(&ocpb__dnc_risk__descriptor, OCPB__DNC_RISK__DNC_RISK_HIGH,
                                      buf, sizeof(buf)),
                     "high");
    cr_assert_null(pbjson_enum_name(&ocpb__call_status__descriptor, 0, buf, sizeof(buf)));
}
