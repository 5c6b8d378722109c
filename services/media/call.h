/*
 * One answered (or about to be answered) call in a media copy: its RTP
 * socket, the frames in and out, the agent's prompts, the contact's
 * utterances, the scripted dialogue and the transcript, all in one arena
 * that lives exactly as long as the call.
 *
 * Life: call_new (handlers.c, on a NATS thread) builds it from
 * media.allocate and binds its port; from then on only its worker's thread
 * touches it: call_adopt asks for the prompts to be synthesised, call_begin
 * starts the conversation on media.<instance>.start, call_tick runs every
 * 20 ms, call_end starts the ending, and once call_done() is true the
 * worker frees it with call_free. An allocation never started is freed
 * when it expires or is stopped, and publishes nothing.
 */
#ifndef MEDIA_CALL_H
#define MEDIA_CALL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dialogue.h"
#include "g711.h"
#include "jitter.h"
#include "proto/media.pb-c.h"
#include "rtp.h"
#include "vad.h"

struct media;
struct worker;
struct speech_job;

/* 20 ms of 8 kHz audio: the only frame the media tier sends. */
#define CALL_FRAME_MS 20
#define CALL_FRAME_SAMPLES 160
/* Audio kept from before the detector fired, so the first syllable is not lost. */
#define CALL_PREROLL_FRAMES 10
/* Longest utterance sent to speech-to-text; the rest of a monologue is dropped. */
#define CALL_MAX_UTTERANCE_MS 20000

enum call_state {
    CALL_ALLOCATED, /* port bound, prompts being synthesised, not answered */
    CALL_RUNNING,   /* answered: frames flow */
    CALL_ENDING,    /* over; waiting for the last words to be transcribed */
    CALL_DONE,      /* reported (if it ran); the worker frees it */
};

/** What media.<instance>.start says about the answered call. */
struct call_start {
    struct sockaddr_in remote;
    enum g711_law law;
    uint8_t payload_type;
    int64_t answered_unix_ms;
    int64_t dialed_unix_ms;
};

enum prompt_state {
    PROMPT_EMPTY,   /* no text: nothing to say */
    PROMPT_PENDING, /* being synthesised */
    PROMPT_READY,
    PROMPT_FAILED,
};

struct prompt {
    const char *text;
    enum prompt_state state;
    int16_t *pcm; /* 8 kHz, in the call's arena */
    size_t n;
};

struct call_turn {
    Ocpb__TranscriptTurn turn;
    struct call_turn *next;
};

struct call {
    struct oc_arena *arena;
    struct media *media;
    struct worker *worker;
    uint64_t handle;
    enum call_state state;

    /* Who and what: copied from media.allocate into the arena. */
    const char *tenant_id;
    const char *request_id;
    const char *call_id;
    const char *dispatch_id;
    const char *campaign_id;
    const char *lead_id;
    const char *contact_name;
    const char *timezone;
    const char *country;
    const char *phone_e164;
    const char *hangup_subject;
    const char *voice;
    Ocpb__Language language;

    /* RTP. */
    int fd;
    int port;
    struct sockaddr_in remote;
    bool remote_latched; /* the far end's source port was taken over once */
    enum g711_law law;
    uint8_t payload_type;
    struct rtp_sender tx;
    struct rtp_receiver rx;
    struct jitter jitter;
    uint64_t packets_in;
    uint64_t packets_out;
    uint64_t packets_dropped;

    /* Time. The call's own clock is ticks * 20 ms since it began; transcript
     * offsets add offset0_ms, the time from the answer to the beginning. */
    int64_t expires_mono_ms;
    int64_t answered_unix_ms;
    int64_t dialed_unix_ms;
    int64_t began_unix_ms;
    int64_t ended_unix_ms;
    int64_t offset0_ms;
    uint64_t ticks;
    uint64_t last_rx_tick;

    /* Speaking. */
    struct dialogue_script script;
    struct dialogue dialogue;
    struct dialogue_timing timing;
    struct prompt *prompts;
    size_t n_prompts;
    long playing; /* the prompt being played, or -1 */
    size_t play_pos;
    int64_t play_start_ms; /* call clock */
    long waiting_prompt;   /* asked for but not synthesised yet, or -1 */
    int64_t hangup_at_ms;  /* call clock; -1: not asked */

    /* Listening. */
    struct vad vad;
    int16_t history[CALL_PREROLL_FRAMES][CALL_FRAME_SAMPLES];
    uint64_t history_n;
    int16_t *utterance; /* capture buffer, allocated at the first speech */
    size_t utterance_len;
    size_t utterance_cap;
    bool capturing;
    int64_t utterance_start_ms;
    uint64_t utterances;
    int pending_stt;

    /* Transcript and ending. */
    struct call_turn *turns;
    size_t n_turns;
    Ocpb__HangupCause cause;
    const char *error;
    int64_t ending_deadline_mono_ms;

    struct call *next; /* the worker's list */
};

/**
 * Builds a call from an allocation request: arena, copies of everything it
 * needs, rendered prompts, a bound RTP socket. On OC_OK the caller owns
 * *out until it hands it to a worker; *why names an input problem on
 * OC_ERR_INVALID.
 */
enum oc_status call_new(struct call **out, struct media *m, const Ocpb__AllocateMediaRequest *req,
                        const Ocpb__Envelope *env, uint64_t handle, const char **why);

/** Closes the socket, returns the port, frees the arena. NULL does nothing. */
void call_free(struct call *c);

/** The worker took the call: synthesise every prompt now, before the answer. */
void call_adopt(struct call *c, struct worker *w, int64_t now_mono_ms);

/** The call was answered: start the frames and the dialogue. */
void call_begin(struct call *c, const struct call_start *s, int64_t now_mono_ms);

/**
 * Ends the call for cause. ask_dialer: also ask the dialer to hang up (the
 * agent or the system ends it; not when the contact already did). hurry:
 * wait at most a moment for speech-to-text (shutdown).
 */
void call_end(struct call *c, Ocpb__HangupCause cause, const char *error, bool ask_dialer,
              bool hurry, int64_t now_mono_ms);

/** The RTP socket is readable. */
void call_on_readable(struct call *c);

/** The worker's clock: send frames due, skip frames lost to a stall, run timeouts. */
void call_tick(struct call *c, int64_t now_mono_ms, unsigned send, unsigned skip);

/** A speech job of this call finished (on the worker's thread). Takes the job. */
void call_on_speech(struct call *c, struct speech_job *job, int64_t now_mono_ms);

/** True once the worker may free the call. */
bool call_done(const struct call *c);

#endif
