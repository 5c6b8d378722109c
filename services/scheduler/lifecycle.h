/*
 * Moving a call between states, in memory and without I/O: each move is
 * checked against the lifecycle (call_state.c), sets the times and reason
 * the new status implies, and adds the status event (a packed
 * CallStatusChanged) to an outbox. The caller stores the row and the
 * events in one transaction (store.c) and publishes the events once it
 * committed (outbox.c), so an event is never lost and never describes a
 * change that did not happen.
 */
#ifndef SCHEDULER_LIFECYCLE_H
#define SCHEDULER_LIFECYCLE_H

#include "scheduler.h"

/* A status event written in the transaction and published after commit. */
struct call_event {
    char tenant_id[SCHED_UUID_LEN];
    char call_id[SCHED_UUID_LEN];
    int seq;
    enum call_status from; /* CALL_UNSPECIFIED: the call's creation */
    enum call_status to;
    const char *detail;
    int64_t at_ms;
    uint8_t *payload; /* packed CallStatusChanged */
    size_t len;
};

/* The events of one transaction, and the campaign events that ride along. */
struct outbox {
    struct oc_arena *arena; /* borrowed: everything below lives in it */
    struct call_event *events;
    size_t n, cap;
    size_t stored; /* events already written (call_events and outbox) */
    struct {
        char tenant_id[SCHED_UUID_LEN];
        uint8_t *payload; /* packed CampaignStateChanged */
        size_t len;
    } campaign[8];
    size_t n_campaign;
    const char *request_id; /* for EventMeta; may be NULL */
};

/** Starts an empty outbox whose memory comes from arena. */
void outbox_init(struct outbox *ob, struct oc_arena *arena);

/**
 * Moves a call to `to` in memory: checks the lifecycle, sets the times
 * the status implies, the reason and the next status sequence number, and
 * adds its status event to ob. OC_ERR_CONFLICT (message in err) when the
 * lifecycle forbids it; the row is unchanged then.
 */
enum oc_status lifecycle_move(struct call_row *call, enum call_status to, const char *reason,
                              int64_t now_ms, struct outbox *ob, char *err, size_t errlen);

/** lifecycle_move through the shortest legal chain of states to `to`. */
enum oc_status lifecycle_advance(struct call_row *call, enum call_status to, const char *reason,
                                 int64_t now_ms, struct outbox *ob, char *err, size_t errlen);

/** Records a new call's creation event (from nothing to its first status). */
enum oc_status lifecycle_created(struct call_row *call, int64_t now_ms, struct outbox *ob);

/**
 * Records an event without a status change (the analysis set the result):
 * to == from. lead_finished says no further call is planned for the lead.
 */
enum oc_status lifecycle_result(struct call_row *call, bool lead_finished, int64_t now_ms,
                                struct outbox *ob);

/**
 * Records an event without a status change for something the dashboard
 * should see (a new time for a scheduled call): to == from.
 */
enum oc_status lifecycle_note(struct call_row *call, const char *reason, int64_t now_ms,
                              struct outbox *ob);

/** Adds a CampaignStateChanged event to ob. */
enum oc_status lifecycle_campaign_event(struct outbox *ob, const char *tenant_id,
                                        const char *campaign_id, Ocpb__CampaignState from,
                                        Ocpb__CampaignState to, const char *reason, int64_t now_ms);

/** Fills an EventMeta (a new event id, the time, the request id) in arena. */
enum oc_status lifecycle_meta(struct oc_arena *arena, const char *tenant_id, int64_t now_ms,
                              const char *request_id, Ocpb__EventMeta **out);

#endif
