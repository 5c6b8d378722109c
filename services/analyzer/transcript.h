/*
 * The facts of one ended call as the analyzer's pure code sees them: its
 * language, the speakers and their words. The service builds this from
 * ocpb.CallEnded and the command line from call.json; every rule module
 * reads only this, so none of them knows where the call came from.
 */
#ifndef ANALYZER_TRANSCRIPT_H
#define ANALYZER_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lang { LANG_ES = 0, LANG_EN = 1 };

enum speaker { SPEAKER_AGENT = 0, SPEAKER_CONTACT = 1 };

/* Why the call ended, as far as the rules care. */
enum hangup {
    HANGUP_NORMAL = 0, /* a conversation ended by either side */
    HANGUP_CONTACT,    /* the contact hung up */
    HANGUP_BUSY,       /* never answered: busy */
    HANGUP_NO_ANSWER,  /* never answered: ring timeout */
    HANGUP_FAILED,     /* never answered: any other error */
    HANGUP_MACHINE,    /* answering machine */
    HANGUP_CANCELED,   /* canceled or expired by the platform: nothing to retry */
};

struct turn {
    enum speaker speaker;
    const char *text; /* UTF-8 as transcribed */
};

/*
 * One call. Every pointer is borrowed from the caller for as long as the
 * analysis that reads it runs.
 */
struct call_facts {
    enum lang lang;
    int64_t started_ms;       /* the call's start, UTC: "now" for relative times */
    const char *timezone;     /* the contact's IANA zone */
    char country[3];          /* ISO 3166-1 alpha-2 of the dialled number */
    const char *contact_name; /* may be NULL */
    const char *phone_e164;   /* the number dialled; may be NULL */
    bool voicemail;           /* answering machine or voicemail detected */
    enum hangup hangup;
    int64_t booking_ms; /* a meeting booked during the call; 0: none */
    const struct turn *turns;
    size_t n_turns;
};

#endif
