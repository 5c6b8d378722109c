/*
 * media's own environment variables, read once at start next to the common
 * ones the runtime reads. Every problem is counted in cfg so the operator
 * sees all wrong variables at once, each message naming its variable.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media.h"
#include "oc/log.h"

#define MEDIA_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"

static bool ipv4(const char *s)
{
    struct in_addr a;
    return s != NULL && inet_pton(AF_INET, s, &a) == 1;
}

/* "20000-20999": an even first port, a range of at least two ports. */
static void read_ports(struct oc_cfg *cfg, struct media_config *c)
{
    const char *v = NULL;
    long lo = 0, hi = 0;
    char *end = NULL;

    oc_cfg_str(cfg, "MEDIA_RTP_PORTS", "20000-20999", false, &v);
    lo = strtol(v, &end, 10);
    if (end != v && *end == '-')
        hi = strtol(end + 1, &end, 10);
    if (*end != '\0' || lo < 1024 || hi > 65535 || hi < lo + 1) {
        oc_error("config: MEDIA_RTP_PORTS: expected \"min-max\" within 1024-65535, got \"%s\"", v);
        cfg->errors++;
        return;
    }
    /* RTP takes even ports (RTCP the odd one after). */
    c->rtp_port_min = lo + (lo & 1);
    c->rtp_port_max = hi;
}

void media_configure(struct media *m, struct oc_cfg *cfg)
{
    struct media_config *c = &m->cfg;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;

    oc_cfg_str(cfg, "MEDIA_RTP_ADDR", "127.0.0.1", false, &c->rtp_addr);
    oc_cfg_str(cfg, "MEDIA_RTP_ADVERTISE", c->rtp_addr, false, &c->rtp_advertise);
    read_ports(cfg, c);
    oc_cfg_int(cfg, "MEDIA_WORKERS", cpus < 4 ? cpus : 4, 1, 64, &c->workers);
    oc_cfg_int(cfg, "MEDIA_MAX_CALLS", 200, 1, 10000, &c->max_calls);
    oc_cfg_int(cfg, "MEDIA_SPEECH_THREADS", 2, 1, 64, &c->speech_threads);
    oc_cfg_bool(cfg, "MEDIA_STT", true, &c->stt_enabled);
    oc_cfg_str(cfg, "MEDIA_STT_HMM", MEDIA_MODEL_DIR "/en-us", false, &c->stt_hmm);
    oc_cfg_str(cfg, "MEDIA_STT_LM", MEDIA_MODEL_DIR "/en-us.lm.bin", false, &c->stt_lm);
    oc_cfg_str(cfg, "MEDIA_STT_DICT", MEDIA_MODEL_DIR "/cmudict-en-us.dict", false, &c->stt_dict);
    oc_cfg_int(cfg, "MEDIA_TTS_RATE", 160, 80, 450, &c->tts_rate);
    oc_cfg_str(cfg, "MEDIA_TTS_VOICE_EN", "en-us", false, &c->voice_en);
    oc_cfg_str(cfg, "MEDIA_TTS_VOICE_ES", "es", false, &c->voice_es);
    oc_cfg_int(cfg, "MEDIA_JITTER_MS", 60, 0, 300, &c->jitter_ms);
    oc_cfg_int(cfg, "MEDIA_VAD_MIN_DB", -45, -90, -10, &c->vad_min_db);
    oc_cfg_int(cfg, "MEDIA_VAD_END_MS", 700, 200, 5000, &c->vad_end_ms);
    oc_cfg_int(cfg, "MEDIA_REPLY_TIMEOUT_MS", 6000, 500, 60000, &c->reply_timeout_ms);
    oc_cfg_int(cfg, "MEDIA_STT_TIMEOUT_MS", 5000, 200, 60000, &c->stt_timeout_ms);
    oc_cfg_int(cfg, "MEDIA_RTP_TIMEOUT_MS", 30000, 1000, 600000, &c->rtp_timeout_ms);
    oc_cfg_int(cfg, "MEDIA_MAX_DURATION_S", 600, 10, 14400, &c->max_duration_s);
    oc_cfg_int(cfg, "MEDIA_ALLOCATION_TTL_MS", 120000, 1000, 3600000, &c->allocation_ttl_ms);

    if (!ipv4(c->rtp_addr)) {
        oc_error("config: MEDIA_RTP_ADDR: expected an IPv4 address, got \"%s\"", c->rtp_addr);
        cfg->errors++;
    }
    if (!ipv4(c->rtp_advertise) || strcmp(c->rtp_advertise, "0.0.0.0") == 0) {
        oc_error("config: MEDIA_RTP_ADVERTISE: expected the IPv4 address peers send RTP to,"
                 " got \"%s\" (set it when MEDIA_RTP_ADDR is 0.0.0.0)",
                 c->rtp_advertise);
        cfg->errors++;
    }
    if (c->stt_enabled) {
        const char *paths[][2] = {{"MEDIA_STT_HMM", c->stt_hmm},
                                  {"MEDIA_STT_LM", c->stt_lm},
                                  {"MEDIA_STT_DICT", c->stt_dict}};
        for (size_t i = 0; i < 3; i++) {
            if (access(paths[i][1], R_OK) != 0) {
                oc_error("config: %s: cannot read \"%s\" (install pocketsphinx-en-us, or set"
                         " MEDIA_STT=off)",
                         paths[i][0], paths[i][1]);
                cfg->errors++;
            }
        }
    }
}
