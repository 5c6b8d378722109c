/*
 * Legs and the set of live legs; see leg.h and dialer.h. The set is a
 * plain list under a mutex: it is consulted once per job and per hang-up
 * request, never per packet, and holds at most DIALER_MAX_CALLS legs.
 */
#include "leg.h"

#include <stdlib.h>
#include <string.h>

#include "dialer.h"

struct leg_link {
    struct leg *leg;
    struct leg_link *next;
};

const char *leg_strdup(struct leg *leg, const char *s)
{
    return oc_arena_strdup(leg->arena, s ? s : "");
}

enum oc_status leg_new(struct leg **out, const Ocpb__CallJob *job, int default_ring_timeout_s)
{
    struct oc_arena *a = NULL;
    enum oc_status st = oc_arena_new(&a, 4096);
    if (st != OC_OK)
        return st;
    struct leg *leg = oc_arena_alloc(a, sizeof(*leg));
    if (!leg) {
        oc_arena_free(a);
        return OC_ERR_NOMEM;
    }
    leg->arena = a;
    atomic_init(&leg->refs, 1);
    atomic_init(&leg->dialed_unix_ms, 0);
    atomic_init(&leg->answered_unix_ms, 0);
    atomic_init(&leg->media_started, false);

    const Ocpb__EventMeta *meta = job->meta;
    const Ocpb__Lead *lead = job->lead;
    const Ocpb__CallerLine *caller = job->caller;
    leg->tenant_id = leg_strdup(leg, meta ? meta->tenant_id : "");
    leg->request_id = leg_strdup(leg, meta ? meta->request_id : "");
    leg->call_id = leg_strdup(leg, job->call_id);
    leg->dispatch_id = leg_strdup(leg, job->dispatch_id);
    leg->campaign_id = leg_strdup(leg, job->campaign_id);
    leg->lead_id = leg_strdup(leg, lead ? lead->id : "");
    leg->number_id = leg_strdup(leg, caller ? caller->number_id : "");
    leg->to_e164 = leg_strdup(leg, job->phone_e164);
    leg->from_e164 = leg_strdup(leg, caller ? caller->caller_id : "");
    leg->contact_name = leg_strdup(leg, lead ? lead->name : "");
    leg->timezone = leg_strdup(leg, lead ? lead->timezone : "");
    leg->country = leg_strdup(leg, lead ? lead->region : "");
    leg->language = job->assistant && job->assistant->assistant
                        ? job->assistant->assistant->language
                        : OCPB__LANGUAGE__LANGUAGE_UNSPECIFIED;
    leg->ring_timeout_s = job->ring_timeout_s > 0 ? job->ring_timeout_s : default_ring_timeout_s;
    if (!leg->tenant_id || !leg->request_id || !leg->call_id || !leg->dispatch_id ||
        !leg->campaign_id || !leg->lead_id || !leg->number_id || !leg->to_e164 || !leg->from_e164 ||
        !leg->contact_name || !leg->timezone || !leg->country) {
        oc_arena_free(a);
        return OC_ERR_NOMEM;
    }
    *out = leg;
    return OC_OK;
}

struct leg *leg_ref(struct leg *leg)
{
    atomic_fetch_add(&leg->refs, 1);
    return leg;
}

void leg_unref(struct leg *leg)
{
    if (leg && atomic_fetch_sub(&leg->refs, 1) == 1)
        oc_arena_free(leg->arena);
}

/* ------------------------------------------------------------ the live set */

void leg_set_init(struct leg_set *s)
{
    pthread_mutex_init(&s->mu, NULL);
    s->head = NULL;
    s->count = 0;
}

void leg_set_destroy(struct leg_set *s)
{
    for (struct leg_link *l = s->head; l;) {
        struct leg_link *next = l->next;
        leg_unref(l->leg);
        free(l);
        l = next;
    }
    s->head = NULL;
    s->count = 0;
    pthread_mutex_destroy(&s->mu);
}

enum oc_status leg_set_add(struct leg_set *s, struct leg *leg)
{
    struct leg_link *l = malloc(sizeof(*l));
    if (!l)
        return OC_ERR_NOMEM;
    l->leg = leg_ref(leg);
    pthread_mutex_lock(&s->mu);
    l->next = s->head;
    s->head = l;
    s->count++;
    pthread_mutex_unlock(&s->mu);
    return OC_OK;
}

void leg_set_remove(struct leg_set *s, struct leg *leg)
{
    struct leg_link *found = NULL;
    pthread_mutex_lock(&s->mu);
    for (struct leg_link **pp = &s->head; *pp; pp = &(*pp)->next) {
        if ((*pp)->leg == leg) {
            found = *pp;
            *pp = found->next;
            s->count--;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (found) {
        leg_unref(found->leg);
        free(found);
    }
}

bool leg_set_has_dispatch(struct leg_set *s, const char *dispatch_id)
{
    bool found = false;
    pthread_mutex_lock(&s->mu);
    for (struct leg_link *l = s->head; l && !found; l = l->next)
        found = strcmp(l->leg->dispatch_id, dispatch_id) == 0;
    pthread_mutex_unlock(&s->mu);
    return found;
}

struct leg *leg_set_find_call(struct leg_set *s, const char *call_id)
{
    struct leg *leg = NULL;
    pthread_mutex_lock(&s->mu);
    for (struct leg_link *l = s->head; l; l = l->next) {
        if (strcmp(l->leg->call_id, call_id) == 0) {
            leg = leg_ref(l->leg);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return leg;
}

size_t leg_set_count(struct leg_set *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}
