/*
 * The sofia-sip thread; see sip.h.
 *
 * Threading: the thread creates its own su_root with threading off, so the
 * nua stack and its callbacks run on this one thread; nothing else ever
 * calls into sofia-sip. Commands arrive through a mutex-protected list and
 * one write to an eventfd that su_root watches. A dial command carries a
 * condition the poster waits on, so a job is acked only once its INVITE is
 * on the wire.
 *
 * Media: nua's own offer/answer engine is off (NUTAG_MEDIA_ENABLE(0)); the
 * offer is the media copy's SDP (sdp.c) sent as the INVITE body, and the
 * answer is read from the 200 OK (sdp.c). nua still sends the ACK, answers
 * the far end's BYE and retransmits as the transaction layer requires.
 *
 * Every call reports exactly one final event, unanswered or hang-up; the
 * `reported` flag guards it on every path (answer, failure, BYE either
 * side, a dialog that vanished, shutdown).
 *
 * Shutdown, in the order sofia-sip needs: calls ended and given a grace
 * for their final answers, then the handles of those still here destroyed
 * while the loop runs, then nua_shutdown, and nua_destroy only once
 * nua_r_shutdown confirmed it (otherwise nua_destroy frees nothing). A
 * handle still busy with a BYE nobody answers would hold nua_shutdown for
 * the whole SIP transaction timeout, and a handle destroyed after the loop
 * stopped is never released: either left the whole stack to leak at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct sip_ua;
struct sip_call;
#define SU_ROOT_MAGIC_T struct sip_ua
#define SU_WAKEUP_ARG_T struct sip_ua
#define SU_TIMER_ARG_T struct sip_call
#define NUA_MAGIC_T struct sip_ua
#define NUA_HMAGIC_T struct sip_call

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_wait.h>

#include "dialer.h"
#include "leg.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "outcome.h"
#include "reporter.h"
#include "sdp.h"
#include "sip.h"

/* How long a dial command's poster waits for the INVITE to leave. */
#define SIP_DIAL_WAIT_MS 3000
/* After nua_shutdown, how long before the loop stops anyway. */
#define SIP_SHUTDOWN_WAIT_MS 500
/* After the loop stopped, how much longer nua may take to confirm. */
#define SIP_SHUTDOWN_LAST_WAIT_MS 1000

enum sip_cmd_kind {
    SIP_CMD_DIAL,
    SIP_CMD_HANGUP,
    SIP_CMD_SHUTDOWN,
};

struct sip_cmd {
    enum sip_cmd_kind kind;
    struct leg *leg;   /* DIAL: a reference the command owns */
    char call_id[128]; /* HANGUP */
    enum sip_end why;  /* HANGUP */
    int grace_ms;      /* SHUTDOWN */
    /* DIAL: the poster waits for done; an abandoned command is freed by the thread. */
    bool done;
    bool abandoned;
    enum oc_status status;
    struct sip_cmd *next;
};

enum sip_call_state {
    SC_CALLING, /* INVITE sent, no final answer */
    SC_ANSWERED,
    SC_ENDING, /* CANCEL or BYE sent, or BYE received */
};

struct sip_call {
    struct sip_ua *ua;
    struct leg *leg;
    nua_handle_t *nh;
    su_timer_t *ring_timer;
    enum sip_call_state state;
    enum outcome_cancel cancel;
    bool ringing_reported;
    bool auth_tried;
    bool reported; /* the final event went out */
    struct sip_call *next;
};

struct sip_ua {
    struct dialer *dialer;
    pthread_t thread;
    bool thread_started;

    /* Shared with posting threads, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct sip_cmd *head;
    struct sip_cmd *tail;
    bool ready; /* the thread finished starting */
    enum oc_status start_status;
    bool accepting; /* false once shutting down or failed */
    int efd;

    /* The thread's own. */
    su_home_t home[1];
    su_root_t *root;
    nua_t *nua;
    su_wait_t wait[1];
    bool registered;
    su_timer_t *shutdown_timer;
    su_timer_t *break_timer;
    bool shutting_down;
    bool nua_shutdown_sent;
    bool nua_shutdown_done; /* nua_r_shutdown, final: nua_destroy may run */
    struct sip_call *calls;
};

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sofia-sip's own log lines go to ours at debug level, one line at a time. */
static void sofia_log(void *stream, char const *fmt, va_list ap)
{
    (void)stream;
    static _Thread_local char line[1024];
    static _Thread_local size_t len;
    int n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    if (n < 0)
        return;
    /* vsnprintf counts what did not fit too: a long line is cut, and len
     * never points past the buffer. */
    len += (size_t)n;
    if (len > sizeof(line) - 1)
        len = sizeof(line) - 1;
    if (len >= sizeof(line) - 1 || (len > 0 && line[len - 1] == '\n')) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        line[sizeof(line) - 1] = '\0';
        oc_debug("sofia: %s", line);
        len = 0;
    }
}

/* ================================================================ events out */

static void post_event(struct sip_call *sc, enum leg_event_kind kind, int status,
                       const char *phrase, const sip_t *sip,
                       void (*fill)(struct leg_event *, void *), void *arg)
{
    struct leg_event *ev = leg_event_new(kind, sc->leg);
    if (!ev) {
        oc_error("call %s: no memory to report a SIP event", sc->leg->call_id);
        return;
    }
    ev->at_unix_ms = unix_ms();
    ev->sip_code = status;
    snprintf(ev->sip_reason, sizeof(ev->sip_reason), "%s", phrase ? phrase : "");
    if (sip && sip->sip_call_id && sip->sip_call_id->i_id)
        snprintf(ev->sip_call_id, sizeof(ev->sip_call_id), "%s", sip->sip_call_id->i_id);
    if (fill)
        fill(ev, arg);
    reporter_post(sc->ua->dialer->reporter, ev);
}

struct final_arg {
    struct outcome outcome;
    const char *error;
};

static void fill_unanswered(struct leg_event *ev, void *p)
{
    struct final_arg *a = p;
    ev->outcome = a->outcome.kind;
    ev->cause = a->outcome.cause;
    snprintf(ev->error, sizeof(ev->error), "%s", a->error ? a->error : "");
}

static void report_unanswered(struct sip_call *sc, int status, const char *phrase, const sip_t *sip,
                              const char *error)
{
    if (sc->reported)
        return;
    sc->reported = true;
    struct final_arg a = {outcome_unanswered(status, sc->cancel), error};
    post_event(sc, LEG_UNANSWERED, status, phrase, sip, fill_unanswered, &a);
}

static void fill_side(struct leg_event *ev, void *p)
{
    ev->side = *(Ocpb__HangupSide *)p;
}

static void report_hangup(struct sip_call *sc, Ocpb__HangupSide side, int status,
                          const char *phrase, const sip_t *sip)
{
    if (sc->reported)
        return;
    sc->reported = true;
    post_event(sc, LEG_HANGUP, status, phrase, sip, fill_side, &side);
}

static void fill_answer(struct leg_event *ev, void *p)
{
    const struct sdp_answer *a = p;
    snprintf(ev->remote_addr, sizeof(ev->remote_addr), "%s", a->addr);
    ev->remote_port = a->port;
    ev->codec = a->codec == SDP_PCMU ? OCPB__CODEC__CODEC_PCMU : OCPB__CODEC__CODEC_PCMA;
    ev->payload_type = a->payload_type;
}

/* ================================================================ calls */

static struct sip_call *find_call(struct sip_ua *ua, const char *call_id)
{
    for (struct sip_call *sc = ua->calls; sc; sc = sc->next)
        if (strcmp(sc->leg->call_id, call_id) == 0)
            return sc;
    return NULL;
}

static void free_call(struct sip_call *sc)
{
    struct sip_ua *ua = sc->ua;
    for (struct sip_call **pp = &ua->calls; *pp; pp = &(*pp)->next) {
        if (*pp == sc) {
            *pp = sc->next;
            break;
        }
    }
    if (sc->ring_timer)
        su_timer_destroy(sc->ring_timer);
    if (sc->nh) {
        nua_handle_bind(sc->nh, NULL);
        nua_handle_destroy(sc->nh);
    }
    leg_unref(sc->leg);
    free(sc);
}

static void on_ring_timeout(su_root_magic_t *magic, su_timer_t *t, struct sip_call *sc)
{
    (void)magic;
    (void)t;
    if (sc->state != SC_CALLING)
        return;
    oc_info("call %s: no answer within %d s; canceling", sc->leg->call_id, sc->leg->ring_timeout_s);
    sc->cancel = OUTCOME_RING_TIMEOUT;
    sc->state = SC_ENDING;
    nua_cancel(sc->nh, TAG_END());
}

/* Ends one call from our side: CANCEL before the answer, BYE after. */
static void end_call(struct sip_call *sc, enum sip_end why)
{
    switch (sc->state) {
    case SC_CALLING:
        sc->cancel = why == SIP_END_CANCELED ? OUTCOME_CANCELED
                     : why == SIP_END_SYSTEM ? OUTCOME_SHUTDOWN
                                             : OUTCOME_CANCELED;
        sc->state = SC_ENDING;
        nua_cancel(sc->nh, TAG_END());
        break;
    case SC_ANSWERED:
        sc->state = SC_ENDING;
        nua_bye(sc->nh, TAG_END());
        report_hangup(sc,
                      why == SIP_END_AGENT ? OCPB__HANGUP_SIDE__HANGUP_SIDE_AGENT
                                           : OCPB__HANGUP_SIDE__HANGUP_SIDE_SYSTEM,
                      0, "", NULL);
        break;
    case SC_ENDING:
        break;
    }
}

static enum oc_status dial(struct sip_ua *ua, struct leg *leg)
{
    struct sip_call *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return OC_ERR_NOMEM;
    sc->ua = ua;
    sc->leg = leg_ref(leg);
    sc->state = SC_CALLING;
    sc->nh = nua_handle(ua->nua, sc, SIPTAG_TO_STR(leg->target_uri), SIPTAG_FROM_STR(leg->from_uri),
                        TAG_END());
    sc->ring_timer =
        su_timer_create(su_root_task(ua->root), (su_duration_t)leg->ring_timeout_s * 1000);
    if (!sc->nh || !sc->ring_timer) {
        free_call(sc);
        return OC_ERR_NOMEM;
    }
    sc->next = ua->calls;
    ua->calls = sc;
    atomic_store(&leg->dialed_unix_ms, unix_ms());
    nua_invite(sc->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
               SIPTAG_PAYLOAD_STR(leg->sdp_offer), TAG_END());
    su_timer_set(sc->ring_timer, on_ring_timeout, sc);
    oc_info("call %s: INVITE %s from %s", leg->call_id, leg->target_uri, leg->from_uri);
    post_event(sc, LEG_DIALING, 0, "", NULL, NULL, NULL);
    return OC_OK;
}

/* ================================================================ nua events */

/* A digest challenge: answer it once, with the number's credentials. */
static bool authenticate(struct sip_call *sc, const sip_t *sip)
{
    const struct leg *leg = sc->leg;
    const msg_auth_t *au = NULL;
    if (!leg->auth_user || sc->auth_tried || !sip)
        return false;
    au = sip->sip_www_authenticate ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
    const char *realm = au ? msg_params_find(au->au_params, "realm=") : NULL;
    if (!au || !au->au_scheme || !realm)
        return false;
    char auth[512];
    int n = snprintf(auth, sizeof(auth), "%s:%s:%s:%s", au->au_scheme, realm, leg->auth_user,
                     leg->auth_password);
    if (n < 0 || (size_t)n >= sizeof(auth))
        return false;
    sc->auth_tried = true;
    nua_authenticate(sc->nh, NUTAG_AUTH(auth), TAG_END());
    return true;
}

static void on_invite_response(struct sip_call *sc, int status, const char *phrase,
                               const sip_t *sip)
{
    if (status < 200) {
        if (status >= 180 && !sc->ringing_reported && sc->state == SC_CALLING) {
            sc->ringing_reported = true;
            post_event(sc, LEG_RINGING, status, phrase, sip, NULL, NULL);
        }
        return;
    }
    if ((status == 401 || status == 407) && authenticate(sc, sip))
        return;
    if (status >= 300) {
        su_timer_reset(sc->ring_timer);
        oc_info("call %s: %d %s", sc->leg->call_id, status, phrase ? phrase : "");
        report_unanswered(sc, status, phrase, sip, NULL);
        sc->state = SC_ENDING;
        return;
    }

    /* 2xx: answered. */
    su_timer_reset(sc->ring_timer);
    if (sc->state == SC_ENDING) {
        /* The CANCEL crossed the answer: hang up what we no longer want. */
        nua_bye(sc->nh, TAG_END());
        report_unanswered(sc, 487, "Request Terminated", sip, NULL);
        return;
    }
    struct sdp_answer answer;
    const char *why = "the answer carries no SDP";
    enum oc_status st = OC_ERR_INVALID;
    if (sip && sip->sip_payload && sip->sip_payload->pl_data)
        st = sdp_parse_answer(sip->sip_payload->pl_data, sip->sip_payload->pl_len, &answer, &why);
    if (st != OC_OK) {
        oc_warn("call %s: answered, but %s; hanging up", sc->leg->call_id, why);
        sc->state = SC_ENDING;
        nua_bye(sc->nh, TAG_END());
        sc->cancel = OUTCOME_NOT_CANCELED;
        report_unanswered(sc, status, phrase, sip, why);
        return;
    }
    sc->state = SC_ANSWERED;
    atomic_store(&sc->leg->answered_unix_ms, unix_ms());
    oc_info("call %s: answered; rtp to %s:%u %s", sc->leg->call_id, answer.addr, answer.port,
            answer.codec == SDP_PCMU ? "PCMU" : "PCMA");
    post_event(sc, LEG_ANSWERED, status, phrase, sip, fill_answer, &answer);
}

/* The dialog is over for nua: report what was not, free the call. */
static void on_terminated(struct sip_call *sc, int status, const char *phrase, const sip_t *sip)
{
    if (!sc->reported) {
        if (sc->state == SC_ANSWERED)
            report_hangup(sc, OCPB__HANGUP_SIDE__HANGUP_SIDE_SYSTEM, status, phrase, sip);
        else
            report_unanswered(sc, status >= 300 ? status : 0, phrase, sip,
                              "the call ended before a final answer");
    }
    free_call(sc);
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
                     struct sip_ua *ua, nua_handle_t *nh, struct sip_call *sc, sip_t const *sip,
                     tagi_t tags[])
{
    (void)nua;
    switch (event) {
    case nua_i_invite:
        /* The dialer only calls out; anything calling in is refused. */
        nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
        return;
    case nua_r_invite:
        if (sc)
            on_invite_response(sc, status, phrase, sip);
        return;
    case nua_i_bye:
        if (sc) {
            oc_info("call %s: the contact hung up", sc->leg->call_id);
            sc->state = SC_ENDING;
            report_hangup(sc, OCPB__HANGUP_SIDE__HANGUP_SIDE_CONTACT, 200, "BYE", sip);
        }
        return;
    case nua_i_state: {
        int state = nua_callstate_init;
        tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (state != nua_callstate_terminated)
            return;
        if (sc)
            on_terminated(sc, status, phrase, sip);
        else
            nua_handle_destroy(nh); /* a refused incoming call */
        return;
    }
    case nua_r_shutdown:
        if (status >= 200) {
            ua->nua_shutdown_done = true;
            if (ua->root)
                su_root_break(ua->root);
        }
        return;
    default:
        if (status >= 400 && sc)
            oc_debug("call %s: %s: %d %s", sc->leg->call_id, nua_event_name(event), status,
                     phrase ? phrase : "");
        return;
    }
}

/* ================================================================ commands */

/* Shutdown, stage one: the grace for final answers is over. Calls still
 * without one are reported now, and nua shuts down. Stage two: nua did not
 * confirm in time; the loop stops anyway. */
static void finish_shutdown(su_root_magic_t *magic, su_timer_t *t, struct sip_call *unused)
{
    (void)unused;
    struct sip_ua *ua = magic;
    if (t == ua->shutdown_timer) {
        for (struct sip_call *sc = ua->calls; sc; sc = sc->next) {
            if (sc->reported)
                continue;
            if (sc->state == SC_ANSWERED) {
                report_hangup(sc, OCPB__HANGUP_SIDE__HANGUP_SIDE_SYSTEM, 0, "", NULL);
            } else {
                sc->cancel = OUTCOME_SHUTDOWN;
                report_unanswered(sc, 0, "", NULL, "the dialer stopped before a final answer");
            }
        }
        /* Their handles are destroyed while the loop still runs, so that
         * nua handles the destruction before it shuts down (a handle
         * destroyed once the loop has stopped is never released). */
        while (ua->calls)
            free_call(ua->calls);
        ua->nua_shutdown_sent = true;
        nua_shutdown(ua->nua);
        ua->break_timer = su_timer_create(su_root_task(ua->root), SIP_SHUTDOWN_WAIT_MS);
        if (!ua->break_timer || su_timer_set(ua->break_timer, finish_shutdown, NULL) != 0)
            su_root_break(ua->root);
        return;
    }
    oc_warn("sip: nua did not finish its shutdown in %d ms", SIP_SHUTDOWN_WAIT_MS);
    su_root_break(ua->root);
}

static void run_command(struct sip_ua *ua, struct sip_cmd *cmd)
{
    switch (cmd->kind) {
    case SIP_CMD_DIAL:
        cmd->status = ua->shutting_down ? OC_ERR_UNAVAILABLE : dial(ua, cmd->leg);
        break;
    case SIP_CMD_HANGUP: {
        struct sip_call *sc = find_call(ua, cmd->call_id);
        if (sc)
            end_call(sc, cmd->why);
        break;
    }
    case SIP_CMD_SHUTDOWN:
        ua->shutting_down = true;
        for (struct sip_call *sc = ua->calls; sc; sc = sc->next)
            end_call(sc, SIP_END_SYSTEM);
        /* With calls, their final answers get the grace; without, nothing waits. */
        ua->shutdown_timer = su_timer_create(su_root_task(ua->root), ua->calls ? cmd->grace_ms : 1);
        if (!ua->shutdown_timer || su_timer_set(ua->shutdown_timer, finish_shutdown, NULL) != 0)
            su_root_break(ua->root);
        break;
    }
}

static int on_wakeup(su_root_magic_t *magic, su_wait_t *w, struct sip_ua *ua)
{
    (void)magic;
    (void)w;
    uint64_t n;
    if (read(ua->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        oc_warn("sip: eventfd: %s", strerror(errno));
    pthread_mutex_lock(&ua->mu);
    struct sip_cmd *cmd = ua->head;
    ua->head = ua->tail = NULL;
    pthread_mutex_unlock(&ua->mu);

    while (cmd) {
        struct sip_cmd *next = cmd->next;
        run_command(ua, cmd);
        if (cmd->kind == SIP_CMD_DIAL) {
            pthread_mutex_lock(&ua->mu);
            bool abandoned = cmd->abandoned;
            cmd->done = true;
            pthread_cond_broadcast(&ua->cond);
            pthread_mutex_unlock(&ua->mu);
            if (abandoned) {
                leg_unref(cmd->leg);
                free(cmd);
            }
        } else {
            free(cmd);
        }
        cmd = next;
    }
    return 0;
}

/* ================================================================ thread */

static void started(struct sip_ua *ua, enum oc_status st)
{
    pthread_mutex_lock(&ua->mu);
    ua->ready = true;
    ua->start_status = st;
    ua->accepting = st == OC_OK;
    pthread_cond_broadcast(&ua->cond);
    pthread_mutex_unlock(&ua->mu);
}

/* A UDP port free on addr now, or 0 (then sofia-sip picks one). */
static long free_udp_port(const char *addr)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    long port = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    if (inet_pton(AF_INET, addr, &sa.sin_addr) == 1 &&
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* nua_destroy frees nothing unless nua confirmed its shutdown (its own
 * rule), and the confirmation, like the release of destroyed handles, comes
 * through the loop: run it a little longer when the loop stopped first. */
static void sip_finish_nua(struct sip_ua *ua)
{
    if (!ua->nua)
        return;
    if (!ua->nua_shutdown_sent) {
        ua->nua_shutdown_sent = true;
        nua_shutdown(ua->nua);
    }
    int64_t until = unix_ms() + SIP_SHUTDOWN_LAST_WAIT_MS;
    while (!ua->nua_shutdown_done && unix_ms() < until)
        su_root_step(ua->root, 50);
    if (!ua->nua_shutdown_done) {
        oc_warn("sip: nua did not confirm its shutdown; its memory is left to the exit");
        return;
    }
    nua_destroy(ua->nua);
    ua->nua = NULL;
}

static void *sip_thread(void *arg)
{
    struct sip_ua *ua = arg;
    const struct dialer_config *cfg = &ua->dialer->cfg;
    char url[128];

    su_init();
    su_home_init(ua->home);
    su_log_redirect(NULL, sofia_log, NULL);
    ua->root = su_root_create(ua);
    if (!ua->root) {
        oc_error("sip: cannot create the event loop");
        started(ua, OC_ERR_INTERNAL);
        goto out;
    }
    su_root_threading(ua->root, 0);
    /* DIALER_SIP_PORT=0: a port the system says is free now, so that the
     * log names the port really used (and UDP and TCP share it). Another
     * process may take it first; then the next one is tried. */
    for (int attempt = 0; attempt < 5 && !ua->nua; attempt++) {
        long port = cfg->sip_port > 0 ? cfg->sip_port : free_udp_port(cfg->sip_addr);
        snprintf(url, sizeof(url), "sip:%s:%ld", cfg->sip_addr, port);
        ua->nua = nua_create(ua->root, on_event, ua, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                             NUTAG_USER_AGENT("outcall-dialer"),
                             SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS"), TAG_NULL());
        if (cfg->sip_port > 0)
            break;
    }
    if (!ua->nua) {
        oc_error("sip: cannot listen on %s (is the address or port taken?)", url);
        started(ua, OC_ERR_IO);
        goto out;
    }
    su_wait_create(ua->wait, ua->efd, SU_WAIT_IN);
    if (su_root_register(ua->root, ua->wait, on_wakeup, ua, 0) < 0) {
        oc_error("sip: cannot watch the command queue");
        started(ua, OC_ERR_INTERNAL);
        goto out;
    }
    ua->registered = true;
    oc_info("sip: listening on %s", url);
    started(ua, OC_OK);
    su_root_run(ua->root);

out:
    /* Normally finish_shutdown reported and freed every call already. */
    while (ua->calls)
        free_call(ua->calls);
    if (ua->shutdown_timer)
        su_timer_destroy(ua->shutdown_timer);
    if (ua->break_timer)
        su_timer_destroy(ua->break_timer);
    if (ua->registered)
        su_root_unregister(ua->root, ua->wait, on_wakeup, ua);
    sip_finish_nua(ua);
    if (ua->root)
        su_root_destroy(ua->root);
    su_home_deinit(ua->home);
    su_deinit();
    return NULL;
}

enum oc_status sip_ua_start(struct sip_ua **out, struct dialer *d)
{
    struct sip_ua *ua = calloc(1, sizeof(*ua));
    if (!ua)
        return OC_ERR_NOMEM;
    ua->dialer = d;
    pthread_mutex_init(&ua->mu, NULL);
    pthread_cond_init(&ua->cond, NULL);
    ua->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ua->efd < 0 || pthread_create(&ua->thread, NULL, sip_thread, ua) != 0) {
        if (ua->efd >= 0)
            close(ua->efd);
        pthread_cond_destroy(&ua->cond);
        pthread_mutex_destroy(&ua->mu);
        free(ua);
        return OC_ERR_INTERNAL;
    }
    ua->thread_started = true;
    pthread_mutex_lock(&ua->mu);
    while (!ua->ready)
        pthread_cond_wait(&ua->cond, &ua->mu);
    enum oc_status st = ua->start_status;
    pthread_mutex_unlock(&ua->mu);
    if (st != OC_OK) {
        sip_ua_stop(ua, 0);
        sip_ua_free(ua);
        return st;
    }
    *out = ua;
    return OC_OK;
}

/* Queues cmd; false when the thread no longer takes commands. */
static bool post_command(struct sip_ua *ua, struct sip_cmd *cmd)
{
    cmd->next = NULL;
    pthread_mutex_lock(&ua->mu);
    if (!ua->accepting) {
        pthread_mutex_unlock(&ua->mu);
        return false;
    }
    if (ua->tail)
        ua->tail->next = cmd;
    else
        ua->head = cmd;
    ua->tail = cmd;
    if (cmd->kind == SIP_CMD_SHUTDOWN)
        ua->accepting = false;
    pthread_mutex_unlock(&ua->mu);
    uint64_t one = 1;
    if (write(ua->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        oc_warn("sip: eventfd: %s", strerror(errno));
    return true;
}

enum oc_status sip_ua_dial(struct sip_ua *ua, struct leg *leg)
{
    struct sip_cmd *cmd = calloc(1, sizeof(*cmd));
    if (!cmd)
        return OC_ERR_NOMEM;
    cmd->kind = SIP_CMD_DIAL;
    cmd->leg = leg_ref(leg);
    if (!post_command(ua, cmd)) {
        leg_unref(cmd->leg);
        free(cmd);
        return OC_ERR_UNAVAILABLE;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SIP_DIAL_WAIT_MS / 1000;
    enum oc_status st = OC_ERR_TIMEOUT;
    pthread_mutex_lock(&ua->mu);
    while (!cmd->done) {
        if (pthread_cond_timedwait(&ua->cond, &ua->mu, &until) == ETIMEDOUT)
            break;
    }
    bool done = cmd->done;
    if (done)
        st = cmd->status;
    else
        cmd->abandoned = true;
    pthread_mutex_unlock(&ua->mu);
    if (done) {
        leg_unref(cmd->leg);
        free(cmd);
    }
    return st;
}

enum oc_status sip_ua_hangup(struct sip_ua *ua, const char *call_id, enum sip_end why)
{
    struct sip_cmd *cmd = calloc(1, sizeof(*cmd));
    if (!cmd)
        return OC_ERR_NOMEM;
    cmd->kind = SIP_CMD_HANGUP;
    cmd->why = why;
    snprintf(cmd->call_id, sizeof(cmd->call_id), "%s", call_id);
    if (!post_command(ua, cmd)) {
        free(cmd);
        return OC_ERR_UNAVAILABLE;
    }
    return OC_OK;
}

void sip_ua_stop(struct sip_ua *ua, int timeout_ms)
{
    if (!ua)
        return;
    if (ua->thread_started) {
        struct sip_cmd *cmd = calloc(1, sizeof(*cmd));
        if (cmd) {
            cmd->kind = SIP_CMD_SHUTDOWN;
            cmd->grace_ms =
                timeout_ms > SIP_SHUTDOWN_WAIT_MS ? timeout_ms - SIP_SHUTDOWN_WAIT_MS : 1;
            if (!post_command(ua, cmd))
                free(cmd); /* the thread failed to start and has ended */
        }
        pthread_join(ua->thread, NULL);
        ua->thread_started = false;
    }
}

void sip_ua_free(struct sip_ua *ua)
{
    if (!ua)
        return;
    /* Commands posted after the thread stopped reading. */
    for (struct sip_cmd *cmd = ua->head; cmd;) {
        struct sip_cmd *next = cmd->next;
        leg_unref(cmd->leg);
        free(cmd);
        cmd = next;
    }
    close(ua->efd);
    pthread_cond_destroy(&ua->cond);
    pthread_mutex_destroy(&ua->mu);
    free(ua);
}
