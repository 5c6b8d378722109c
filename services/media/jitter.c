/*
 * Fixed-delay jitter buffer; see jitter.h. Slots are indexed by sequence
 * number modulo JITTER_SLOTS, and each keeps its full sequence number, so
 * a stale packet left in a slot from a previous lap is never played.
 */
#include "jitter.h"

#include <string.h>

void jitter_init(struct jitter *j, unsigned depth)
{
    memset(j, 0, sizeof(*j));
    j->depth = depth < JITTER_SLOTS ? depth : JITTER_SLOTS - 1;
}

static void restart(struct jitter *j, uint16_t seq)
{
    for (size_t i = 0; i < JITTER_SLOTS; i++)
        j->slots[i].full = false;
    j->started = true;
    j->next_seq = seq;
    j->wait = j->depth;
}

void jitter_put(struct jitter *j, uint16_t seq, const uint8_t *payload, size_t len)
{
    if (!j->started) {
        restart(j, seq);
    } else {
        int16_t ahead = (int16_t)(uint16_t)(seq - j->next_seq);
        if (ahead < 0 && ahead > -JITTER_SLOTS) {
            j->late++;
            return;
        }
        if (ahead < 0 || ahead >= JITTER_SLOTS) {
            /* Too far either way to be jitter: the stream jumped. */
            j->resets++;
            restart(j, seq);
        }
    }
    struct jitter_slot *s = &j->slots[seq % JITTER_SLOTS];
    if (len > JITTER_FRAME_MAX)
        len = JITTER_FRAME_MAX;
    s->full = true;
    s->seq = seq;
    s->len = (uint16_t)len;
    memcpy(s->data, payload, len);
}

bool jitter_get(struct jitter *j, uint8_t *out, size_t cap, size_t *len)
{
    if (!j->started)
        return false;
    if (j->wait > 0) {
        j->wait--;
        return false;
    }
    struct jitter_slot *s = &j->slots[j->next_seq % JITTER_SLOTS];
    bool ok = s->full && s->seq == j->next_seq;
    if (ok) {
        size_t n = s->len < cap ? s->len : cap;
        memcpy(out, s->data, n);
        *len = n;
        s->full = false;
        j->played++;
    } else {
        j->missing++;
    }
    j->next_seq++;
    return ok;
}
