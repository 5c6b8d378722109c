/*
 * The assistants service against the running stack, over NATS only:
 * assistants created, read, listed page by page and updated by mask; every
 * update a new version while the snapshot of an older version stays as it
 * was (what a queued call job relies on); invalid assistants refused with
 * the field named; a create retried with its idempotency key made once;
 * the dashboard told; and a tenant that never sees another's assistants.
 * Each test works in tenants of its own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "oc/crypto.h"
#include "proto/assistants.pb-c.h"

#define WAIT_MS 5000

/* ================================================================ helpers */

static void uuid(char out[37])
{
    cr_assert_eq(oc_uuid_v4(out), OC_OK);
}

/* A complete English assistant; the strings are static. */
struct spec {
    Ocpb__Assistant a;
    Ocpb__Script script;
    Ocpb__ScriptLine line[2];
    Ocpb__ScriptLine *lines[2];
    Ocpb__WizardAnswers wizard;
    Ocpb__Objection objection;
    Ocpb__Objection *objections[1];
};

static void spec_init(struct spec *s, const char *name)
{
    ocpb__assistant__init(&s->a);
    ocpb__script__init(&s->script);
    ocpb__wizard_answers__init(&s->wizard);
    ocpb__objection__init(&s->objection);
    for (int i = 0; i < 2; i++) {
        ocpb__script_line__init(&s->line[i]);
        s->lines[i] = &s->line[i];
    }
    s->a.name = (char *)name;
    s->a.language = OCPB__LANGUAGE__LANGUAGE_EN;
    s->a.greeting = "Hi, this is Sam from Acme. Is this a good moment?";
    s->line[0].text = "We help sales teams call every lead on time.";
    s->line[1].text = "Would a short demo next week be useful?";
    s->script.objective = "book a demo";
    s->script.lines = s->lines;
    s->script.n_lines = 2;
    s->script.closing_line = "Thank you, goodbye.";
    s->a.script = &s->script;
    s->wizard.company_name = "Acme";
    s->wizard.agent_name = "Sam";
    s->wizard.call_goal = "book a demo";
    s->a.wizard = &s->wizard;
    s->objection.trigger = "too busy|no time";
    s->objection.response = "I understand, it only takes two minutes.";
    s->objections[0] = &s->objection;
    s->a.objections = s->objections;
    s->a.n_objections = 1;
    s->a.voice = "en-us";
    s->a.max_duration_s = 300;
}

static enum oc_status create(struct oc_bus *bus, const char *tenant, const Ocpb__Assistant *a,
                             const char *key, Ocpb__Assistant **out, char *err, size_t errlen)
{
    Ocpb__CreateAssistantRequest req = OCPB__CREATE_ASSISTANT_REQUEST__INIT;
    Ocpb__CreateAssistantReply *rep = NULL;
    struct oc_call call = {.tenant_id = tenant, .idempotency_key = key, .timeout_ms = 5000};
    req.assistant = (Ocpb__Assistant *)a;
    enum oc_status s = oc_bus_call(bus, "assistants.create", &call, &req.base,
                                   &ocpb__create_assistant_reply__descriptor, NULL,
                                   (ProtobufCMessage **)&rep, err, errlen);
    if (s != OC_OK)
        return s;
    cr_assert_not_null(rep->assistant, "assistants.create answered without the assistant");
    if (out) {
        /* Handed over: freeing the reply must not free it. */
        *out = rep->assistant;
        rep->assistant = NULL;
    }
    ocpb__create_assistant_reply__free_unpacked(rep, NULL);
    return OC_OK;
}

/* Creates and returns the new id in id (37 bytes). */
static void create_ok(struct oc_bus *bus, const char *tenant, const Ocpb__Assistant *a, char *id)
{
    Ocpb__Assistant *x = NULL;
    char err[256];
    cr_assert_eq(create(bus, tenant, a, NULL, &x, err, sizeof(err)), OC_OK, "%s", err);
    snprintf(id, 37, "%s", x->id);
    ocpb__assistant__free_unpacked(x, NULL);
}

static enum oc_status get(struct oc_bus *bus, const char *tenant, const char *id,
                          Ocpb__GetAssistantReply **out)
{
    Ocpb__GetAssistantRequest req = OCPB__GET_ASSISTANT_REQUEST__INIT;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    char err[256];
    req.id = (char *)id;
    return oc_bus_call(bus, "assistants.get", &call, &req.base,
                       out ? &ocpb__get_assistant_reply__descriptor : NULL, NULL,
                       (ProtobufCMessage **)out, err, sizeof(err));
}

static enum oc_status snapshot(struct oc_bus *bus, const char *tenant, const char *id, int version,
                               Ocpb__SnapshotAssistantReply **out)
{
    Ocpb__SnapshotAssistantRequest req = OCPB__SNAPSHOT_ASSISTANT_REQUEST__INIT;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    char err[256];
    req.id = (char *)id;
    req.version = version;
    return oc_bus_call(bus, "assistants.snapshot", &call, &req.base,
                       out ? &ocpb__snapshot_assistant_reply__descriptor : NULL, NULL,
                       (ProtobufCMessage **)out, err, sizeof(err));
}

static enum oc_status update(struct oc_bus *bus, const char *tenant, Ocpb__Assistant *a,
                             char **mask, size_t n, int expected, Ocpb__UpdateAssistantReply **out,
                             char *err, size_t errlen)
{
    Ocpb__UpdateAssistantRequest req = OCPB__UPDATE_ASSISTANT_REQUEST__INIT;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    req.assistant = a;
    req.update_mask = mask;
    req.n_update_mask = n;
    req.expected_version = expected;
    return oc_bus_call(bus, "assistants.update", &call, &req.base,
                       out ? &ocpb__update_assistant_reply__descriptor : NULL, NULL,
                       (ProtobufCMessage **)out, err, errlen);
}

static Ocpb__ListAssistantsReply *list(struct oc_bus *bus, const char *tenant, const char *query,
                                       const char *cursor, int limit)
{
    Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
    Ocpb__ListAssistantsRequest req = OCPB__LIST_ASSISTANTS_REQUEST__INIT;
    Ocpb__ListAssistantsReply *rep = NULL;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    char err[256];
    page.cursor = (char *)(cursor ? cursor : "");
    page.limit = limit;
    req.page = &page;
    req.query = (char *)(query ? query : "");
    enum oc_status s = oc_bus_call(bus, "assistants.list", &call, &req.base,
                                   &ocpb__list_assistants_reply__descriptor, NULL,
                                   (ProtobufCMessage **)&rep, err, sizeof(err));
    cr_assert_eq(s, OC_OK, "assistants.list: %s", err);
    return rep;
}

/* Creates s as tenant and expects a refusal whose message starts with field. */
static void refused(struct oc_bus *bus, const char *tenant, const struct spec *s, const char *field)
{
    char err[256] = "";
    enum oc_status st = create(bus, tenant, &s->a, NULL, NULL, err, sizeof(err));
    cr_expect_eq(st, OC_ERR_INVALID, "expected a refusal naming %s, got %s", field,
                 oc_status_text(st));
    cr_expect_eq(strncmp(err, field, strlen(field)), 0, "\"%s\" does not name %s", err, field);
}

/* ================================================================ tests */

Test(assistants, created_assistant_reads_back_as_given)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], err[256];
    struct spec s;
    Ocpb__Assistant *x = NULL;
    uuid(tenant);
    spec_init(&s, "  Demo agent  ");

    cr_assert_eq(create(bus, tenant, &s.a, NULL, &x, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(x->version, 1);
    cr_expect_gt(x->created_unix_ms, 0);

    Ocpb__GetAssistantReply *g = NULL;
    cr_assert_eq(get(bus, tenant, x->id, &g), OC_OK);
    Ocpb__Assistant *y = g->assistant;
    cr_expect_str_eq(y->id, x->id);
    cr_expect_str_eq(y->name, "Demo agent", "the name is not trimmed: \"%s\"", y->name);
    cr_expect_eq(y->language, OCPB__LANGUAGE__LANGUAGE_EN);
    cr_expect_str_eq(y->greeting, s.a.greeting);
    cr_assert_not_null(y->script);
    cr_expect_str_eq(y->script->objective, "book a demo");
    cr_assert_eq(y->script->n_lines, 2);
    cr_expect_str_eq(y->script->lines[1]->text, "Would a short demo next week be useful?");
    cr_expect_str_eq(y->script->closing_line, "Thank you, goodbye.");
    cr_assert_not_null(y->wizard);
    cr_expect_str_eq(y->wizard->company_name, "Acme");
    cr_assert_eq(y->n_objections, 1);
    cr_expect_str_eq(y->objections[0]->response, "I understand, it only takes two minutes.");
    cr_expect_str_eq(y->voice, "en-us");
    cr_expect_eq(y->max_duration_s, 300);
    cr_expect_eq(y->version, 1);

    /* The snapshot a call job carries: the same, with a prompt. */
    Ocpb__SnapshotAssistantReply *sn = NULL;
    cr_assert_eq(snapshot(bus, tenant, x->id, 0, &sn), OC_OK);
    cr_assert_not_null(sn->snapshot);
    cr_assert_not_null(sn->snapshot->assistant);
    cr_expect_eq(sn->snapshot->assistant->version, 1);
    cr_expect_str_eq(sn->snapshot->assistant->greeting, s.a.greeting);
    cr_expect_eq(sn->snapshot->assistant->script->n_lines, 2);
    cr_expect(strstr(sn->snapshot->prompt, s.a.greeting) != NULL, "prompt: %s",
              sn->snapshot->prompt);
    cr_expect_gt(sn->snapshot->taken_unix_ms, 0);
    ocpb__snapshot_assistant_reply__free_unpacked(sn, NULL);
    ocpb__get_assistant_reply__free_unpacked(g, NULL);
    ocpb__assistant__free_unpacked(x, NULL);
    oc_bus_free(bus);
}

Test(assistants, list_pages_newest_first_and_filters_by_name)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], ids[3][37];
    const char *names[3] = {"Alpha caller", "Beta 100% caller", "Gamma"};
    uuid(tenant);
    for (int i = 0; i < 3; i++) {
        struct spec s;
        spec_init(&s, names[i]);
        create_ok(bus, tenant, &s.a, ids[i]);
    }

    Ocpb__ListAssistantsReply *p1 = list(bus, tenant, NULL, NULL, 2);
    cr_assert_eq(p1->n_assistants, 2);
    cr_expect_str_eq(p1->assistants[0]->id, ids[2]);
    cr_expect_str_eq(p1->assistants[1]->id, ids[1]);
    cr_assert_str_neq(p1->page->next_cursor, "");
    Ocpb__ListAssistantsReply *p2 = list(bus, tenant, NULL, p1->page->next_cursor, 2);
    cr_assert_eq(p2->n_assistants, 1);
    cr_expect_str_eq(p2->assistants[0]->id, ids[0]);
    cr_expect_str_eq(p2->page->next_cursor, "");
    ocpb__list_assistants_reply__free_unpacked(p2, NULL);
    ocpb__list_assistants_reply__free_unpacked(p1, NULL);

    Ocpb__ListAssistantsReply *q = list(bus, tenant, "CALLER", NULL, 0);
    cr_expect_eq(q->n_assistants, 2);
    ocpb__list_assistants_reply__free_unpacked(q, NULL);
    /* A % in the query is a percent sign, not a wildcard. */
    q = list(bus, tenant, "100%", NULL, 0);
    cr_assert_eq(q->n_assistants, 1);
    cr_expect_str_eq(q->assistants[0]->id, ids[1]);
    ocpb__list_assistants_reply__free_unpacked(q, NULL);
    q = list(bus, tenant, "%", NULL, 0);
    cr_expect_eq(q->n_assistants, 1);
    ocpb__list_assistants_reply__free_unpacked(q, NULL);
    oc_bus_free(bus);
}

Test(assistants, an_update_makes_a_version_and_old_snapshots_never_change)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], id[37], err[256];
    struct spec s;
    uuid(tenant);
    spec_init(&s, "Versioned");
    create_ok(bus, tenant, &s.a, id);

    /* The greeting and the script change; nothing else does. */
    Ocpb__Assistant change = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    Ocpb__ScriptLine line = OCPB__SCRIPT_LINE__INIT;
    Ocpb__ScriptLine *lines[] = {&line};
    line.text = "We now also book the meetings for you.";
    script.lines = lines;
    script.n_lines = 1;
    script.closing_line = "Bye for now.";
    change.id = id;
    change.greeting = "Hello again, Sam from Acme here.";
    change.script = &script;
    change.name = "ignored: not in the mask";
    char *mask[] = {"greeting", "script"};
    Ocpb__UpdateAssistantReply *u = NULL;
    cr_assert_eq(update(bus, tenant, &change, mask, 2, 1, &u, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(u->assistant->version, 2);
    cr_expect_str_eq(u->assistant->greeting, "Hello again, Sam from Acme here.");
    cr_expect_str_eq(u->assistant->name, "Versioned");
    cr_expect_eq(u->assistant->n_objections, 1);
    ocpb__update_assistant_reply__free_unpacked(u, NULL);

    /* Version 1 reads as it was saved; the current one is version 2. */
    Ocpb__SnapshotAssistantReply *v1 = NULL, *cur = NULL;
    cr_assert_eq(snapshot(bus, tenant, id, 1, &v1), OC_OK);
    cr_expect_eq(v1->snapshot->assistant->version, 1);
    cr_expect_str_eq(v1->snapshot->assistant->greeting, s.a.greeting);
    cr_expect_eq(v1->snapshot->assistant->script->n_lines, 2);
    cr_expect(strstr(v1->snapshot->prompt, s.a.greeting) != NULL);
    cr_assert_eq(snapshot(bus, tenant, id, 0, &cur), OC_OK);
    cr_expect_eq(cur->snapshot->assistant->version, 2);
    cr_expect_str_eq(cur->snapshot->assistant->greeting, "Hello again, Sam from Acme here.");
    cr_expect_eq(cur->snapshot->assistant->script->n_lines, 1);
    cr_expect(strstr(cur->snapshot->prompt, "We now also book the meetings") != NULL);
    ocpb__snapshot_assistant_reply__free_unpacked(cur, NULL);
    ocpb__snapshot_assistant_reply__free_unpacked(v1, NULL);
    cr_expect_eq(snapshot(bus, tenant, id, 3, NULL), OC_ERR_NOT_FOUND);

    /* Saving the same content again makes no version. */
    cr_assert_eq(update(bus, tenant, &change, mask, 2, 0, &u, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(u->assistant->version, 2);
    ocpb__update_assistant_reply__free_unpacked(u, NULL);

    /* An editor working from version 1 is told it changed. */
    change.greeting = "A third greeting.";
    cr_expect_eq(update(bus, tenant, &change, mask, 2, 1, NULL, err, sizeof(err)), OC_ERR_CONFLICT);
    Ocpb__GetAssistantReply *g = NULL;
    cr_assert_eq(get(bus, tenant, id, &g), OC_OK);
    cr_expect_eq(g->assistant->version, 2);
    cr_expect_str_eq(g->assistant->greeting, "Hello again, Sam from Acme here.");
    ocpb__get_assistant_reply__free_unpacked(g, NULL);

    /* Masks must name fields that can change. */
    cr_expect_eq(update(bus, tenant, &change, NULL, 0, 0, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "update_mask") != NULL, "%s", err);
    char *bad[] = {"version"};
    cr_expect_eq(update(bus, tenant, &change, bad, 1, 0, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "version") != NULL, "%s", err);
    /* An update that would leave it invalid is refused, naming the field. */
    char *greeting[] = {"greeting"};
    change.greeting = "";
    cr_expect_eq(update(bus, tenant, &change, greeting, 1, 0, NULL, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_expect_eq(strncmp(err, "greeting", 8), 0, "%s", err);
    oc_bus_free(bus);
}

Test(assistants, invalid_assistants_are_refused_naming_the_field)
{
    struct oc_bus *bus = th_bus();
    char tenant[37];
    struct spec s;
    uuid(tenant);

    spec_init(&s, "");
    refused(bus, tenant, &s, "name");
    spec_init(&s, "No language");
    s.a.language = OCPB__LANGUAGE__LANGUAGE_UNSPECIFIED;
    refused(bus, tenant, &s, "language");
    spec_init(&s, "No greeting");
    s.a.greeting = "";
    refused(bus, tenant, &s, "greeting");
    spec_init(&s, "Blank line");
    s.line[1].text = "   ";
    refused(bus, tenant, &s, "script.lines[1].text");
    spec_init(&s, "Half objection");
    s.objection.response = "";
    refused(bus, tenant, &s, "objections[0].response");
    spec_init(&s, "Too short");
    s.a.max_duration_s = 5;
    refused(bus, tenant, &s, "max_duration_s");
    spec_init(&s, "Odd voice");
    s.a.voice = "en us";
    refused(bus, tenant, &s, "voice");

    /* Nothing of the above was saved. */
    Ocpb__ListAssistantsReply *l = list(bus, tenant, NULL, NULL, 0);
    cr_expect_eq(l->n_assistants, 0);
    ocpb__list_assistants_reply__free_unpacked(l, NULL);

    /* The minimum: a name, a language and a greeting. */
    Ocpb__Assistant min = OCPB__ASSISTANT__INIT;
    char id[37];
    min.name = "Minimal";
    min.language = OCPB__LANGUAGE__LANGUAGE_ES;
    min.greeting = "Hola.";
    create_ok(bus, tenant, &min, id);
    oc_bus_free(bus);
}

Test(assistants, a_create_retried_with_its_key_is_made_once)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], key[37], err[256];
    struct spec s;
    Ocpb__Assistant *first = NULL, *again = NULL;
    uuid(tenant);
    uuid(key);
    spec_init(&s, "Retried");
    cr_assert_eq(create(bus, tenant, &s.a, key, &first, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_eq(create(bus, tenant, &s.a, key, &again, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_str_eq(again->id, first->id);
    Ocpb__ListAssistantsReply *l = list(bus, tenant, NULL, NULL, 0);
    cr_expect_eq(l->n_assistants, 1);
    ocpb__list_assistants_reply__free_unpacked(l, NULL);
    ocpb__assistant__free_unpacked(again, NULL);
    ocpb__assistant__free_unpacked(first, NULL);
    oc_bus_free(bus);
}

Test(assistants, the_dashboard_hears_of_creates_and_updates)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], id[37], subject[128], err[256];
    natsSubscription *sub = NULL;
    struct spec s;
    uuid(tenant);
    snprintf(subject, sizeof(subject), "evt.%s.assistant.updated", tenant);
    cr_assert_eq(natsConnection_SubscribeSync(&sub, oc_bus_nats(bus), subject), NATS_OK);
    cr_assert_eq(natsConnection_FlushTimeout(oc_bus_nats(bus), 2000), NATS_OK);

    spec_init(&s, "Announced");
    create_ok(bus, tenant, &s.a, id);
    Ocpb__Assistant change = OCPB__ASSISTANT__INIT;
    change.id = id;
    change.name = "Announced twice";
    char *mask[] = {"name"};
    cr_assert_eq(update(bus, tenant, &change, mask, 1, 0, NULL, err, sizeof(err)), OC_OK, "%s",
                 err);

    for (int want = 1; want <= 2; want++) {
        natsMsg *m = NULL;
        cr_assert_eq(natsSubscription_NextMsg(&m, sub, WAIT_MS), NATS_OK,
                     "no assistant.updated for version %d", want);
        Ocpb__AssistantUpdated *e = ocpb__assistant_updated__unpack(
            NULL, (size_t)natsMsg_GetDataLength(m), (const uint8_t *)natsMsg_GetData(m));
        natsMsg_Destroy(m);
        cr_assert_not_null(e);
        cr_expect_str_eq(e->assistant_id, id);
        cr_expect_eq(e->version, want);
        cr_expect_eq(e->created, want == 1);
        cr_expect_str_eq(e->meta->tenant_id, tenant);
        ocpb__assistant_updated__free_unpacked(e, NULL);
    }
    natsSubscription_Destroy(sub);
    oc_bus_free(bus);
}

Test(assistants, a_tenant_never_sees_another_tenants_assistants)
{
    struct oc_bus *bus = th_bus();
    char a[37], b[37], id[37], err[256];
    struct spec s;
    uuid(a);
    uuid(b);
    spec_init(&s, "Tenant A's agent");
    create_ok(bus, a, &s.a, id);

    cr_expect_eq(get(bus, b, id, NULL), OC_ERR_NOT_FOUND);
    cr_expect_eq(snapshot(bus, b, id, 0, NULL), OC_ERR_NOT_FOUND);
    cr_expect_eq(snapshot(bus, b, id, 1, NULL), OC_ERR_NOT_FOUND);
    Ocpb__Assistant change = OCPB__ASSISTANT__INIT;
    change.id = id;
    change.name = "Taken over";
    char *mask[] = {"name"};
    cr_expect_eq(update(bus, b, &change, mask, 1, 0, NULL, err, sizeof(err)), OC_ERR_NOT_FOUND);
    Ocpb__ListAssistantsReply *l = list(bus, b, NULL, NULL, 0);
    cr_expect_eq(l->n_assistants, 0);
    ocpb__list_assistants_reply__free_unpacked(l, NULL);

    /* A's assistant is untouched. */
    Ocpb__GetAssistantReply *g = NULL;
    cr_assert_eq(get(bus, a, id, &g), OC_OK);
    cr_expect_str_eq(g->assistant->name, "Tenant A's agent");
    cr_expect_eq(g->assistant->version, 1);
    ocpb__get_assistant_reply__free_unpacked(g, NULL);
    oc_bus_free(bus);
}
