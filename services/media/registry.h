/*
 * Which worker holds which call, by call id: how media.<instance>.start and
 * .stop, which arrive on NATS threads, find the worker to hand them to, and
 * how a repeated media.allocate for the same attempt gets the same answer
 * instead of a second session. The calls themselves belong to their
 * workers; the registry holds only these few facts, under one mutex.
 */
#ifndef MEDIA_REGISTRY_H
#define MEDIA_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

struct worker;

#define REGISTRY_ID_MAX 128

struct registry_entry {
    char call_id[REGISTRY_ID_MAX];
    char dispatch_id[REGISTRY_ID_MAX];
    struct worker *worker;
    uint64_t handle; /* the call's number on its worker */
    int port;
};

struct registry;

enum oc_status registry_new(struct registry **out);

/** NULL does nothing. */
void registry_free(struct registry *r);

/** Adds e. OC_ERR_CONFLICT when the call id is already there; OC_ERR_INVALID for ids too long. */
enum oc_status registry_add(struct registry *r, const struct registry_entry *e);

/** Copies the entry of call_id to *out; false when there is none. */
bool registry_find(struct registry *r, const char *call_id, struct registry_entry *out);

/** Removes the entry of call_id if its handle is handle. */
void registry_remove(struct registry *r, const char *call_id, uint64_t handle);

size_t registry_count(struct registry *r);

#endif
