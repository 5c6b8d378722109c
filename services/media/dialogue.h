/*
 * The scripted dialogue engine: the default, offline and deterministic way
 * the agent talks. It follows the assistant's script (greeting, each line
 * in order waiting for the contact after each, the closing line, hang up),
 * answers an objection when the contact's words match one of its trigger
 * phrases, moves on when the contact stays silent, and closes the call when
 * the maximum duration is reached.
 *
 * What the agent says is named by prompt number, so the caller can have
 * every prompt synthesised before the call is answered:
 *   0            the greeting
 *   1 .. n       the script's lines
 *   n + 1        the closing line
 *   n + 2 + j    the response to objection j
 *
 * Pure: the caller feeds events with the time (milliseconds on any
 * monotonic clock) and acts on the returned action. Strings are borrowed
 * from the script, which must outlive the engine.
 */
#ifndef MEDIA_DIALOGUE_H
#define MEDIA_DIALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Objections one script may hold; more are ignored (they fit a bit set). */
#define DIALOGUE_MAX_OBJECTIONS 64

struct dialogue_objection {
    const char *trigger; /* example phrases separated by "|" */
    const char *response;
};

struct dialogue_script {
    const char *greeting; /* NULL or "": none */
    const char *const *lines;
    size_t n_lines;
    const char *closing; /* NULL or "": hang up without one */
    const struct dialogue_objection *objections;
    size_t n_objections;
};

struct dialogue_timing {
    int64_t reply_timeout_ms; /* silence after a line before going on */
    int64_t stt_timeout_ms;   /* after the contact stopped, wait this long for their words */
    int64_t max_duration_ms;  /* close the call after this; 0: no limit */
};

enum dialogue_state {
    DIALOGUE_IDLE,      /* not started */
    DIALOGUE_SPEAKING,  /* the agent is saying a prompt */
    DIALOGUE_LISTENING, /* waiting for the contact to speak or finish */
    DIALOGUE_HEARD,     /* the contact finished; waiting for their words */
    DIALOGUE_DONE,      /* hung up */
};

enum dialogue_act {
    DIALOGUE_ACT_NONE,
    DIALOGUE_ACT_SAY, /* say action.prompt, then call dialogue_agent_done */
    DIALOGUE_ACT_HANGUP,
};

struct dialogue_action {
    enum dialogue_act act;
    size_t prompt;
};

struct dialogue {
    const struct dialogue_script *script;
    struct dialogue_timing timing;
    enum dialogue_state state;
    size_t next_line; /* the next script line to say */
    size_t prompt;    /* the prompt being said (SPEAKING) */
    bool closing;     /* the closing line has been started */
    bool contact_speaking;
    bool max_duration_reached;
    uint64_t objections_used;   /* bit j: objection j was answered already */
    uint64_t awaited_utterance; /* HEARD: the utterance whose words close the turn */
    int64_t started_ms;
    int64_t since_ms; /* LISTENING or HEARD since */
};

/** Number of prompt slots of a script (including empty ones). */
size_t dialogue_prompt_count(const struct dialogue_script *s);

/** Text of a prompt; "" for an empty slot or a number out of range. Never NULL. */
const char *dialogue_prompt_text(const struct dialogue_script *s, size_t prompt);

void dialogue_init(struct dialogue *d, const struct dialogue_script *s,
                   const struct dialogue_timing *t);

/** The call was answered: returns the first thing to say (or HANGUP for an empty script). */
struct dialogue_action dialogue_start(struct dialogue *d, int64_t now_ms);

/** The prompt asked for has been played to the end. */
struct dialogue_action dialogue_agent_done(struct dialogue *d, int64_t now_ms);

/** The voice activity detector heard the contact start speaking. */
void dialogue_contact_started(struct dialogue *d, int64_t now_ms);

/**
 * The contact stopped speaking; their words will come later as
 * dialogue_contact_said with the same utterance number.
 */
void dialogue_contact_stopped(struct dialogue *d, uint64_t utterance, int64_t now_ms);

/**
 * Speech-to-text gave the words of an utterance (text may be empty when
 * nothing was recognised). Only the utterance that ended the contact's
 * turn moves the conversation on; others are for the transcript only.
 */
struct dialogue_action dialogue_contact_said(struct dialogue *d, uint64_t utterance,
                                             const char *text, int64_t now_ms);

/** Time passes: reply and speech-to-text timeouts, maximum duration. */
struct dialogue_action dialogue_tick(struct dialogue *d, int64_t now_ms);

/** True once the engine asked to hang up because the maximum duration was reached. */
bool dialogue_hit_max_duration(const struct dialogue *d);

/**
 * Index of the objection whose trigger phrases occur in text (whole words,
 * case and punctuation ignored), skipping those in the used bit set, or -1.
 */
int dialogue_match_objection(const struct dialogue_script *s, uint64_t used, const char *text);

/** Values for the placeholders of dialogue_render; NULL fields render empty. */
struct dialogue_vars {
    const char *name;         /* {name} */
    const char *first_name;   /* {first_name}; falls back to {name} */
    const char *company;      /* {company}: the contact's company */
    const char *agent_name;   /* {agent_name} */
    const char *company_name; /* {company_name}: the caller's company */
};

/**
 * Writes tmpl to out (cap bytes, always NUL-terminated) with the
 * placeholders above replaced; any other {word} is kept as written.
 * Returns the length the full result has (like snprintf).
 */
size_t dialogue_render(const char *tmpl, const struct dialogue_vars *vars, char *out, size_t cap);

#endif
