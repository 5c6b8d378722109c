/*
 * Energy VAD; see vad.h. Until the first block of frames is complete the
 * floor is assumed a margin below the absolute minimum, so the threshold
 * is that minimum.
 */
#include "vad.h"

#include <math.h>

#define VAD_SILENCE_DB (-100.0)

void vad_config_default(struct vad_config *cfg)
{
    cfg->min_level_db = -45.0;
    cfg->margin_db = 10.0;
    cfg->start_frames = 3;
    cfg->end_frames = 35;
}

void vad_init(struct vad *v, const struct vad_config *cfg)
{
    struct vad_config d;

    if (!cfg) {
        vad_config_default(&d);
        cfg = &d;
    }
    v->cfg = *cfg;
    if (v->cfg.start_frames == 0)
        v->cfg.start_frames = 1;
    if (v->cfg.end_frames == 0)
        v->cfg.end_frames = 1;
    v->noise_db = v->cfg.min_level_db - v->cfg.margin_db;
    v->block_min = 0.0;
    v->block_frames = 0;
    v->n_blocks = 0;
    v->next_block = 0;
    v->voiced_run = 0;
    v->unvoiced_run = 0;
    v->speaking = false;
    v->frame = 0;
    v->start_frame = 0;
    v->end_frame = 0;
    v->voiced_frames = 0;
}

double vad_level_db(const int16_t *pcm, size_t n)
{
    if (n == 0)
        return VAD_SILENCE_DB;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    double rms = sqrt(sum / (double)n);
    if (rms < 1.0)
        return VAD_SILENCE_DB;
    double db = 20.0 * log10(rms / 32768.0);
    return db < VAD_SILENCE_DB ? VAD_SILENCE_DB : db;
}

/* Minimum statistics: the floor is the lowest block minimum kept. */
static void track_floor(struct vad *v, double level)
{
    if (v->block_frames == 0 || level < v->block_min)
        v->block_min = level;
    if (++v->block_frames < VAD_BLOCK_FRAMES)
        return;
    v->block_mins[v->next_block] = v->block_min;
    v->next_block = (v->next_block + 1) % VAD_FLOOR_BLOCKS;
    if (v->n_blocks < VAD_FLOOR_BLOCKS)
        v->n_blocks++;
    v->block_frames = 0;
    double floor = v->block_mins[0];
    for (unsigned i = 1; i < v->n_blocks; i++)
        if (v->block_mins[i] < floor)
            floor = v->block_mins[i];
    v->noise_db = floor;
}

enum vad_event vad_process(struct vad *v, const int16_t *pcm, size_t n)
{
    double level = vad_level_db(pcm, n);
    double threshold = v->noise_db + v->cfg.margin_db;
    if (threshold < v->cfg.min_level_db)
        threshold = v->cfg.min_level_db;
    bool voiced = level >= threshold;
    enum vad_event ev = VAD_NONE;

    v->frame++;
    if (voiced) {
        v->voiced_frames++;
        v->voiced_run++;
        v->unvoiced_run = 0;
    } else {
        v->unvoiced_run++;
        v->voiced_run = 0;
    }

    track_floor(v, level);

    if (!v->speaking) {
        if (voiced && v->voiced_run >= v->cfg.start_frames) {
            v->speaking = true;
            v->start_frame = v->frame - v->voiced_run;
            ev = VAD_SPEECH_START;
        }
    } else if (!voiced && v->unvoiced_run >= v->cfg.end_frames) {
        v->speaking = false;
        v->end_frame = v->frame - v->unvoiced_run;
        ev = VAD_SPEECH_END;
    }
    return ev;
}

bool vad_speaking(const struct vad *v)
{
    return v->speaking;
}
