/*
 * SDP: the offer carries the media copy's address and both G.711 codecs
 * at 20 ms; answers from real peers are read (session or media-level
 * address, static or dynamic payload types, either line ending) and broken
 * or useless ones are refused with a reason.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/dialer/sdp.h"

static enum oc_status parse(const char *s, struct sdp_answer *a, const char **why)
{
    return sdp_parse_answer(s, strlen(s), a, why);
}

Test(sdp, the_offer_names_address_port_and_codecs)
{
    char out[1024];
    const enum sdp_codec codecs[] = {SDP_PCMU, SDP_PCMA};
    size_t n = sdp_offer(out, sizeof(out), "127.0.0.1", 20002, codecs, 2, 42);
    cr_assert_lt(n, sizeof(out));
    cr_assert_not_null(strstr(out, "c=IN IP4 127.0.0.1\r\n"));
    cr_assert_not_null(strstr(out, "m=audio 20002 RTP/AVP 0 8\r\n"));
    cr_assert_not_null(strstr(out, "a=rtpmap:0 PCMU/8000\r\n"));
    cr_assert_not_null(strstr(out, "a=rtpmap:8 PCMA/8000\r\n"));
    cr_assert_not_null(strstr(out, "a=ptime:20\r\n"));
    cr_assert_eq(strncmp(out, "v=0\r\n", 5), 0);

    /* The offer parses as an answer too (it is well-formed SDP). */
    struct sdp_answer a;
    const char *why;
    cr_assert_eq(parse(out, &a, &why), OC_OK);
    cr_assert_str_eq(a.addr, "127.0.0.1");
    cr_assert_eq(a.port, 20002);
    cr_assert_eq(a.codec, SDP_PCMU);
}

Test(sdp, reads_a_sipp_answer)
{
    const char *s = "v=0\n"
                    "o=user1 53655765 2353687637 IN IP4 127.0.0.1\n"
                    "s=-\n"
                    "c=IN IP4 127.0.0.1\n"
                    "t=0 0\n"
                    "m=audio 6000 RTP/AVP 8\n"
                    "a=rtpmap:8 PCMA/8000\n";
    struct sdp_answer a;
    const char *why = NULL;
    cr_assert_eq(parse(s, &a, &why), OC_OK, "%s", why ? why : "");
    cr_assert_eq(a.port, 6000);
    cr_assert_eq(a.codec, SDP_PCMA);
    cr_assert_eq(a.payload_type, 8);
}

Test(sdp, the_media_address_wins_and_dynamic_types_are_mapped)
{
    const char *s = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                    "m=audio 4000 RTP/AVP 101 96\r\nc=IN IP4 10.0.0.2\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 pcmu/8000\r\n"
                    "m=video 5000 RTP/AVP 97\r\nc=IN IP4 10.0.0.3\r\n";
    struct sdp_answer a;
    const char *why = NULL;
    cr_assert_eq(parse(s, &a, &why), OC_OK, "%s", why ? why : "");
    cr_assert_str_eq(a.addr, "10.0.0.2");
    cr_assert_eq(a.port, 4000);
    cr_assert_eq(a.codec, SDP_PCMU);
    cr_assert_eq(a.payload_type, 96);
}

Test(sdp, refuses_useless_answers)
{
    const char *bad[] = {
        "v=0\r\nc=IN IP4 1.2.3.4\r\n",                              /* no audio */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n",       /* refused */
        "v=0\r\nc=IN IP6 ::1\r\nm=audio 4000 RTP/AVP 0\r\n",        /* not IPv4 */
        "v=0\r\nm=audio 4000 RTP/AVP 0\r\n",                        /* no address */
        "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n",    /* on hold */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18 9\r\n", /* G.729, G.722 */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n",   /* bad port */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio\r\n",                   /* truncated */
        "",
        NULL,
    };
    for (size_t i = 0; bad[i]; i++) {
        struct sdp_answer a = {.port = 7};
        const char *why = NULL;
        cr_assert_eq(parse(bad[i], &a, &why), OC_ERR_INVALID, "answer %zu", i);
        cr_assert_not_null(why);
        cr_assert_eq(a.port, 7, "untouched on error");
    }
}

Test(sdp, an_answer_need_not_be_terminated)
{
    const char *s = "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\nGARBAGE";
    struct sdp_answer a;
    const char *why;
    /* Only the bytes before GARBAGE belong to the body. */
    cr_assert_eq(sdp_parse_answer(s, strlen(s) - 7, &a, &why), OC_OK);
    cr_assert_eq(a.port, 4000);
}
