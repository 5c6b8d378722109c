/*
 * The call registry; see registry.h. A chained hash table keyed on the call
 * id (FNV-1a), sized for the most calls a copy takes; lookups happen a few
 * times per call, never per frame.
 */
#include "registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGISTRY_BUCKETS 1024

struct registry_node {
    struct registry_entry e;
    struct registry_node *next;
};

struct registry {
    pthread_mutex_t mu;
    size_t count;
    struct registry_node *buckets[REGISTRY_BUCKETS];
};

static size_t bucket(const char *id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h % REGISTRY_BUCKETS;
}

enum oc_status registry_new(struct registry **out)
{
    struct registry *r = calloc(1, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&r->mu, NULL);
    *out = r;
    return OC_OK;
}

void registry_free(struct registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < REGISTRY_BUCKETS; i++) {
        for (struct registry_node *n = r->buckets[i]; n;) {
            struct registry_node *next = n->next;
            free(n);
            n = next;
        }
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

enum oc_status registry_add(struct registry *r, const struct registry_entry *e)
{
    if (strlen(e->call_id) >= REGISTRY_ID_MAX - 1 || strlen(e->dispatch_id) >= REGISTRY_ID_MAX - 1)
        return OC_ERR_INVALID;
    struct registry_node *n = calloc(1, sizeof(*n));
    if (!n)
        return OC_ERR_NOMEM;
    n->e = *e;
    size_t b = bucket(e->call_id);

    pthread_mutex_lock(&r->mu);
    for (struct registry_node *it = r->buckets[b]; it; it = it->next) {
        if (strcmp(it->e.call_id, e->call_id) == 0) {
            pthread_mutex_unlock(&r->mu);
            free(n);
            return OC_ERR_CONFLICT;
        }
    }
    n->next = r->buckets[b];
    r->buckets[b] = n;
    r->count++;
    pthread_mutex_unlock(&r->mu);
    return OC_OK;
}

bool registry_find(struct registry *r, const char *call_id, struct registry_entry *out)
{
    bool found = false;
    size_t b = bucket(call_id);

    pthread_mutex_lock(&r->mu);
    for (struct registry_node *it = r->buckets[b]; it; it = it->next) {
        if (strcmp(it->e.call_id, call_id) == 0) {
            *out = it->e;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return found;
}

void registry_remove(struct registry *r, const char *call_id, uint64_t handle)
{
    size_t b = bucket(call_id);

    pthread_mutex_lock(&r->mu);
    for (struct registry_node **pp = &r->buckets[b]; *pp; pp = &(*pp)->next) {
        struct registry_node *it = *pp;
        if (strcmp(it->e.call_id, call_id) == 0 && it->e.handle == handle) {
            *pp = it->next;
            free(it);
            r->count--;
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

size_t registry_count(struct registry *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->count;
    pthread_mutex_unlock(&r->mu);
    return n;
}
