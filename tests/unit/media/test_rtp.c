/*
 * RTP: the header goes out as RFC 3550 lays it out, what comes in is
 * checked (version, CSRCs, extension, padding) and bad packets are refused
 * rather than trusted, sequence numbers and timestamps wrap, and loss is
 * counted across a sequence wrap.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/media/rtp.h"

Test(rtp, header_is_written_in_network_order)
{
    struct rtp_header h = {.marker = true,
                           .payload_type = 8,
                           .seq = 0x1234,
                           .timestamp = 0xA0B0C0D0,
                           .ssrc = 0x01020304};
    uint8_t payload[3] = {1, 2, 3};
    uint8_t buf[64];

    size_t n = rtp_write(buf, sizeof(buf), &h, payload, sizeof(payload));
    cr_assert_eq(n, 15);
    const uint8_t want[] = {0x80, 0x88, 0x12, 0x34, 0xA0, 0xB0, 0xC0, 0xD0,
                            0x01, 0x02, 0x03, 0x04, 1,    2,    3};
    cr_assert_arr_eq(buf, want, sizeof(want));
}

Test(rtp, write_refuses_a_small_buffer)
{
    struct rtp_header h = {0};
    uint8_t payload[160] = {0};
    uint8_t buf[100];
    cr_assert_eq(rtp_write(buf, sizeof(buf), &h, payload, sizeof(payload)), 0);
}

Test(rtp, parse_reads_back_what_write_wrote)
{
    struct rtp_header h = {
        .marker = false, .payload_type = 0, .seq = 65535, .timestamp = 160, .ssrc = 42};
    uint8_t payload[160];
    uint8_t buf[200];
    memset(payload, 0xFF, sizeof(payload));
    size_t n = rtp_write(buf, sizeof(buf), &h, payload, sizeof(payload));

    struct rtp_header got;
    const uint8_t *p = NULL;
    size_t plen = 0;
    cr_assert_eq(rtp_parse(buf, n, &got, &p, &plen), OC_OK);
    cr_assert_eq(got.payload_type, 0);
    cr_assert_eq(got.seq, 65535);
    cr_assert_eq(got.timestamp, 160);
    cr_assert_eq(got.ssrc, 42);
    cr_assert_not(got.marker);
    cr_assert_eq(plen, 160);
    cr_assert_eq(p, buf + 12);
}

Test(rtp, parse_skips_csrcs_extension_and_padding)
{
    uint8_t buf[64] = {0};
    /* V=2, P=1, X=1, CC=2; PT 0 */
    buf[0] = 0x80 | 0x20 | 0x10 | 0x02;
    buf[1] = 0x00;
    /* 2 CSRCs at 12..19, extension header at 20: profile, length 1 word, data 24..27 */
    buf[22] = 0x00;
    buf[23] = 0x01;
    /* payload 28..31, padding 32..34 (3 bytes, last one says 3) */
    buf[28] = 0xAA;
    buf[29] = 0xBB;
    buf[30] = 0xCC;
    buf[31] = 0xDD;
    buf[34] = 3;
    struct rtp_header h;
    const uint8_t *p;
    size_t plen;
    cr_assert_eq(rtp_parse(buf, 35, &h, &p, &plen), OC_OK);
    cr_assert_eq(p, buf + 28);
    cr_assert_eq(plen, 4);
}

Test(rtp, parse_refuses_malformed_packets)
{
    uint8_t buf[64] = {0};
    struct rtp_header h = {.seq = 7};
    const uint8_t *p = NULL;
    size_t plen = 99;

    buf[0] = 0x80;
    cr_assert_eq(rtp_parse(buf, 11, &h, &p, &plen), OC_ERR_INVALID, "shorter than a header");
    buf[0] = 0x40;
    cr_assert_eq(rtp_parse(buf, 20, &h, &p, &plen), OC_ERR_INVALID, "version 1");
    buf[0] = 0x8F;
    cr_assert_eq(rtp_parse(buf, 20, &h, &p, &plen), OC_ERR_INVALID, "15 CSRCs in 20 bytes");
    buf[0] = 0x90;
    buf[14] = 0xFF;
    buf[15] = 0xFF;
    cr_assert_eq(rtp_parse(buf, 20, &h, &p, &plen), OC_ERR_INVALID, "extension past the end");
    buf[0] = 0xA0;
    buf[19] = 0;
    cr_assert_eq(rtp_parse(buf, 20, &h, &p, &plen), OC_ERR_INVALID, "zero padding count");
    buf[19] = 200;
    cr_assert_eq(rtp_parse(buf, 20, &h, &p, &plen), OC_ERR_INVALID, "padding past the start");
    /* Outputs are untouched on error. */
    cr_assert_eq(h.seq, 7);
    cr_assert_null(p);
    cr_assert_eq(plen, 99);
}

Test(rtp, sender_advances_and_wraps)
{
    struct rtp_sender s;
    struct rtp_header h;
    rtp_sender_init(&s, 0xCAFE, 65534, 0xFFFFFF00u);

    rtp_sender_next(&s, 0, 160, &h);
    cr_assert(h.marker, "the first packet starts a talkspurt");
    cr_assert_eq(h.seq, 65534);
    cr_assert_eq(h.timestamp, 0xFFFFFF00u);
    rtp_sender_next(&s, 0, 160, &h);
    cr_assert_not(h.marker);
    cr_assert_eq(h.seq, 65535);
    cr_assert_eq(h.timestamp, 0xFFFFFFA0u);
    rtp_sender_next(&s, 0, 160, &h);
    cr_assert_eq(h.seq, 0);
    cr_assert_eq(h.timestamp, 0x40u);
    cr_assert_eq(h.ssrc, 0xCAFE);
}

Test(rtp, skipped_time_moves_the_timestamp_but_not_the_sequence)
{
    struct rtp_sender s;
    struct rtp_header h;
    rtp_sender_init(&s, 1, 100, 1000);
    rtp_sender_next(&s, 8, 160, &h);
    rtp_sender_skip(&s, 3 * 160);
    rtp_sender_talkspurt(&s);
    rtp_sender_next(&s, 8, 160, &h);
    cr_assert_eq(h.seq, 101);
    cr_assert_eq(h.timestamp, 1000 + 4 * 160);
    cr_assert(h.marker);
}

Test(rtp, receiver_counts_loss_across_a_wrap)
{
    struct rtp_receiver r = {0};
    cr_assert(rtp_receiver_update(&r, 9, 65530));
    for (uint16_t s = 65531; s != 10; s++) {
        if (s == 65535 || s == 3)
            continue; /* two packets lost */
        cr_assert(rtp_receiver_update(&r, 9, s));
    }
    cr_assert_eq(rtp_receiver_expected(&r), 16);
    cr_assert_eq(rtp_receiver_lost(&r), 2);
    cr_assert_not(rtp_receiver_update(&r, 9, 5), "an old packet is late, not new");
    cr_assert_not(rtp_receiver_update(&r, 9, 9), "a duplicate");
    cr_assert_eq(r.duplicates_or_late, 2);
}

Test(rtp, receiver_restarts_on_a_new_ssrc)
{
    struct rtp_receiver r = {0};
    rtp_receiver_update(&r, 1, 10);
    rtp_receiver_update(&r, 1, 20);
    cr_assert_eq(rtp_receiver_lost(&r), 9);
    rtp_receiver_update(&r, 2, 500);
    cr_assert_eq(rtp_receiver_expected(&r), 1);
    cr_assert_eq(rtp_receiver_lost(&r), 0);
}
