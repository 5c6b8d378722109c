/*
 * Conversions at the service's edges: cursors survive a round trip and
 * refuse anything else, ids and numbers from outside are checked, enum
 * names round-trip, and transcripts keep every field through JSON.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/scheduler/wire.h"
#include "oc/crypto.h"

Test(wire, cursor_round_trips_and_refuses_garbage)
{
    char cursor[WIRE_CURSOR_MAX], id[37];
    int64_t us = 0;
    wire_cursor_encode(1793000000123456LL, "0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6a", cursor);
    cr_expect_null(strpbrk(cursor, "+/="), "not url-safe: %s", cursor);
    cr_assert_eq(wire_cursor_decode(cursor, &us, id), OC_OK);
    cr_expect_eq(us, 1793000000123456LL);
    cr_expect_str_eq(id, "0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6a");
    cr_expect_eq(wire_cursor_decode("bm90IGEgY3Vyc29y", &us, id), OC_ERR_INVALID);
    cr_expect_eq(wire_cursor_decode("***", &us, id), OC_ERR_INVALID);
}

Test(wire, checks_ids_numbers_and_countries)
{
    cr_expect(oc_uuid_valid("0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6a"));
    cr_expect_not(oc_uuid_valid("0b6a3f3e2d4c4c8e9a5e1f2e3d4c5b6a"));
    cr_expect_not(oc_uuid_valid("0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6'"));
    cr_expect(wire_e164_valid("+34612345678"));
    cr_expect_not(wire_e164_valid("34612345678"));
    cr_expect_not(wire_e164_valid("+0612345678"));
    cr_expect_not(wire_e164_valid("+3461234567890123"));
    cr_expect(wire_country_valid("MX"));
    cr_expect_not(wire_country_valid("mx"));
    cr_expect_not(wire_country_valid("MEX"));
}

Test(wire, enum_names_round_trip)
{
    for (int v = 1; v <= 6; v++)
        cr_expect_eq(wire_outcome_parse(wire_outcome_name(v)), v);
    for (int v = 1; v <= 11; v++)
        cr_expect_eq(wire_hangup_parse(wire_hangup_name(v)), v);
    for (int v = 1; v <= 3; v++) {
        cr_expect_eq(wire_amd_parse(wire_amd_name(v)), v);
        cr_expect_eq(wire_confidence_parse(wire_confidence_name(v)), v);
    }
    cr_expect_null(wire_outcome_name(0));
    cr_expect_eq(wire_outcome_parse("maybe"), 0);
    cr_expect_eq(wire_campaign_state_parse("running", true),
                 OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED);
    cr_expect_eq(wire_campaign_state_parse("paused", false),
                 OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED);
}

Test(wire, transcript_keeps_every_field)
{
    Ocpb__TranscriptTurn a = OCPB__TRANSCRIPT_TURN__INIT, b = OCPB__TRANSCRIPT_TURN__INIT;
    a.speaker = OCPB__SPEAKER__SPEAKER_AGENT;
    a.text = "Hola, \"buenos\" días";
    a.start_ms = 10;
    a.end_ms = 900;
    a.interrupted = true;
    b.speaker = OCPB__SPEAKER__SPEAKER_CONTACT;
    b.text = "Sí";
    b.stt_confidence = 0.5f;
    Ocpb__TranscriptTurn *turns[2] = {&a, &b};
    char *json = wire_transcript_json(turns, 2);
    cr_assert_not_null(json);
    struct oc_arena *arena = NULL;
    cr_assert_eq(oc_arena_new(&arena, 1024), OC_OK);
    Ocpb__TranscriptTurn **back = NULL;
    size_t n = 0;
    cr_assert_eq(wire_transcript_parse(json, arena, &back, &n), OC_OK);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(back[0]->text, a.text);
    cr_expect(back[0]->interrupted);
    cr_expect_eq(back[0]->end_ms, 900);
    cr_expect_eq(back[1]->speaker, OCPB__SPEAKER__SPEAKER_CONTACT);
    cr_expect_float_eq(back[1]->stt_confidence, 0.5f, 1e-6);
    cr_expect_eq(wire_transcript_parse("{}", arena, &back, &n), OC_ERR_INVALID);
    oc_arena_free(arena);
    free(json);
}
