/*
 * SDP offer and answer; see sdp.h. The answer is read line by line in
 * place (it is not NUL-terminated when it comes from a SIP message); only
 * the first m=audio section counts, as in the offer.
 */
#include "sdp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SDP_MAX_FORMATS 32

size_t sdp_offer(char *out, size_t cap, const char *addr, unsigned port,
                 const enum sdp_codec *codecs, size_t n_codecs, uint64_t session_id)
{
    char fmts[64] = "";
    char maps[256] = "";
    size_t fl = 0, ml = 0;

    for (size_t i = 0; i < n_codecs; i++) {
        int pt = codecs[i] == SDP_PCMU ? 0 : 8;
        const char *name = codecs[i] == SDP_PCMU ? "PCMU" : "PCMA";
        fl += (size_t)snprintf(fmts + fl, sizeof(fmts) - fl, " %d", pt);
        ml += (size_t)snprintf(maps + ml, sizeof(maps) - ml, "a=rtpmap:%d %s/8000\r\n", pt, name);
    }
    int n = snprintf(out, cap,
                     "v=0\r\n"
                     "o=outcall %llu %llu IN IP4 %s\r\n"
                     "s=outcall\r\n"
                     "c=IN IP4 %s\r\n"
                     "t=0 0\r\n"
                     "m=audio %u RTP/AVP%s\r\n"
                     "%s"
                     "a=ptime:20\r\n"
                     "a=sendrecv\r\n",
                     (unsigned long long)session_id, (unsigned long long)session_id, addr, addr,
                     port, fmts, maps);
    return n < 0 ? 0 : (size_t)n;
}

/* "IN IP4 <addr>" of a c= line into out; false when it is not IPv4. */
static bool connection(const char *v, size_t len, char *out, size_t cap)
{
    char buf[128];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char net[8], type[8], addr[64];
    if (sscanf(buf, "%7s %7s %63s", net, type, addr) != 3 || strcmp(net, "IN") != 0 ||
        strcmp(type, "IP4") != 0)
        return false;
    /* Multicast TTL suffixes ("/127") are not for a phone call. */
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return false;
    snprintf(out, cap, "%s", addr);
    return true;
}

enum oc_status sdp_parse_answer(const char *sdp, size_t len, struct sdp_answer *out,
                                const char **why)
{
    char session_addr[64] = "", media_addr[64] = "";
    bool in_audio = false, seen_audio = false, bad_addr = false;
    long port = -1;
    int formats[SDP_MAX_FORMATS];
    size_t n_formats = 0;
    /* rtpmap of the audio section: payload type -> codec (-1 unknown). */
    int map[128];
    for (size_t i = 0; i < 128; i++)
        map[i] = -1;

    const char *p = sdp, *end = sdp + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t n = (size_t)(line_end - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n >= 2 && p[1] == '=') {
            char type = p[0];
            const char *v = p + 2;
            size_t vl = n - 2;
            if (type == 'm') {
                if (seen_audio) {
                    in_audio = false; /* a later stream: not ours */
                } else if (vl > 6 && strncmp(v, "audio ", 6) == 0) {
                    in_audio = seen_audio = true;
                    char buf[256];
                    size_t bl = vl < sizeof(buf) - 1 ? vl : sizeof(buf) - 1;
                    memcpy(buf, v, bl);
                    buf[bl] = '\0';
                    char *save = NULL;
                    strtok_r(buf, " ", &save); /* "audio" */
                    char *tok = strtok_r(NULL, " ", &save);
                    char *e = NULL;
                    port = tok ? strtol(tok, &e, 10) : -1;
                    if (!tok || *e != '\0' || port < 0 || port > 65535)
                        port = -1;
                    strtok_r(NULL, " ", &save); /* protocol */
                    while ((tok = strtok_r(NULL, " ", &save)) && n_formats < SDP_MAX_FORMATS) {
                        long f = strtol(tok, &e, 10);
                        if (*e == '\0' && f >= 0 && f < 128)
                            formats[n_formats++] = (int)f;
                    }
                }
            } else if (type == 'c') {
                char *dst = in_audio ? media_addr : session_addr;
                if (!seen_audio || in_audio) {
                    if (!connection(v, vl, dst, 64))
                        bad_addr = true;
                }
            } else if (type == 'a' && in_audio && vl > 7 && strncmp(v, "rtpmap:", 7) == 0) {
                char buf[128];
                size_t bl = vl < sizeof(buf) - 1 ? vl : sizeof(buf) - 1;
                memcpy(buf, v, bl);
                buf[bl] = '\0';
                int pt;
                char name[32];
                int rate;
                if (sscanf(buf, "rtpmap:%d %31[^/]/%d", &pt, name, &rate) == 3 && pt >= 0 &&
                    pt < 128 && rate == 8000) {
                    if (strcasecmp(name, "PCMU") == 0)
                        map[pt] = SDP_PCMU;
                    else if (strcasecmp(name, "PCMA") == 0)
                        map[pt] = SDP_PCMA;
                }
            }
        }
        p = eol ? eol + 1 : end;
    }

    if (!seen_audio || port < 0) {
        *why = "the answer has no audio stream";
        return OC_ERR_INVALID;
    }
    if (port == 0) {
        *why = "the far end refused the audio stream";
        return OC_ERR_INVALID;
    }
    const char *addr = media_addr[0] ? media_addr : session_addr;
    if (!addr[0]) {
        *why = bad_addr ? "the answer's address is not IPv4" : "the answer has no address";
        return OC_ERR_INVALID;
    }
    if (strcmp(addr, "0.0.0.0") == 0) {
        *why = "the far end answered on hold (0.0.0.0)";
        return OC_ERR_INVALID;
    }
    for (size_t i = 0; i < n_formats; i++) {
        int f = formats[i];
        int codec = map[f] >= 0 ? map[f] : (f == 0 ? SDP_PCMU : f == 8 ? SDP_PCMA : -1);
        if (codec < 0)
            continue;
        snprintf(out->addr, sizeof(out->addr), "%s", addr);
        out->port = (unsigned)port;
        out->codec = (enum sdp_codec)codec;
        out->payload_type = (unsigned)f;
        return OC_OK;
    }
    *why = "the answer has neither PCMU nor PCMA";
    return OC_ERR_INVALID;
}
