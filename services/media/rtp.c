/*
 * RTP header handling. Everything is read and written byte by byte in
 * network order, so the code does not depend on the host's endianness or
 * on the alignment of the buffer.
 */
#include "rtp.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t rtp_write(uint8_t *buf, size_t cap, const struct rtp_header *h, const uint8_t *payload,
                 size_t len)
{
    if (cap < RTP_HEADER_LEN || len > cap - RTP_HEADER_LEN)
        return 0;
    buf[0] = RTP_VERSION << 6; /* no padding, no extension, no CSRC */
    buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->payload_type & 0x7F));
    put16(buf + 2, h->seq);
    put32(buf + 4, h->timestamp);
    put32(buf + 8, h->ssrc);
    if (len)
        memcpy(buf + RTP_HEADER_LEN, payload, len);
    return RTP_HEADER_LEN + len;
}

enum oc_status rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h,
                         const uint8_t **payload, size_t *plen)
{
    if (len < RTP_HEADER_LEN || (buf[0] >> 6) != RTP_VERSION)
        return OC_ERR_INVALID;
    bool padding = (buf[0] & 0x20) != 0;
    bool extension = (buf[0] & 0x10) != 0;
    size_t csrc_count = buf[0] & 0x0F;
    size_t off = RTP_HEADER_LEN + 4 * csrc_count;
    size_t end = len;

    if (off > end)
        return OC_ERR_INVALID;
    if (extension) {
        /* 16 bits profile-defined, 16 bits length in 32-bit words. */
        if (end - off < 4)
            return OC_ERR_INVALID;
        size_t words = get16(buf + off + 2);
        if (end - off - 4 < 4 * words)
            return OC_ERR_INVALID;
        off += 4 + 4 * words;
    }
    if (padding) {
        /* The last octet counts the padding, itself included. */
        size_t pad = buf[len - 1];
        if (pad == 0 || pad > end - off)
            return OC_ERR_INVALID;
        end -= pad;
    }

    h->marker = (buf[1] & 0x80) != 0;
    h->payload_type = buf[1] & 0x7F;
    h->seq = get16(buf + 2);
    h->timestamp = get32(buf + 4);
    h->ssrc = get32(buf + 8);
    *payload = buf + off;
    *plen = end - off;
    return OC_OK;
}

void rtp_sender_init(struct rtp_sender *s, uint32_t ssrc, uint16_t seq, uint32_t timestamp)
{
    s->ssrc = ssrc;
    s->seq = seq;
    s->timestamp = timestamp;
    s->talkspurt = true;
}

void rtp_sender_next(struct rtp_sender *s, uint8_t payload_type, uint32_t samples,
                     struct rtp_header *h)
{
    h->marker = s->talkspurt;
    h->payload_type = payload_type;
    h->seq = s->seq;
    h->timestamp = s->timestamp;
    h->ssrc = s->ssrc;
    s->talkspurt = false;
    s->seq = (uint16_t)(s->seq + 1);
    s->timestamp += samples; /* wraps modulo 2^32, as RTP timestamps do */
}

void rtp_sender_talkspurt(struct rtp_sender *s)
{
    s->talkspurt = true;
}

void rtp_sender_skip(struct rtp_sender *s, uint32_t samples)
{
    s->timestamp += samples;
}

bool rtp_receiver_update(struct rtp_receiver *r, uint32_t ssrc, uint16_t seq)
{
    /* A new SSRC (the far end restarted its stream) starts the counts again. */
    if (!r->started || ssrc != r->ssrc) {
        memset(r, 0, sizeof(*r));
        r->started = true;
        r->ssrc = ssrc;
        r->max_seq = seq;
        r->base_seq = seq;
        r->received = 1;
        return true;
    }
    uint16_t delta = (uint16_t)(seq - r->max_seq);
    if (delta == 0 || delta >= 0x8000) {
        /* Not newer than the newest: a duplicate or a packet that arrived late. */
        r->duplicates_or_late++;
        return false;
    }
    if (seq < r->max_seq)
        r->cycles += 65536;
    r->max_seq = seq;
    r->received++;
    return true;
}

uint64_t rtp_receiver_expected(const struct rtp_receiver *r)
{
    if (!r->started)
        return 0;
    return (uint64_t)r->cycles + r->max_seq - r->base_seq + 1;
}

uint64_t rtp_receiver_lost(const struct rtp_receiver *r)
{
    uint64_t expected = rtp_receiver_expected(r);
    return expected > r->received ? expected - r->received : 0;
}
