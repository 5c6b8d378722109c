/*
 * The sandbox carrier: a SIMULATOR of a SIP trunk and the people behind it,
 * for `make run` and the tests, never for real calls. It listens on
 * loopback like a trunk would (sofia-sip nua, on the main thread's
 * su_root), and answers each INVITE as the contact of the dialled number
 * says (contacts.h): busy, never answering, rejecting, or answering. An
 * answered call gets a line (line.c): a thread with its own RTP socket
 * that waits for the agent's greeting (energy on the RTP it receives),
 * speaks the contact's lines (espeak-ng audio sent as RTP, 20 ms frames on
 * an absolute clock), and hangs up or waits for the agent's BYE. Every call
 * ends with one log line saying whether the agent was heard, and one JSON
 * line in SANDBOX_RESULTS when that is set.
 */
#ifndef SANDBOX_CARRIER_H
#define SANDBOX_CARRIER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../services/media/g711.h"
#include "contacts.h"

struct carrier;

/** One answered call, shared by the SIP thread and its line thread. */
struct line {
    struct carrier *carrier;
    const struct contact *contact;
    char number[32];
    char call_id[160];

    /* Set by the SIP thread before the line thread starts. */
    int fd;
    int port;
    struct sockaddr_in remote;
    enum g711_law law;
    uint8_t payload_type;

    pthread_t thread;
    bool thread_started;
    atomic_bool stop; /* the agent hung up, or the carrier stops */

    /* Written by the line thread, read after it was joined. */
    int64_t heard_ms; /* agent speech heard */
    int agent_turns;
    int lines_said;
    bool contact_hung_up;

    /* The SIP thread's own. */
    void *nh;           /* nua_handle_t */
    void *answer_timer; /* su_timer_t */
    bool answered;
    struct line *next;
};

struct carrier_config {
    const char *sip_addr;      /* SANDBOX_SIP_ADDR */
    long sip_port;             /* SANDBOX_SIP_PORT */
    const char *contacts_path; /* SANDBOX_CONTACTS */
    long rtp_port_min;         /* SANDBOX_RTP_PORTS */
    long rtp_port_max;
    const char *results_path; /* SANDBOX_RESULTS: "" for none */
};

/** Starts the line thread of an answered call. */
int line_start(struct line *l);

/** Asks the SIP thread to hang up the line (the contact puts the phone down). */
void carrier_hang_up(struct carrier *c, struct line *l);

/** The next RTP port of the range, bound; -1 when none is free. */
int carrier_rtp_socket(struct carrier *c, int *port);

#endif
