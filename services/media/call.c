/*
 * One call's media and conversation; see call.h for its life. Everything
 * here runs on the call's worker thread except call_new and call_free.
 *
 * A frame (20 ms) does, in order: take the contact's frame out of the
 * jitter buffer and decode it, feed it to the voice activity detector (and
 * the utterance being captured), produce the agent's frame from the prompt
 * being played (or silence), send it, then let the dialogue react to the
 * time that passed. Silence is sent between prompts rather than nothing,
 * so the far end's jitter buffer and any NAT on the way stay settled.
 */
#include "call.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media.h"
#include "oc/arena.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "outbox.h"
#include "ports.h"
#include "proto/dialer.pb-c.h"
#include "registry.h"
#include "speech.h"
#include "worker.h"

/* After the closing line, the last frames reach the far end before the BYE. */
#define CALL_HANGUP_GRACE_MS 400
/* Past the maximum duration, the dialogue gets this long to close politely. */
#define CALL_HARD_STOP_GRACE_MS 30000
/* While stopping the copy, the last words get this long to be transcribed. */
#define CALL_HURRY_MS 500
/* Hang-over kept at the end of an utterance sent to speech-to-text. */
#define CALL_TAIL_FRAMES 10
/* Frames of preroll added before the first voiced frame. */
#define CALL_PREROLL_EXTRA 5

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The call's own clock: frames since it began. */
static int64_t call_now(const struct call *c)
{
    return (int64_t)c->ticks * CALL_FRAME_MS;
}

static const char *adup(struct oc_arena *a, const char *s)
{
    return oc_arena_strdup(a, s ? s : "");
}

/* A tenant id goes into subjects (evt.<tenant>...): one token, no wildcards. */
static bool subject_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    }
    return true;
}

/* Renders a prompt template into the arena. */
static const char *render(struct oc_arena *a, const char *tmpl, const struct dialogue_vars *vars)
{
    size_t n = dialogue_render(tmpl, vars, NULL, 0);
    char *out = oc_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    dialogue_render(tmpl, vars, out, n + 1);
    return out;
}

/* ================================================================ building */

static enum oc_status build_script(struct call *c, const Ocpb__AllocateMediaRequest *req)
{
    struct oc_arena *a = c->arena;
    const Ocpb__Assistant *as = req->assistant->assistant;
    const Ocpb__Lead *lead = req->lead;
    const Ocpb__WizardAnswers *wiz = as->wizard;
    struct dialogue_vars vars = {
        .name = lead ? lead->name : NULL,
        .first_name = lead ? lead->first_name : NULL,
        .company = lead ? lead->company : NULL,
        .agent_name = wiz ? wiz->agent_name : NULL,
        .company_name = wiz ? wiz->company_name : NULL,
    };
    struct dialogue_script *s = &c->script;
    const Ocpb__Script *script = as->script;

    s->greeting = render(a, as->greeting, &vars);
    s->closing = render(a, script ? script->closing_line : "", &vars);
    s->n_lines = script ? script->n_lines : 0;
    const char **lines = oc_arena_alloc(a, (s->n_lines ? s->n_lines : 1) * sizeof(*lines));
    if (!s->greeting || !s->closing || !lines)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < s->n_lines; i++) {
        lines[i] = render(a, script->lines[i] ? script->lines[i]->text : "", &vars);
        if (!lines[i])
            return OC_ERR_NOMEM;
    }
    s->lines = lines;

    s->n_objections =
        as->n_objections < DIALOGUE_MAX_OBJECTIONS ? as->n_objections : DIALOGUE_MAX_OBJECTIONS;
    struct dialogue_objection *obj =
        oc_arena_alloc(a, (s->n_objections ? s->n_objections : 1) * sizeof(*obj));
    if (!obj)
        return OC_ERR_NOMEM;
    for (size_t j = 0; j < s->n_objections; j++) {
        obj[j].trigger = adup(a, as->objections[j]->trigger);
        obj[j].response = render(a, as->objections[j]->response, &vars);
        if (!obj[j].trigger || !obj[j].response)
            return OC_ERR_NOMEM;
    }
    s->objections = obj;

    c->n_prompts = dialogue_prompt_count(s);
    c->prompts = oc_arena_alloc(a, c->n_prompts * sizeof(*c->prompts));
    if (!c->prompts)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < c->n_prompts; i++) {
        c->prompts[i].text = dialogue_prompt_text(s, i);
        c->prompts[i].state = *c->prompts[i].text ? PROMPT_PENDING : PROMPT_EMPTY;
    }
    return OC_OK;
}

enum oc_status call_new(struct call **out, struct media *m, const Ocpb__AllocateMediaRequest *req,
                        const Ocpb__Envelope *env, uint64_t handle, const char **why)
{
    const struct media_config *cfg = &m->cfg;
    struct oc_arena *a = NULL;
    struct call *c = NULL;
    enum oc_status st;

    if (!req->call_id || !*req->call_id || !req->dispatch_id || !*req->dispatch_id) {
        *why = "call_id and dispatch_id are required";
        return OC_ERR_INVALID;
    }
    if (!subject_token(env->tenant_id)) {
        *why = "the envelope carries no usable tenant id";
        return OC_ERR_INVALID;
    }
    if (!req->assistant || !req->assistant->assistant) {
        *why = "the assistant snapshot is missing";
        return OC_ERR_INVALID;
    }
    if (req->hangup_subject && *req->hangup_subject && strpbrk(req->hangup_subject, " *>")) {
        *why = "hangup_subject is not a subject";
        return OC_ERR_INVALID;
    }

    st = oc_arena_new(&a, 16384);
    if (st != OC_OK)
        return st;
    c = oc_arena_alloc(a, sizeof(*c));
    if (!c) {
        oc_arena_free(a);
        return OC_ERR_NOMEM;
    }
    c->arena = a;
    c->media = m;
    c->handle = handle;
    c->fd = -1;
    c->state = CALL_ALLOCATED;
    c->playing = -1;
    c->waiting_prompt = -1;
    c->hangup_at_ms = -1;

    const Ocpb__Assistant *as = req->assistant->assistant;
    const Ocpb__Lead *lead = req->lead;
    c->tenant_id = adup(a, env->tenant_id);
    c->request_id = adup(a, env->request_id);
    c->call_id = adup(a, req->call_id);
    c->dispatch_id = adup(a, req->dispatch_id);
    c->campaign_id = adup(a, req->campaign_id);
    c->lead_id = adup(a, lead ? lead->id : "");
    c->contact_name = adup(a, lead ? lead->name : "");
    c->timezone = adup(a, lead ? lead->timezone : "");
    c->country = adup(a, req->country && *req->country ? req->country : (lead ? lead->region : ""));
    c->phone_e164 = adup(a, req->phone_e164);
    c->hangup_subject = adup(a, req->hangup_subject);
    c->language = as->language;
    if (as->voice && *as->voice)
        c->voice = adup(a, as->voice);
    else
        c->voice =
            adup(a, as->language == OCPB__LANGUAGE__LANGUAGE_ES ? cfg->voice_es : cfg->voice_en);

    st = build_script(c, req);
    if (st != OC_OK)
        goto fail;
    c->timing.reply_timeout_ms = cfg->reply_timeout_ms;
    c->timing.stt_timeout_ms = cfg->stt_timeout_ms;
    c->timing.max_duration_ms =
        1000LL * (as->max_duration_s > 0 ? as->max_duration_s : cfg->max_duration_s);

    struct vad_config vc;
    vad_config_default(&vc);
    vc.min_level_db = (double)cfg->vad_min_db;
    vc.end_frames = (unsigned)(cfg->vad_end_ms / CALL_FRAME_MS);
    vad_init(&c->vad, &vc);
    jitter_init(&c->jitter, (unsigned)(cfg->jitter_ms / CALL_FRAME_MS));

    /* RFC 3550 5.1: random SSRC, initial sequence number and timestamp. */
    uint32_t r[3];
    st = oc_random_bytes(r, sizeof(r));
    if (st != OC_OK)
        goto fail;
    rtp_sender_init(&c->tx, r[0], (uint16_t)r[1], r[2]);

    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now_mono = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t ttl = cfg->allocation_ttl_ms;
    if (req->expires_unix_ms > 0) {
        int64_t left = req->expires_unix_ms - unix_ms();
        if (left < ttl)
            ttl = left > 1000 ? left : 1000;
    }
    c->expires_mono_ms = now_mono + ttl;

    if (!c->tenant_id || !c->call_id || !c->dispatch_id || !c->campaign_id || !c->lead_id ||
        !c->contact_name || !c->timezone || !c->country || !c->phone_e164 || !c->hangup_subject ||
        !c->voice || !c->request_id) {
        st = OC_ERR_NOMEM;
        goto fail;
    }
    st = port_pool_bind(m->ports, &c->fd, &c->port);
    if (st != OC_OK) {
        *why = "no free RTP port on this media copy";
        goto fail;
    }
    *out = c;
    return OC_OK;

fail:
    oc_arena_free(a);
    return st;
}

void call_free(struct call *c)
{
    if (!c)
        return;
    struct media *m = c->media;
    registry_remove(m->registry, c->call_id, c->handle);
    oc_metric_set(m->calls_active, (int64_t)registry_count(m->registry));
    if (c->fd >= 0) {
        close(c->fd);
        port_pool_release(m->ports, c->port);
    }
    oc_arena_free(c->arena);
}

void call_adopt(struct call *c, struct worker *w, int64_t now_mono_ms)
{
    (void)now_mono_ms;
    c->worker = w;
    for (size_t i = 0; i < c->n_prompts; i++) {
        struct prompt *p = &c->prompts[i];
        if (p->state != PROMPT_PENDING)
            continue;
        struct speech_job *j = speech_job_new_tts(p->text, c->voice, (int)c->media->cfg.tts_rate);
        if (!j) {
            p->state = PROMPT_FAILED;
            continue;
        }
        j->done = worker_speech_done;
        j->owner = w;
        j->call = c->handle;
        j->tag = i;
        speech_pool_submit(c->media->speech, j);
    }
}

/* ================================================================ transcript */

static void event_meta(struct call *c, Ocpb__EventMeta *meta, int64_t at_unix_ms)
{
    char *id = oc_arena_alloc(c->arena, 37);
    ocpb__event_meta__init(meta);
    if (id && oc_uuid_v4(id) == OC_OK)
        meta->event_id = id;
    meta->tenant_id = (char *)c->tenant_id;
    meta->occurred_unix_ms = at_unix_ms;
    meta->request_id = (char *)c->request_id;
}

static void add_turn(struct call *c, Ocpb__Speaker speaker, const char *text, int64_t start_ms,
                     int64_t end_ms, bool interrupted, float confidence)
{
    struct call_turn *t = oc_arena_alloc(c->arena, sizeof(*t));
    char *copy = oc_arena_strdup(c->arena, text);
    if (!t || !copy) {
        oc_warn("call %s: no memory for a transcript turn", c->call_id);
        return;
    }
    ocpb__transcript_turn__init(&t->turn);
    t->turn.speaker = speaker;
    t->turn.text = copy;
    t->turn.start_ms = start_ms;
    t->turn.end_ms = end_ms;
    t->turn.interrupted = interrupted;
    t->turn.stt_confidence = confidence;
    t->next = c->turns;
    c->turns = t;
    c->n_turns++;
    oc_debug("call %s: %s [%lld-%lld ms]: %s", c->call_id,
             speaker == OCPB__SPEAKER__SPEAKER_AGENT ? "agent" : "contact", (long long)start_ms,
             (long long)end_ms, text);

    Ocpb__TranscriptTurnAdded ev = OCPB__TRANSCRIPT_TURN_ADDED__INIT;
    Ocpb__EventMeta meta;
    event_meta(c, &meta, unix_ms());
    ev.meta = &meta;
    ev.call_id = (char *)c->call_id;
    ev.turn = &t->turn;
    char subject[256];
    snprintf(subject, sizeof(subject), "evt.%s.call.turn", c->tenant_id);
    outbox_push(c->media->outbox, OUTBOX_EVENT, subject, &ev.base, NULL, NULL, NULL);
}

/* ================================================================ speaking */

static void apply(struct call *c, struct dialogue_action a);

static void start_playing(struct call *c, size_t prompt)
{
    c->playing = (long)prompt;
    c->play_pos = 0;
    c->play_start_ms = call_now(c);
    c->waiting_prompt = -1;
    rtp_sender_talkspurt(&c->tx);
}

/* The prompt being played reached its end (or the call ended under it). */
static void finish_playing(struct call *c, bool cut)
{
    struct prompt *p = &c->prompts[c->playing];
    add_turn(c, OCPB__SPEAKER__SPEAKER_AGENT, p->text, c->offset0_ms + c->play_start_ms,
             c->offset0_ms + call_now(c), cut, 0.0f);
    c->playing = -1;
    if (!cut)
        apply(c, dialogue_agent_done(&c->dialogue, call_now(c)));
}

static void apply(struct call *c, struct dialogue_action a)
{
    /* Each round makes the dialogue move on, so this ends; the bound only
     * guards against a prompt table that lies. */
    for (int round = 0; round < 256 && a.act != DIALOGUE_ACT_NONE; round++) {
        if (a.act == DIALOGUE_ACT_HANGUP) {
            if (c->hangup_at_ms < 0) {
                c->hangup_at_ms = call_now(c) + CALL_HANGUP_GRACE_MS;
                c->cause = dialogue_hit_max_duration(&c->dialogue)
                               ? OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MAX_DURATION
                               : OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP;
            }
            return;
        }
        if (a.prompt >= c->n_prompts)
            return;
        struct prompt *p = &c->prompts[a.prompt];
        if (p->state == PROMPT_READY) {
            start_playing(c, a.prompt);
            return;
        }
        if (p->state == PROMPT_PENDING) {
            c->waiting_prompt = (long)a.prompt;
            return;
        }
        /* Nothing to say (no text, or the engine failed): the turn is over. */
        a = dialogue_agent_done(&c->dialogue, call_now(c));
    }
}

/* Fills out with the next frame of the agent; true when the prompt ended with it. */
static bool produce(struct call *c, int16_t out[CALL_FRAME_SAMPLES])
{
    if (c->playing < 0) {
        memset(out, 0, CALL_FRAME_SAMPLES * sizeof(*out));
        return false;
    }
    struct prompt *p = &c->prompts[c->playing];
    size_t left = p->n > c->play_pos ? p->n - c->play_pos : 0;
    size_t k = left < CALL_FRAME_SAMPLES ? left : CALL_FRAME_SAMPLES;
    memcpy(out, p->pcm + c->play_pos, k * sizeof(*out));
    memset(out + k, 0, (CALL_FRAME_SAMPLES - k) * sizeof(*out));
    c->play_pos += k;
    return c->play_pos >= p->n;
}

static void send_frame(struct call *c, const int16_t pcm[CALL_FRAME_SAMPLES])
{
    uint8_t payload[CALL_FRAME_SAMPLES];
    uint8_t packet[RTP_HEADER_LEN + CALL_FRAME_SAMPLES];
    struct rtp_header h;

    g711_encode(c->law, pcm, CALL_FRAME_SAMPLES, payload);
    rtp_sender_next(&c->tx, c->payload_type, CALL_FRAME_SAMPLES, &h);
    size_t n = rtp_write(packet, sizeof(packet), &h, payload, sizeof(payload));
    ssize_t sent =
        sendto(c->fd, packet, n, MSG_DONTWAIT, (struct sockaddr *)&c->remote, sizeof(c->remote));
    if (sent == (ssize_t)n)
        c->packets_out++;
    else
        c->packets_dropped++;
}

/* ================================================================ listening */

static void submit_utterance(struct call *c, int64_t end_ms)
{
    c->capturing = false;
    c->utterances++;
    struct speech_job *j = speech_job_new_stt(c->utterance, c->utterance_len);
    if (!j) {
        oc_warn("call %s: no memory to transcribe an utterance", c->call_id);
        return;
    }
    j->done = worker_speech_done;
    j->owner = c->worker;
    j->call = c->handle;
    j->tag = c->utterances;
    j->start_ms = c->utterance_start_ms;
    j->end_ms = end_ms;
    c->pending_stt++;
    speech_pool_submit(c->media->speech, j);
}

static void capture(struct call *c, const int16_t *pcm)
{
    if (c->utterance_len + CALL_FRAME_SAMPLES > c->utterance_cap)
        return; /* past the longest utterance: the rest is not transcribed */
    memcpy(c->utterance + c->utterance_len, pcm, CALL_FRAME_SAMPLES * sizeof(*pcm));
    c->utterance_len += CALL_FRAME_SAMPLES;
}

static void hear(struct call *c, const int16_t in[CALL_FRAME_SAMPLES])
{
    memcpy(c->history[c->history_n % CALL_PREROLL_FRAMES], in, sizeof(c->history[0]));
    c->history_n++;
    enum vad_event ev = vad_process(&c->vad, in, CALL_FRAME_SAMPLES);

    if (ev == VAD_SPEECH_START) {
        if (!c->utterance) {
            c->utterance_cap = (size_t)CALL_MAX_UTTERANCE_MS / CALL_FRAME_MS * CALL_FRAME_SAMPLES;
            c->utterance = oc_arena_alloc(c->arena, c->utterance_cap * sizeof(*c->utterance));
            if (!c->utterance) {
                oc_warn("call %s: no memory to capture speech", c->call_id);
                c->utterance_cap = 0;
            }
        }
        /* The voiced frames that started speech, and a little before them. */
        uint64_t k = c->vad.voiced_run + CALL_PREROLL_EXTRA;
        if (k > CALL_PREROLL_FRAMES)
            k = CALL_PREROLL_FRAMES;
        if (k > c->history_n)
            k = c->history_n;
        c->utterance_len = 0;
        for (uint64_t j = k; j >= 1; j--)
            capture(c, c->history[(c->history_n - j) % CALL_PREROLL_FRAMES]);
        c->capturing = true;
        /* The turn starts at the first voiced frame, not at the preroll. */
        c->utterance_start_ms =
            c->offset0_ms + ((int64_t)c->ticks + 1 - (int64_t)c->vad.voiced_run) * CALL_FRAME_MS;
        dialogue_contact_started(&c->dialogue, call_now(c));
        return;
    }
    if (!c->capturing)
        return;
    capture(c, in);
    if (ev == VAD_SPEECH_END) {
        /* The hang-over is silence; keep only its start. */
        size_t quiet = c->vad.unvoiced_run > CALL_TAIL_FRAMES
                           ? (c->vad.unvoiced_run - CALL_TAIL_FRAMES) * CALL_FRAME_SAMPLES
                           : 0;
        c->utterance_len = quiet < c->utterance_len ? c->utterance_len - quiet : 0;
        int64_t end_ms =
            c->offset0_ms + ((int64_t)c->ticks + 1 - (int64_t)c->vad.unvoiced_run) * CALL_FRAME_MS;
        submit_utterance(c, end_ms);
        dialogue_contact_stopped(&c->dialogue, c->utterances, call_now(c));
    }
}

/* ================================================================ frames */

static void frame(struct call *c, bool transmit)
{
    uint8_t payload[JITTER_FRAME_MAX];
    size_t plen = 0;
    int16_t in[CALL_FRAME_SAMPLES];
    int16_t out[CALL_FRAME_SAMPLES];

    if (jitter_get(&c->jitter, payload, sizeof(payload), &plen)) {
        size_t k = plen < CALL_FRAME_SAMPLES ? plen : CALL_FRAME_SAMPLES;
        g711_decode(c->law, payload, k, in);
        memset(in + k, 0, (CALL_FRAME_SAMPLES - k) * sizeof(*in));
    } else {
        memset(in, 0, sizeof(in));
    }
    hear(c, in);

    bool finished = produce(c, out);
    if (transmit)
        send_frame(c, out);
    else
        rtp_sender_skip(&c->tx, CALL_FRAME_SAMPLES);
    c->ticks++;
    if (finished)
        finish_playing(c, false);
    apply(c, dialogue_tick(&c->dialogue, call_now(c)));
}

void call_on_readable(struct call *c)
{
    uint8_t buf[2048];

    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                oc_debug("call %s: rtp receive: %s", c->call_id, strerror(errno));
            return;
        }
        if (c->state != CALL_RUNNING)
            continue; /* before the answer or after the end: nobody listens */
        if (fromlen != sizeof(from) || from.sin_addr.s_addr != c->remote.sin_addr.s_addr) {
            c->packets_dropped++;
            continue;
        }
        if (from.sin_port != c->remote.sin_port) {
            /* Symmetric RTP: a far end behind NAT sends from another port
             * than its SDP says; follow it once, from the address it gave. */
            if (c->remote_latched) {
                c->packets_dropped++;
                continue;
            }
            oc_debug("call %s: rtp comes from port %d, not %d; following it", c->call_id,
                     ntohs(from.sin_port), ntohs(c->remote.sin_port));
            c->remote.sin_port = from.sin_port;
        }
        c->remote_latched = true;

        struct rtp_header h;
        const uint8_t *payload;
        size_t plen;
        if (rtp_parse(buf, (size_t)n, &h, &payload, &plen) != OC_OK ||
            h.payload_type != c->payload_type) {
            c->packets_dropped++;
            continue;
        }
        rtp_receiver_update(&c->rx, h.ssrc, h.seq);
        jitter_put(&c->jitter, h.seq, payload, plen);
        c->packets_in++;
        c->last_rx_tick = c->ticks;
    }
}

/* ================================================================ life */

void call_begin(struct call *c, const struct call_start *s, int64_t now_mono_ms)
{
    (void)now_mono_ms;
    if (c->state != CALL_ALLOCATED) {
        oc_warn("call %s: started twice; the second start is ignored", c->call_id);
        return;
    }
    c->remote = s->remote;
    c->law = s->law;
    c->payload_type = s->payload_type;
    c->began_unix_ms = unix_ms();
    c->answered_unix_ms = s->answered_unix_ms > 0 ? s->answered_unix_ms : c->began_unix_ms;
    c->dialed_unix_ms = s->dialed_unix_ms;
    c->offset0_ms =
        c->began_unix_ms > c->answered_unix_ms ? c->began_unix_ms - c->answered_unix_ms : 0;
    c->ticks = 0;
    c->last_rx_tick = 0;
    dialogue_init(&c->dialogue, &c->script, &c->timing);
    c->state = CALL_RUNNING;
    oc_metric_add(c->media->calls_started, 1);

    char addr[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &c->remote.sin_addr, addr, sizeof(addr));
    oc_info("call %s: answered; rtp %d <-> %s:%d %s, voice %s", c->call_id, c->port, addr,
            ntohs(c->remote.sin_port), c->law == G711_ULAW ? "PCMU" : "PCMA", c->voice);
    apply(c, dialogue_start(&c->dialogue, call_now(c)));
}

void call_end(struct call *c, Ocpb__HangupCause cause, const char *error, bool ask_dialer,
              bool hurry, int64_t now_mono_ms)
{
    if (c->state == CALL_ALLOCATED) {
        c->state = CALL_DONE;
        return;
    }
    if (c->state != CALL_RUNNING)
        return;
    c->ended_unix_ms = unix_ms();
    c->cause = cause;
    c->error = error ? oc_arena_strdup(c->arena, error) : NULL;
    if (c->playing >= 0)
        finish_playing(c, true);
    if (c->capturing)
        submit_utterance(c, c->offset0_ms + call_now(c));
    if (ask_dialer && *c->hangup_subject) {
        Ocpb__HangupCallRequest req = OCPB__HANGUP_CALL_REQUEST__INIT;
        req.call_id = (char *)c->call_id;
        req.reason =
            (char *)protobuf_c_enum_descriptor_get_value(&ocpb__hangup_cause__descriptor, cause)
                ->name;
        outbox_push(c->media->outbox, OUTBOX_REQUEST, c->hangup_subject, &req.base, NULL,
                    c->tenant_id, c->request_id);
    }
    c->state = CALL_ENDING;
    c->ending_deadline_mono_ms =
        now_mono_ms + (hurry ? CALL_HURRY_MS : c->media->cfg.stt_timeout_ms);
}

static int turn_order(const void *a, const void *b)
{
    const Ocpb__TranscriptTurn *x = *(Ocpb__TranscriptTurn *const *)a;
    const Ocpb__TranscriptTurn *y = *(Ocpb__TranscriptTurn *const *)b;
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? -1 : 1;
    return (int)x->speaker - (int)y->speaker;
}

/* Publishes calls.ended (with the transcript) and the dashboard's event. */
static void report(struct call *c)
{
    Ocpb__CallEnded ev = OCPB__CALL_ENDED__INIT;
    Ocpb__EventMeta meta;
    event_meta(c, &meta, c->ended_unix_ms);
    ev.meta = &meta;
    ev.call_id = (char *)c->call_id;
    ev.dispatch_id = (char *)c->dispatch_id;
    ev.campaign_id = (char *)c->campaign_id;
    ev.lead_id = (char *)c->lead_id;
    ev.media_instance_id = c->media->instance;
    ev.dialed_unix_ms = c->dialed_unix_ms;
    ev.answered_unix_ms = c->answered_unix_ms;
    ev.ended_unix_ms = c->ended_unix_ms;
    ev.duration_ms =
        c->ended_unix_ms > c->answered_unix_ms ? c->ended_unix_ms - c->answered_unix_ms : 0;
    ev.cause = c->cause;
    ev.sip_code = 200;
    ev.sip_reason = "OK";
    ev.amd = OCPB__AMD_RESULT__AMD_RESULT_UNSPECIFIED;
    ev.language = c->language;
    ev.timezone = (char *)c->timezone;
    ev.country = (char *)c->country;
    ev.contact_name = (char *)c->contact_name;
    ev.phone_e164 = (char *)c->phone_e164;
    ev.error = (char *)(c->error ? c->error : "");

    Ocpb__TranscriptTurn **turns =
        oc_arena_alloc(c->arena, (c->n_turns ? c->n_turns : 1) * sizeof(*turns));
    if (turns) {
        size_t i = 0;
        for (struct call_turn *t = c->turns; t; t = t->next)
            turns[i++] = &t->turn;
        qsort(turns, i, sizeof(*turns), turn_order);
        ev.transcript = turns;
        ev.n_transcript = i;
    }

    char msg_id[192];
    snprintf(msg_id, sizeof(msg_id), "ended:%s", c->dispatch_id);
    outbox_push(c->media->outbox, OUTBOX_DURABLE, "calls.ended", &ev.base, msg_id, NULL, NULL);

    ev.transcript = NULL;
    ev.n_transcript = 0;
    char subject[256];
    snprintf(subject, sizeof(subject), "evt.%s.call.ended", c->tenant_id);
    outbox_push(c->media->outbox, OUTBOX_EVENT, subject, &ev.base, NULL, NULL, NULL);

    oc_metric_add(c->media->calls_ended, 1);
    oc_info("call %s: ended (%s) after %lld ms; %zu turns; rtp in %llu (lost %llu, late %llu),"
            " out %llu, dropped %llu",
            c->call_id,
            protobuf_c_enum_descriptor_get_value(&ocpb__hangup_cause__descriptor, c->cause)->name,
            (long long)ev.duration_ms, c->n_turns, (unsigned long long)c->packets_in,
            (unsigned long long)rtp_receiver_lost(&c->rx), (unsigned long long)c->jitter.late,
            (unsigned long long)c->packets_out, (unsigned long long)c->packets_dropped);
}

void call_tick(struct call *c, int64_t now_mono_ms, unsigned send, unsigned skip)
{
    switch (c->state) {
    case CALL_ALLOCATED:
        if (now_mono_ms >= c->expires_mono_ms) {
            oc_info("call %s: allocation expired before the answer", c->call_id);
            c->state = CALL_DONE;
        }
        return;
    case CALL_RUNNING:
        break;
    case CALL_ENDING:
        if (c->pending_stt <= 0 || now_mono_ms >= c->ending_deadline_mono_ms) {
            if (c->pending_stt > 0)
                oc_warn("call %s: %d utterance(s) still being transcribed are left out", c->call_id,
                        c->pending_stt);
            report(c);
            c->state = CALL_DONE;
        }
        return;
    case CALL_DONE:
        return;
    }

    if (skip)
        oc_metric_add(c->media->frames_late, skip);
    for (unsigned i = 0; i < skip + send && c->state == CALL_RUNNING; i++)
        frame(c, i >= skip);

    if (c->hangup_at_ms >= 0 && call_now(c) >= c->hangup_at_ms) {
        call_end(c, c->cause, NULL, true, false, now_mono_ms);
    } else if ((int64_t)(c->ticks - c->last_rx_tick) * CALL_FRAME_MS >
               c->media->cfg.rtp_timeout_ms) {
        call_end(c, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_TIMEOUT, "no audio from the far end",
                 true, false, now_mono_ms);
    } else if (call_now(c) > c->timing.max_duration_ms + CALL_HARD_STOP_GRACE_MS) {
        call_end(c, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MAX_DURATION, NULL, true, false, now_mono_ms);
    }
}

void call_on_speech(struct call *c, struct speech_job *job, int64_t now_mono_ms)
{
    (void)now_mono_ms;
    if (job->kind == SPEECH_TTS) {
        struct prompt *p = job->tag < c->n_prompts ? &c->prompts[job->tag] : NULL;
        if (p && job->status == OC_OK) {
            p->pcm = oc_arena_alloc(c->arena, job->n_audio * sizeof(*p->pcm));
            if (p->pcm) {
                memcpy(p->pcm, job->audio, job->n_audio * sizeof(*p->pcm));
                p->n = job->n_audio;
                p->state = PROMPT_READY;
            } else {
                p->state = PROMPT_FAILED;
            }
        } else if (p) {
            oc_warn("call %s: prompt %llu could not be synthesised: %s", c->call_id,
                    (unsigned long long)job->tag, oc_status_text(job->status));
            p->state = PROMPT_FAILED;
        }
        if (p && c->state == CALL_RUNNING && c->waiting_prompt == (long)job->tag) {
            c->waiting_prompt = -1;
            apply(c, (struct dialogue_action){DIALOGUE_ACT_SAY, job->tag});
        }
    } else {
        c->pending_stt--;
        const char *text = job->status == OC_OK && job->heard ? job->heard : "";
        if (job->status != OC_OK && job->status != OC_ERR_UNAVAILABLE)
            oc_warn("call %s: speech-to-text failed: %s", c->call_id, oc_status_text(job->status));
        if (*text)
            add_turn(c, OCPB__SPEAKER__SPEAKER_CONTACT, text, job->start_ms, job->end_ms, false,
                     job->confidence);
        if (c->state == CALL_RUNNING)
            apply(c, dialogue_contact_said(&c->dialogue, job->tag, text, call_now(c)));
    }
    speech_job_free(job);
}

bool call_done(const struct call *c)
{
    return c->state == CALL_DONE;
}
