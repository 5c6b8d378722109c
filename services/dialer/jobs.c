/*
 * The consumer of the call-job work queue (jobs.call on stream JOBS,
 * durable consumer "dialer", shared by every copy).
 *
 * A job is taken in this order, so that a job delivered twice (the copy
 * that had it died before acking, or its ack was lost) is never dialled
 * twice, and a call that is no longer wanted is never dialled at all:
 *   1. checks that cost nothing: a job that cannot be dialled is reported
 *      as failed (or expired) and acked;
 *   2. the claim: the leg is inserted in call_legs, unique per job. A job
 *      whose leg exists was taken before: it is acked without dialling
 *      (and, if the copy that took it died before the answer, reported as
 *      failed so the scheduler retries it);
 *   3. calls.dialable: the scheduler says whether the call still wants
 *      this attempt. A call canceled while its job waited in the queue (by
 *      a user, a do-not-call addition, a campaign stop), or an attempt a
 *      newer one superseded, is a "no": the job is acked and never
 *      dialled, the claim kept as 'skipped' so that a redelivery is not
 *      dialled either, and nothing is reported (the scheduler decided the
 *      call's fate itself). When the scheduler does not answer, nothing is
 *      dialled either: the claim is forgotten and the job nak'ed to come
 *      back, as in 4. "Not now" (the campaign is paused) is handled the
 *      same way: the job waits in the queue for the resume. Asked after
 *      the claim, so that only the copy holding the job asks, and as late
 *      as possible before the INVITE;
 *   4. media.allocate; when no media copy can take the call, the claim is
 *      forgotten (nothing was dialled) and the job is nak'ed to come back;
 *   5. the INVITE, through the SIP thread; the job is acked once it left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialable.h"
#include "dialer.h"
#include "leg.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "oc/streams.h"
#include "proto/scheduler.pb-c.h"
#include "reporter.h"
#include "sdp.h"
#include "sip.h"
#include "store.h"
#include "trunk.h"

/* The ack window: far longer than taking a job (claim, allocate, INVITE). */
#define JOBS_ACK_WAIT_S 30
/* What a media allocation lives for if the call is never answered. */
#define JOBS_ALLOCATION_SLACK_S 30

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reports an attempt that was never dialled: calls.progress FAILED (unless
 * it expired) and calls.ended. */
static void report_undialled(struct dialer *d, struct leg *leg, Ocpb__HangupCause cause,
                             const char *error)
{
    struct leg_event *ev = leg_event_new(LEG_UNANSWERED, leg);
    if (!ev)
        return;
    ev->at_unix_ms = unix_ms();
    /* An expired job was never an attempt: calls.ended only, no progress. */
    ev->outcome = cause == OCPB__HANGUP_CAUSE__HANGUP_CAUSE_EXPIRED
                      ? OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_UNSPECIFIED
                      : OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_FAILED;
    ev->cause = cause;
    snprintf(ev->error, sizeof(ev->error), "%s", error);
    oc_warn("call %s: attempt %s not dialled: %s", leg->call_id, leg->dispatch_id, error);
    /* Through the reporter, so it is ordered with everything else. The leg
     * is not in the live set; removing it there does nothing. */
    reporter_post(d->reporter, ev);
}

/*
 * calls.dialable for the leg's attempt. On OC_OK *dialable is the
 * scheduler's verdict; why (always written) says why, or what went wrong.
 */
static enum oc_status ask_dialable(struct dialer *d, struct leg *leg, bool *dialable, bool *later,
                                   char *why, size_t whylen)
{
    Ocpb__CheckDialableRequest req = OCPB__CHECK_DIALABLE_REQUEST__INIT;
    struct oc_call call = {.tenant_id = leg->tenant_id,
                           .request_id = leg->request_id,
                           .timeout_ms = (int)d->cfg.dialable_timeout_ms};
    Ocpb__CheckDialableReply *reply = NULL;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(leg->arena);

    req.call_id = (char *)leg->call_id;
    req.dispatch_id = (char *)leg->dispatch_id;
    why[0] = '\0';
    enum oc_status st = oc_bus_call(d->svc->bus, "calls.dialable", &call, &req.base,
                                    &ocpb__check_dialable_reply__descriptor, &alloc,
                                    (ProtobufCMessage **)&reply, why, whylen);
    if (st != OC_OK) {
        if (!why[0])
            snprintf(why, whylen, "%s", oc_status_text(st));
        return st;
    }
    const ProtobufCEnumValue *status =
        protobuf_c_enum_descriptor_get_value(&ocpb__call_status__descriptor, reply->status);
    snprintf(why, whylen, "%s [%s]", reply->reason && *reply->reason ? reply->reason : "no reason",
             status ? status->name : "CALL_STATUS_UNSPECIFIED");
    *dialable = reply->dialable;
    *later = reply->later;
    return OC_OK;
}

/* The SIP password of the caller number, if it has one. */
static enum oc_status load_credentials(struct dialer *d, struct leg *leg)
{
    const char *user = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    enum oc_status st = store_number_credentials(d->svc->db, leg->tenant_id, leg->number_id,
                                                 leg->arena, &user, &sealed, &sealed_len);
    if (st == OC_ERR_NOT_FOUND)
        return OC_OK; /* a line given in the job only: no credentials */
    if (st != OC_OK || !user)
        return st;
    const char *pass = NULL;
    st = dialer_open_secret(d, leg->arena, leg->tenant_id, leg->number_id, sealed, sealed_len,
                            &pass);
    if (st != OC_OK) {
        oc_error("call %s: the number's SIP password cannot be opened (SECRETS_KEY changed?)",
                 leg->call_id);
        return st;
    }
    leg->auth_user = user;
    leg->auth_password = pass;
    return OC_OK;
}

/* media.allocate for the leg; on failure err says why. */
static enum oc_status allocate(struct dialer *d, struct leg *leg, const Ocpb__CallJob *job,
                               char *err, size_t errlen)
{
    Ocpb__AllocateMediaRequest req = OCPB__ALLOCATE_MEDIA_REQUEST__INIT;
    Ocpb__Codec codecs[] = {OCPB__CODEC__CODEC_PCMU, OCPB__CODEC__CODEC_PCMA};
    struct oc_call call = {.tenant_id = leg->tenant_id,
                           .request_id = leg->request_id,
                           .idempotency_key = leg->dispatch_id,
                           .timeout_ms = (int)d->cfg.allocate_timeout_ms};
    Ocpb__AllocateMediaReply *reply = NULL;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(leg->arena);

    req.call_id = job->call_id;
    req.dispatch_id = job->dispatch_id;
    req.transport = OCPB__MEDIA_TRANSPORT__MEDIA_TRANSPORT_RTP;
    req.codecs = codecs;
    req.n_codecs = 2;
    req.assistant = job->assistant;
    req.lead = job->lead;
    req.phone_e164 = job->phone_e164;
    req.previous_summary = job->previous && job->previous->summary ? job->previous->summary : "";
    req.reason = job->reason;
    req.campaign_id = job->campaign_id;
    req.hangup_subject = d->hangup_subject;
    req.expires_unix_ms = unix_ms() + 1000LL * (leg->ring_timeout_s + JOBS_ALLOCATION_SLACK_S);
    req.country = job->lead && job->lead->region ? job->lead->region : "";

    enum oc_status st = oc_bus_call(d->svc->bus, "media.allocate", &call, &req.base,
                                    &ocpb__allocate_media_reply__descriptor, &alloc,
                                    (ProtobufCMessage **)&reply, err, errlen);
    if (st != OC_OK) {
        oc_warn("call %s: media.allocate: %s", leg->call_id, err);
        return st;
    }
    if (!reply->media_instance_id || !*reply->media_instance_id || !reply->rtp_address ||
        !*reply->rtp_address || reply->rtp_port == 0 || reply->rtp_port > 65535) {
        oc_error("call %s: media.allocate answered without an RTP address", leg->call_id);
        return OC_ERR_INTERNAL;
    }

    enum sdp_codec offer[2];
    size_t n_offer = 0;
    for (size_t i = 0; i < reply->n_codecs && n_offer < 2; i++) {
        if (reply->codecs[i] == OCPB__CODEC__CODEC_PCMU)
            offer[n_offer++] = SDP_PCMU;
        else if (reply->codecs[i] == OCPB__CODEC__CODEC_PCMA)
            offer[n_offer++] = SDP_PCMA;
    }
    if (n_offer == 0) {
        offer[n_offer++] = SDP_PCMU;
        offer[n_offer++] = SDP_PCMA;
    }
    uint64_t session_id = 0;
    oc_random_bytes(&session_id, sizeof(session_id));
    session_id &= 0x7FFFFFFFFFFFFFFFULL;
    char sdp[1024];
    sdp_offer(sdp, sizeof(sdp), reply->rtp_address, reply->rtp_port, offer, n_offer, session_id);

    leg->media_instance = leg_strdup(leg, reply->media_instance_id);
    leg->media_start_subject =
        oc_arena_printf(leg->arena, "media.%s.start", reply->media_instance_id);
    leg->media_stop_subject =
        oc_arena_printf(leg->arena, "media.%s.stop", reply->media_instance_id);
    leg->sdp_offer = leg_strdup(leg, sdp);
    char *addr = oc_arena_printf(leg->arena, "%s:%u", reply->rtp_address, reply->rtp_port);
    if (!leg->media_instance || !leg->media_start_subject || !leg->media_stop_subject ||
        !leg->sdp_offer || !addr)
        return OC_ERR_NOMEM;
    if (store_leg_media(d->svc->db, leg->tenant_id, leg->dispatch_id, leg->media_instance, addr) !=
        OC_OK)
        oc_warn("call %s: the leg's media copy was not recorded", leg->call_id);
    return OC_OK;
}

/* A leg for this job exists: the job was taken before. */
static enum oc_status already_taken(struct dialer *d, struct leg *leg, const char *status)
{
    oc_metric_add(d->jobs_duplicate, 1);
    if (leg_set_has_dispatch(&d->live, leg->dispatch_id)) {
        oc_info("call %s: attempt %s is already being placed here; not dialled again", leg->call_id,
                leg->dispatch_id);
        return OC_OK;
    }
    if (strcmp(status, "dialing") == 0 || strcmp(status, "ringing") == 0) {
        /* The copy that took it stopped before the answer; the INVITE it may
         * have sent has died with it. Report the attempt failed (its message
         * id makes this harmless if it was reported already). */
        if (store_leg_end(d->svc->db, leg->tenant_id, leg->dispatch_id, "failed", 0, "system",
                          "HANGUP_CAUSE_FAILED") != OC_OK)
            oc_warn("call %s: the orphaned leg's end was not recorded", leg->call_id);
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "the dialer copy that placed this attempt stopped before the answer");
        return OC_OK;
    }
    /* Answered (media reports it) or over: nothing to do. */
    oc_info("call %s: attempt %s was taken before (%s); not dialled again", leg->call_id,
            leg->dispatch_id, status);
    return OC_OK;
}

/*
 * The test-only fault hook (DIALER_TEST_HOLD_BEFORE_ACK_MS): holds a job
 * whose INVITE has left, unacknowledged, so that an end-to-end test can
 * kill this copy in the window where a redelivery could dial the contact a
 * second time. Ends early when the copy begins to stop.
 */
static void test_hold_before_ack(struct dialer *d, const struct leg *leg)
{
    oc_warn("call %s: job %s dialled; holding its ack for %ld ms (DIALER_TEST_HOLD_BEFORE_ACK_MS)",
            leg->call_id, leg->dispatch_id, d->cfg.test_hold_before_ack_ms);
    for (long waited = 0; waited < d->cfg.test_hold_before_ack_ms && !atomic_load(&d->stopping);
         waited += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static enum oc_status take(struct dialer *d, const Ocpb__CallJob *job)
{
    struct leg *leg = NULL;
    struct trunk trunk;
    const char *why = NULL;
    char status[32] = "";
    enum oc_status st = leg_new(&leg, job, (int)d->cfg.ring_timeout_s);
    if (st != OC_OK)
        return st;

    /* 1. What can be decided without anybody. */
    if (job->not_after_unix_ms > 0 && unix_ms() > job->not_after_unix_ms) {
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_EXPIRED,
                         "the job arrived after its not_after time");
        goto out;
    }
    if (!job->caller || job->caller->kind != OCPB__NUMBER_KIND__NUMBER_KIND_SIP) {
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "only SIP caller lines can be dialled for now");
        goto out;
    }
    if (!oc_uuid_valid(job->call_id) || !oc_uuid_valid(leg->number_id) ||
        !e164_valid(job->phone_e164) || !e164_valid(leg->from_e164)) {
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "the job lacks a call id, a caller number id, or E.164 numbers");
        goto out;
    }
    if (trunk_parse(job->caller->trunk, &trunk, &why) != OC_OK) {
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED, why);
        goto out;
    }
    char target[512];
    if (trunk_target(&trunk, job->phone_e164, target, sizeof(target)) != OC_OK) {
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "the number and trunk make no SIP address");
        goto out;
    }
    leg->target_uri = leg_strdup(leg, target);
    leg->from_uri = oc_arena_printf(leg->arena, "sip:%s@%s", leg->from_e164, d->cfg.sip_addr);
    if (!leg->target_uri || !leg->from_uri) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    if (leg_set_count(&d->live) >= (size_t)d->cfg.max_calls) {
        oc_info("call %s: this copy carries %ld calls; the job waits", leg->call_id,
                d->cfg.max_calls);
        st = OC_ERR_UNAVAILABLE;
        goto out;
    }

    /* 2. The claim. */
    const struct store_leg row = {.tenant_id = leg->tenant_id,
                                  .call_id = leg->call_id,
                                  .job_id = leg->dispatch_id,
                                  .number_id = leg->number_id,
                                  .from_e164 = leg->from_e164,
                                  .to_e164 = leg->to_e164};
    st = store_leg_claim(d->svc->db, &row, status, sizeof(status));
    if (st == OC_ERR_CONFLICT) {
        st = already_taken(d, leg, status);
        goto out;
    }
    if (st != OC_OK)
        goto out;

    /* 3. Is the call still wanted? Nothing is dialled without a yes. */
    char err[256] = "";
    bool dialable = false, later = false;
    enum oc_status asked = ask_dialable(d, leg, &dialable, &later, err, sizeof(err));
    enum dialable_action action = dialable_action(asked, dialable, later);
    switch (action) {
    case DIALABLE_DIAL:
        break;
    case DIALABLE_DROP:
        oc_metric_add(d->jobs_not_dialable, 1);
        oc_info("call %s: attempt %s not dialled: the scheduler no longer wants it: %s",
                leg->call_id, leg->dispatch_id, err);
        if (store_leg_skip(d->svc->db, leg->tenant_id, leg->dispatch_id) != OC_OK)
            oc_warn("call %s: the dropped claim was not marked skipped (a redelivery would"
                    " report the attempt failed, never dial it)",
                    leg->call_id);
        st = OC_OK;
        goto out;
    case DIALABLE_RETRY:
    case DIALABLE_WAIT:
        if (action == DIALABLE_WAIT) {
            oc_metric_add(d->jobs_waiting, 1);
            oc_info("call %s: attempt %s waits: %s", leg->call_id, leg->dispatch_id, err);
        } else {
            oc_warn("call %s: calls.dialable: %s; attempt %s not dialled, the job comes back",
                    leg->call_id, err, leg->dispatch_id);
        }
        if (store_leg_forget(d->svc->db, leg->tenant_id, leg->dispatch_id) != OC_OK)
            oc_warn("call %s: the claim could not be forgotten; a redelivery will report it"
                    " failed",
                    leg->call_id);
        st = OC_ERR_UNAVAILABLE;
        goto out;
    }

    /* 4. Credentials and a media copy. */
    err[0] = '\0';
    st = load_credentials(d, leg);
    if (st == OC_ERR_INVALID) {
        store_leg_end(d->svc->db, leg->tenant_id, leg->dispatch_id, "failed", 0, "system",
                      "HANGUP_CAUSE_FAILED");
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "the number's SIP password cannot be opened");
        st = OC_OK;
        goto out;
    }
    if (st == OC_OK)
        st = allocate(d, leg, job, err, sizeof(err));
    if (st == OC_ERR_INVALID) {
        /* Media refuses the job itself: asking again cannot help. */
        store_leg_end(d->svc->db, leg->tenant_id, leg->dispatch_id, "failed", 0, "system",
                      "HANGUP_CAUSE_FAILED");
        char why[320];
        snprintf(why, sizeof(why), "media refused the call: %s", err);
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED, why);
        st = OC_OK;
        goto out;
    }
    if (st != OC_OK) {
        if (store_leg_forget(d->svc->db, leg->tenant_id, leg->dispatch_id) != OC_OK)
            oc_warn("call %s: the claim could not be forgotten; a redelivery will report it"
                    " failed",
                    leg->call_id);
        st = OC_ERR_UNAVAILABLE;
        goto out;
    }

    /* 5. The INVITE. From here on the attempt counts as dialled. */
    st = leg_set_add(&d->live, leg);
    if (st != OC_OK)
        goto out;
    oc_metric_set(d->calls_live, (int64_t)leg_set_count(&d->live));
    oc_metric_add(d->jobs_taken, 1);
    st = sip_ua_dial(d->sip, leg);
    if (st == OC_ERR_TIMEOUT) {
        oc_warn("call %s: the SIP thread is slow; the job is acked anyway", leg->call_id);
        st = OC_OK;
    } else if (st == OC_OK && d->cfg.test_hold_before_ack_ms > 0) {
        test_hold_before_ack(d, leg);
    } else if (st != OC_OK) {
        leg_set_remove(&d->live, leg);
        store_leg_end(d->svc->db, leg->tenant_id, leg->dispatch_id, "failed", 0, "system",
                      "HANGUP_CAUSE_FAILED");
        report_undialled(d, leg, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED,
                         "the SIP stack could not send the INVITE");
        st = OC_OK;
    }
out:
    leg_unref(leg);
    return st;
}

static enum oc_status on_job(void *user, const char *subject, const uint8_t *data, size_t len,
                             uint64_t delivered)
{
    (void)subject;
    struct dialer *d = user;
    Ocpb__CallJob *job = ocpb__call_job__unpack(NULL, len, data);
    if (!job) {
        oc_error("jobs.call: a message that is not a CallJob (%zu bytes); dropped", len);
        return OC_OK;
    }
    enum oc_status st = OC_OK;
    oc_log_set_request_id(job->meta && job->meta->request_id && *job->meta->request_id
                              ? job->meta->request_id
                              : NULL);
    if (!job->meta || !oc_uuid_valid(job->meta->tenant_id) || !job->call_id || !*job->call_id ||
        !job->dispatch_id || !*job->dispatch_id) {
        /* Nobody could be told about it: no tenant or no attempt id. */
        oc_error("jobs.call: a job without tenant, call id or dispatch id; dropped");
        goto out;
    }
    if (delivered > 1)
        oc_info("call %s: attempt %s delivered %llu times", job->call_id, job->dispatch_id,
                (unsigned long long)delivered);
    st = take(d, job);
out:
    oc_log_set_request_id(NULL);
    ocpb__call_job__free_unpacked(job, NULL);
    return st;
}

enum oc_status jobs_start(struct dialer *d)
{
    /* The jobs come from JOBS; progress and ends go to CALLS. */
    enum oc_status st = oc_streams_ensure(d->svc->bus, OC_STREAM_JOBS);
    if (st == OC_OK)
        st = oc_streams_ensure(d->svc->bus, OC_STREAM_CALLS);
    if (st != OC_OK)
        return st;
    const struct oc_consumer_config cc = {
        .stream = OC_STREAM_JOBS,
        .durable = "dialer",
        .filter_subject = "jobs.call",
        .ack_wait_s = JOBS_ACK_WAIT_S,
        /* One at a time: a copy that holds a batch would sit on jobs its
         * siblings could dial now. */
        .batch = 1,
        .nak_delay_ms = (int)d->cfg.retry_delay_ms,
    };
    return oc_consumer_start(&d->jobs, d->svc->bus, &cc, on_job, d);
}

void jobs_stop(struct dialer *d)
{
    oc_consumer_stop(d->jobs);
    d->jobs = NULL;
}
