/*
 * One answered call of the sandbox carrier: the simulated contact's ear
 * and mouth. The thread wakes every 20 ms on an absolute CLOCK_MONOTONIC
 * deadline (clock_nanosleep), reads what the agent sent, feeds it to the
 * media tier's voice activity detector, and sends one frame back: the
 * contact's current line (synthesised with espeak-ng when the call was
 * answered) or silence.
 *
 * The contact's turn-taking: wait for the agent to speak and stop (the
 * greeting), say line 1, wait for the agent to answer, say line 2, ... and
 * after the last line either hang up once the agent replied (then=hangup)
 * or wait for the agent's BYE (then=wait).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../services/media/rtp.h"
#include "../../services/media/tts.h"
#include "../../services/media/vad.h"
#include "carrier.h"
#include "oc/crypto.h"
#include "oc/log.h"

#define FRAME_SAMPLES 160
#define FRAME_NS 20000000LL
/* Longest a call may last; a carrier never keeps a line forever. */
#define LINE_MAX_MS (10 * 60 * 1000)
/* After the agent's reply to the last line, before hanging up. */
#define LINE_HANGUP_PAUSE_MS 500

enum phase {
    WAIT_GREETING,
    SPEAKING,
    LISTENING,
    DONE_TALKING,
};

struct audio {
    int16_t *pcm;
    size_t n;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads every packet waiting; returns the agent turns that ended. */
static int hear(struct line *l, struct vad *vad)
{
    uint8_t buf[2048];
    int ended = 0;
    for (;;) {
        ssize_t n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0)
            break;
        struct rtp_header h;
        const uint8_t *payload;
        size_t plen;
        if (rtp_parse(buf, (size_t)n, &h, &payload, &plen) != OC_OK ||
            h.payload_type != l->payload_type)
            continue;
        int16_t pcm[FRAME_SAMPLES] = {0};
        size_t k = plen < FRAME_SAMPLES ? plen : FRAME_SAMPLES;
        g711_decode(l->law, payload, k, pcm);
        enum vad_event ev = vad_process(vad, pcm, FRAME_SAMPLES);
        if (vad_speaking(vad))
            l->heard_ms += 20;
        if (ev == VAD_SPEECH_END) {
            l->agent_turns++;
            ended++;
        }
    }
    return ended;
}

static void send_frame(struct line *l, struct rtp_sender *tx, const int16_t *pcm)
{
    uint8_t payload[FRAME_SAMPLES];
    uint8_t packet[RTP_HEADER_LEN + FRAME_SAMPLES];
    struct rtp_header h;
    g711_encode(l->law, pcm, FRAME_SAMPLES, payload);
    rtp_sender_next(tx, l->payload_type, FRAME_SAMPLES, &h);
    size_t n = rtp_write(packet, sizeof(packet), &h, payload, sizeof(payload));
    sendto(l->fd, packet, n, MSG_DONTWAIT, (struct sockaddr *)&l->remote, sizeof(l->remote));
}

static void *line_loop(void *arg)
{
    struct line *l = arg;
    const struct contact *c = l->contact;
    struct audio said[CONTACT_LINES_MAX] = {{0}};
    struct vad vad;
    struct rtp_sender tx;
    uint32_t r[3] = {0};

    oc_random_bytes(r, sizeof(r));
    rtp_sender_init(&tx, r[0], (uint16_t)r[1], r[2]);
    vad_init(&vad, NULL);
    for (size_t i = 0; i < c->n_lines; i++) {
        if (tts_synthesize(c->lines[i], c->voice, c->rate, &said[i].pcm, &said[i].n) != OC_OK)
            oc_warn("%s: line %zu could not be synthesised; it stays silent", l->number, i + 1);
    }

    enum phase phase = c->n_lines ? WAIT_GREETING : DONE_TALKING;
    int64_t start = mono_ms(), since = start;
    size_t current = 0, pos = 0;
    int turns_at_listen = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);

    while (!atomic_load(&l->stop)) {
        next.tv_nsec += FRAME_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
        int64_t now = mono_ms();
        hear(l, &vad);

        switch (phase) {
        case WAIT_GREETING:
            if (l->agent_turns > 0 || now - since >= c->greeting_wait_ms) {
                if (l->agent_turns == 0)
                    oc_info("%s: the agent said nothing for %d ms; speaking anyway", l->number,
                            c->greeting_wait_ms);
                phase = SPEAKING;
                current = 0;
                pos = 0;
                rtp_sender_talkspurt(&tx);
            }
            break;
        case SPEAKING:
            if (pos >= said[current].n) {
                l->lines_said++;
                phase = current + 1 < c->n_lines ? LISTENING : DONE_TALKING;
                since = now;
                turns_at_listen = l->agent_turns;
            }
            break;
        case LISTENING:
            /* The agent answered (a turn ended after ours) or kept silent. */
            if ((l->agent_turns > turns_at_listen && !vad_speaking(&vad)) ||
                now - since >= c->reply_wait_ms) {
                phase = SPEAKING;
                current++;
                pos = 0;
                rtp_sender_talkspurt(&tx);
            }
            break;
        case DONE_TALKING:
            if (c->hang_up_after && !l->contact_hung_up &&
                ((l->agent_turns > turns_at_listen && !vad_speaking(&vad) &&
                  now - since >= LINE_HANGUP_PAUSE_MS) ||
                 now - since >= c->reply_wait_ms)) {
                oc_info("%s: hanging up", l->number);
                l->contact_hung_up = true;
                carrier_hang_up(l->carrier, l);
            }
            break;
        }
        if (now - start >= LINE_MAX_MS && !l->contact_hung_up) {
            l->contact_hung_up = true;
            carrier_hang_up(l->carrier, l);
        }

        int16_t frame[FRAME_SAMPLES] = {0};
        if (phase == SPEAKING && pos < said[current].n) {
            size_t k =
                said[current].n - pos < FRAME_SAMPLES ? said[current].n - pos : FRAME_SAMPLES;
            memcpy(frame, said[current].pcm + pos, k * sizeof(*frame));
            pos += k;
        }
        send_frame(l, &tx, frame);
    }
    for (size_t i = 0; i < c->n_lines; i++)
        free(said[i].pcm);
    return NULL;
}

int line_start(struct line *l)
{
    if (pthread_create(&l->thread, NULL, line_loop, l) != 0)
        return -1;
    l->thread_started = true;
    return 0;
}
