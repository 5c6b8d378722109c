/*
 * An energy-based voice activity detector for telephone audio: it tells
 * when the contact starts speaking and when they have finished. Each 20 ms
 * frame's level (RMS, dB relative to full scale) is compared with a
 * threshold that sits a margin above the noise floor, and never below an
 * absolute minimum, so a quiet line and a hissing one both work. The floor
 * is the lowest level of the last few seconds (minimum statistics): speech
 * has pauses between syllables that reach down to it, steady noise never
 * goes below it, so it follows the line without being raised by speech. Speech
 * starts after a few voiced frames in a row (a click is not speech) and
 * ends after a hang-over of unvoiced frames (a pause between words is not
 * the end of a turn). Pure: frames in, events out.
 */
#ifndef MEDIA_VAD_H
#define MEDIA_VAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vad_config {
    double min_level_db;   /* never call quieter frames speech; default -45 dBFS */
    double margin_db;      /* above the noise floor; default 10 dB */
    unsigned start_frames; /* voiced frames in a row to start; default 3 (60 ms) */
    unsigned end_frames;   /* unvoiced frames in a row to end; default 35 (700 ms) */
};

enum vad_event {
    VAD_NONE,
    VAD_SPEECH_START, /* speech began start_frames frames ago */
    VAD_SPEECH_END,   /* speech ended end_frames frames ago */
};

/* The floor is the minimum over VAD_FLOOR_BLOCKS blocks of VAD_BLOCK_FRAMES. */
#define VAD_BLOCK_FRAMES 50
#define VAD_FLOOR_BLOCKS 3

struct vad {
    struct vad_config cfg;
    double noise_db;
    double block_min; /* lowest level of the block being filled */
    unsigned block_frames;
    double block_mins[VAD_FLOOR_BLOCKS];
    unsigned n_blocks; /* completed blocks in block_mins, up to VAD_FLOOR_BLOCKS */
    unsigned next_block;
    unsigned voiced_run;
    unsigned unvoiced_run;
    bool speaking;
    uint64_t frame;         /* frames processed */
    uint64_t start_frame;   /* first frame of the current or last speech */
    uint64_t end_frame;     /* first frame after the last speech */
    uint64_t voiced_frames; /* voiced frames seen in total */
};

/** Fills cfg with the defaults above. */
void vad_config_default(struct vad_config *cfg);

/** Starts a detector; cfg NULL takes the defaults. */
void vad_init(struct vad *v, const struct vad_config *cfg);

/** The level of n samples in dBFS: 0 for a full-scale square wave, -100 for silence. */
double vad_level_db(const int16_t *pcm, size_t n);

/** Feeds one frame; returns the event it completes, if any. */
enum vad_event vad_process(struct vad *v, const int16_t *pcm, size_t n);

/** True while speech is going on (between START and END). */
bool vad_speaking(const struct vad *v);

#endif
