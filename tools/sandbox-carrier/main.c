/*
 * The sandbox carrier's start-up, configuration and SIP side; see
 * carrier.h for what it is. Everything SIP happens on the main thread's
 * su_root (sofia-sip nua). The line threads reach it only through an
 * eventfd (hang-up requests), and SIGTERM / SIGINT arrive as a signalfd in
 * the same loop, so no sofia-sip call ever runs outside that thread.
 *
 * Environment:
 *   SANDBOX_SIP_ADDR   127.0.0.1      address to listen on (UDP and TCP)
 *   SANDBOX_SIP_PORT   5070           the trunk's port: numbers use sip:<addr>:<port>
 *   SANDBOX_CONTACTS   tools/sandbox-carrier/contacts.conf
 *   SANDBOX_RTP_PORTS  30000-30999    RTP ports of the simulated phones
 *   SANDBOX_RESULTS    (none)         file to append one JSON line per call to
 *   LOG_LEVEL          info
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

struct carrier;
struct line;
#define SU_ROOT_MAGIC_T struct carrier
#define SU_WAKEUP_ARG_T struct carrier
#define SU_TIMER_ARG_T struct line
#define NUA_MAGIC_T struct carrier
#define NUA_HMAGIC_T struct line

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_wait.h>

#include "../../services/dialer/sdp.h"
#include "../../services/media/tts.h"
#include "carrier.h"
#include "oc/config.h"
#include "oc/crypto.h"
#include "oc/log.h"

struct hangup_req {
    struct line *line;
    struct hangup_req *next;
};

struct carrier {
    struct carrier_config cfg;
    struct contacts contacts;
    su_home_t home[1];
    su_root_t *root;
    nua_t *nua;
    int efd;
    int sfd;
    su_wait_t ewait[1];
    su_wait_t swait[1];
    pthread_mutex_t mu;
    struct hangup_req *hangups; /* from line threads, under mu */
    struct line *lines;
    int next_port;
    bool stopping;
    int calls;
};

/* ================================================================ results */

static void record(struct carrier *c, const char *number, const char *call_id, bool answered,
                   int response, const struct line *l, const char *ended_by)
{
    bool heard = l && l->heard_ms >= 500;
    if (answered)
        oc_info("%s: call %s ended by the %s; heard the agent: %s (%lld ms of speech, %d turns),"
                " said %d of %zu lines",
                number, call_id, ended_by, heard ? "yes" : "no", (long long)l->heard_ms,
                l->agent_turns, l->lines_said, l->contact->n_lines);
    else
        oc_info("%s: call %s not answered (%d)", number, call_id, response);
    if (!*c->cfg.results_path)
        return;
    json_t *j = json_pack("{s:s, s:s, s:b, s:i}", "number", number, "call_id", call_id, "answered",
                          answered, "response", response);
    if (j && l) {
        json_object_set_new(j, "heard_speech", json_boolean(heard));
        json_object_set_new(j, "heard_ms", json_integer(l->heard_ms));
        json_object_set_new(j, "agent_turns", json_integer(l->agent_turns));
        json_object_set_new(j, "lines_said", json_integer(l->lines_said));
        json_object_set_new(j, "ended_by", json_string(ended_by));
    }
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    FILE *f = text ? fopen(c->cfg.results_path, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", text);
        fclose(f);
    } else {
        oc_warn("cannot append to %s: %s", c->cfg.results_path, strerror(errno));
    }
    free(text);
    json_decref(j);
}

/* ================================================================ lines */

int carrier_rtp_socket(struct carrier *c, int *port)
{
    int span = (int)(c->cfg.rtp_port_max - c->cfg.rtp_port_min) / 2 + 1;
    for (int i = 0; i < span; i++) {
        int p = (int)c->cfg.rtp_port_min + 2 * ((c->next_port + i) % span);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
        inet_pton(AF_INET, c->cfg.sip_addr, &sa.sin_addr);
        if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            c->next_port = (c->next_port + i + 1) % span;
            *port = p;
            return fd;
        }
        if (fd >= 0)
            close(fd);
    }
    return -1;
}

void carrier_hang_up(struct carrier *c, struct line *l)
{
    struct hangup_req *r = calloc(1, sizeof(*r));
    if (!r)
        return;
    r->line = l;
    pthread_mutex_lock(&c->mu);
    r->next = c->hangups;
    c->hangups = r;
    pthread_mutex_unlock(&c->mu);
    uint64_t one = 1;
    if (write(c->efd, &one, sizeof(one)) < 0)
        oc_warn("eventfd: %s", strerror(errno));
}

static bool line_alive(struct carrier *c, struct line *l)
{
    for (struct line *it = c->lines; it; it = it->next)
        if (it == l)
            return true;
    return false;
}

static void line_free(struct carrier *c, struct line *l)
{
    for (struct line **pp = &c->lines; *pp; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    atomic_store(&l->stop, true);
    if (l->thread_started)
        pthread_join(l->thread, NULL);
    if (l->answered)
        record(c, l->number, l->call_id, true, 200, l, l->contact_hung_up ? "contact" : "agent");
    else
        record(c, l->number, l->call_id, false, l->contact->action == CONTACT_NO_ANSWER ? 487 : 0,
               NULL, "");
    if (l->answer_timer)
        su_timer_destroy(l->answer_timer);
    if (l->fd >= 0)
        close(l->fd);
    if (l->nh) {
        nua_handle_bind(l->nh, NULL);
        nua_handle_destroy(l->nh);
    }
    free(l);
}

/* ring_ms after the INVITE: the contact picks up. */
static void on_pick_up(struct carrier *c, su_timer_t *t, struct line *l)
{
    (void)t;
    char sdp[1024];
    const enum sdp_codec codec = l->law == G711_ULAW ? SDP_PCMU : SDP_PCMA;
    uint64_t session = 0;
    oc_random_bytes(&session, sizeof(session));
    sdp_offer(sdp, sizeof(sdp), c->cfg.sip_addr, (unsigned)l->port, &codec, 1,
              session & 0x7FFFFFFFFFFFULL);
    nua_respond(l->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(sdp), TAG_END());
    l->answered = true;
    if (line_start(l) != 0) {
        oc_error("%s: cannot start the line", l->number);
        nua_bye(l->nh, TAG_END());
    }
}

static void on_invite(struct carrier *c, nua_handle_t *nh, const sip_t *sip)
{
    const char *number = sip && sip->sip_request && sip->sip_request->rq_url->url_user
                             ? sip->sip_request->rq_url->url_user
                             : "";
    const char *call_id = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "";
    const struct contact *ct = contacts_find(&c->contacts, number);
    c->calls++;
    if (!ct || c->stopping) {
        oc_info("%s: nobody has this number", number);
        nua_respond(nh, SIP_404_NOT_FOUND, TAG_END());
        record(c, number, call_id, false, 404, NULL, "");
        return;
    }
    if (ct->action == CONTACT_BUSY || ct->action == CONTACT_REJECT) {
        int code = ct->action == CONTACT_BUSY ? 486 : ct->reject_code;
        oc_info("%s: %s", number, ct->action == CONTACT_BUSY ? "busy" : "rejecting");
        nua_respond(nh, code, sip_status_phrase(code) ? sip_status_phrase(code) : "Rejected",
                    TAG_END());
        record(c, number, call_id, false, code, NULL, "");
        return;
    }

    struct line *l = calloc(1, sizeof(*l));
    if (!l) {
        nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
        return;
    }
    l->carrier = c;
    l->contact = ct;
    l->fd = -1;
    l->nh = nh;
    snprintf(l->number, sizeof(l->number), "%s", number);
    snprintf(l->call_id, sizeof(l->call_id), "%s", call_id);
    nua_handle_bind(nh, l);
    l->next = c->lines;
    c->lines = l;

    if (ct->action == CONTACT_NO_ANSWER) {
        oc_info("%s: ringing, and nobody will answer", number);
        nua_respond(nh, SIP_180_RINGING, TAG_END());
        return;
    }

    struct sdp_answer offer;
    const char *why = "the INVITE has no SDP offer";
    enum oc_status st = OC_ERR_INVALID;
    if (sip->sip_payload && sip->sip_payload->pl_data)
        st = sdp_parse_answer(sip->sip_payload->pl_data, sip->sip_payload->pl_len, &offer, &why);
    if (st != OC_OK) {
        oc_warn("%s: %s", number, why);
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
        return;
    }
    l->fd = carrier_rtp_socket(c, &l->port);
    if (l->fd < 0) {
        nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
        return;
    }
    l->remote.sin_family = AF_INET;
    l->remote.sin_port = htons((uint16_t)offer.port);
    inet_pton(AF_INET, offer.addr, &l->remote.sin_addr);
    l->law = offer.codec == SDP_PCMU ? G711_ULAW : G711_ALAW;
    l->payload_type = offer.codec == SDP_PCMU ? 0 : 8;
    oc_info("%s: ringing; answering in %d ms (rtp %d <-> %s:%u)", number, ct->ring_ms, l->port,
            offer.addr, offer.port);
    nua_respond(nh, SIP_180_RINGING, TAG_END());
    l->answer_timer = su_timer_create(su_root_task(c->root), ct->ring_ms > 0 ? ct->ring_ms : 1);
    if (!l->answer_timer || su_timer_set(l->answer_timer, on_pick_up, l) != 0)
        nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
                     struct carrier *c, nua_handle_t *nh, struct line *l, sip_t const *sip,
                     tagi_t tags[])
{
    (void)status;
    (void)phrase;
    (void)nua;
    switch (event) {
    case nua_i_invite:
        on_invite(c, nh, sip);
        return;
    case nua_i_bye:
        if (l)
            atomic_store(&l->stop, true);
        return;
    case nua_i_cancel:
        if (l)
            oc_info("%s: the caller gave up", l->number);
        return;
    case nua_i_state: {
        int state = nua_callstate_init;
        tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (state != nua_callstate_terminated)
            return;
        if (l)
            line_free(c, l);
        else
            nua_handle_destroy(nh);
        return;
    }
    case nua_r_shutdown:
        if (status >= 200)
            su_root_break(c->root);
        return;
    default:
        return;
    }
}

static int on_hangups(struct carrier *c, su_wait_t *w, struct carrier *arg)
{
    (void)w;
    (void)arg;
    uint64_t n;
    if (read(c->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        oc_warn("eventfd: %s", strerror(errno));
    pthread_mutex_lock(&c->mu);
    struct hangup_req *r = c->hangups;
    c->hangups = NULL;
    pthread_mutex_unlock(&c->mu);
    while (r) {
        struct hangup_req *next = r->next;
        if (line_alive(c, r->line) && r->line->nh)
            nua_bye(r->line->nh, TAG_END());
        free(r);
        r = next;
    }
    return 0;
}

static int on_signal(struct carrier *c, su_wait_t *w, struct carrier *arg)
{
    (void)w;
    (void)arg;
    struct signalfd_siginfo si;
    if (read(c->sfd, &si, sizeof(si)) != sizeof(si))
        return 0;
    if (c->stopping) {
        su_root_break(c->root);
        return 0;
    }
    oc_info("received %s; hanging up and stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
    c->stopping = true;
    nua_shutdown(c->nua);
    return 0;
}

/* ================================================================ start-up */

static void sofia_log(void *stream, char const *fmt, va_list ap)
{
    (void)stream;
    char line[1024];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    if (n)
        oc_debug("sofia: %s", line);
}

static bool read_config(struct carrier_config *cfg)
{
    struct oc_cfg oc;
    const char *ports = NULL;
    oc_cfg_init(&oc);
    oc_cfg_str(&oc, "SANDBOX_SIP_ADDR", "127.0.0.1", false, &cfg->sip_addr);
    oc_cfg_int(&oc, "SANDBOX_SIP_PORT", 5070, 1, 65535, &cfg->sip_port);
    oc_cfg_str(&oc, "SANDBOX_CONTACTS", "tools/sandbox-carrier/contacts.conf", false,
               &cfg->contacts_path);
    oc_cfg_str(&oc, "SANDBOX_RTP_PORTS", "30000-30999", false, &ports);
    oc_cfg_str(&oc, "SANDBOX_RESULTS", "", false, &cfg->results_path);
    struct in_addr a;
    if (inet_pton(AF_INET, cfg->sip_addr, &a) != 1) {
        oc_error("config: SANDBOX_SIP_ADDR: expected an IPv4 address, got \"%s\"", cfg->sip_addr);
        oc.errors++;
    }
    if (sscanf(ports, "%ld-%ld", &cfg->rtp_port_min, &cfg->rtp_port_max) != 2 ||
        cfg->rtp_port_min < 1024 || cfg->rtp_port_max > 65535 ||
        cfg->rtp_port_max <= cfg->rtp_port_min) {
        oc_error("config: SANDBOX_RTP_PORTS: expected \"min-max\" within 1024-65535, got \"%s\"",
                 ports);
        oc.errors++;
    }
    cfg->rtp_port_min += cfg->rtp_port_min & 1;
    return oc_cfg_finish(&oc) == OC_OK;
}

static bool load_contacts(struct carrier *c)
{
    FILE *f = fopen(c->cfg.contacts_path, "r");
    if (!f) {
        oc_error("SANDBOX_CONTACTS: cannot open %s: %s", c->cfg.contacts_path, strerror(errno));
        return false;
    }
    char *text = calloc(1, 1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    char err[256];
    bool ok = text && contacts_parse(text, &c->contacts, err, sizeof(err));
    if (text && !ok)
        oc_error("%s: %s", c->cfg.contacts_path, err);
    free(text);
    (void)n;
    if (ok)
        oc_info("%zu contact(s) from %s", c->contacts.n, c->cfg.contacts_path);
    return ok;
}

int main(int argc, char **argv)
{
    static struct carrier c;
    char url[128];
    int code = 1;
    sigset_t sigs;

    if (argc > 1) {
        printf("usage: %s\nthe SIP sandbox carrier (a simulator); configured by SANDBOX_*"
               " variables, see tools/sandbox-carrier/README.md\n",
               argv[0]);
        return strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? 0 : 2;
    }
    /* Blocked before any library starts a thread, so that every thread
     * inherits the mask and the signals reach only the signalfd. A parent
     * may have left them ignored (an ignored signal never reaches a
     * signalfd): they are taken back first. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (oc_log_init("sandbox-carrier") != 0)
        return 2;
    if (!read_config(&c.cfg))
        return 2;
    if (!load_contacts(&c))
        return 2;
    if (tts_init() != OC_OK)
        return 1;

    pthread_mutex_init(&c.mu, NULL);
    c.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    c.sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);

    su_init();
    su_home_init(c.home);
    su_log_redirect(NULL, sofia_log, NULL);
    c.root = su_root_create(&c);
    if (!c.root || c.efd < 0 || c.sfd < 0)
        goto out;
    su_root_threading(c.root, 0);
    snprintf(url, sizeof(url), "sip:%s:%ld", c.cfg.sip_addr, c.cfg.sip_port);
    c.nua = nua_create(c.root, on_event, &c, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                       NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0),
                       NUTAG_USER_AGENT("outcall-sandbox-carrier (simulator)"), TAG_NULL());
    if (!c.nua) {
        oc_error("cannot listen on %s (is the port taken? set SANDBOX_SIP_PORT)", url);
        goto out;
    }
    su_wait_create(c.ewait, c.efd, SU_WAIT_IN);
    su_wait_create(c.swait, c.sfd, SU_WAIT_IN);
    su_root_register(c.root, c.ewait, on_hangups, &c, 0);
    su_root_register(c.root, c.swait, on_signal, &c, 0);
    oc_info("sandbox carrier (a simulator, not a real trunk) listening on %s; numbers use trunk"
            " \"%s\"",
            url, url);
    su_root_run(c.root);
    code = 0;

out:
    while (c.lines)
        line_free(&c, c.lines);
    if (c.nua)
        nua_destroy(c.nua);
    if (c.root)
        su_root_destroy(c.root);
    su_home_deinit(c.home);
    su_deinit();
    if (c.efd >= 0)
        close(c.efd);
    if (c.sfd >= 0)
        close(c.sfd);
    oc_info("stopped after %d call(s)", c.calls);
    return code;
}
