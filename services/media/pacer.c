/*
 * Pacing arithmetic; see pacer.h. All times are signed 64-bit nanoseconds,
 * which covers centuries of CLOCK_MONOTONIC.
 */
#include "pacer.h"

void pacer_init(struct pacer *p, int64_t start_ns, int64_t period_ns, unsigned max_burst)
{
    p->period_ns = period_ns > 0 ? period_ns : 20 * PACER_NS_PER_MS;
    p->next_ns = start_ns;
    p->max_burst = max_burst > 0 ? max_burst : 1;
    p->frames = 0;
}

void pacer_due(struct pacer *p, int64_t now_ns, unsigned *send, unsigned *skip)
{
    *send = 0;
    *skip = 0;
    if (now_ns < p->next_ns)
        return;
    uint64_t due = (uint64_t)((now_ns - p->next_ns) / p->period_ns) + 1;
    p->next_ns += (int64_t)due * p->period_ns;
    p->frames += due;
    if (due > p->max_burst) {
        *send = p->max_burst;
        *skip = (unsigned)(due - p->max_burst > 0xFFFFFFFFu ? 0xFFFFFFFFu : due - p->max_burst);
    } else {
        *send = (unsigned)due;
    }
}

int64_t pacer_next(const struct pacer *p)
{
    return p->next_ns;
}

uint32_t pacer_samples_per_frame(unsigned rate_hz, unsigned frame_ms)
{
    return (uint32_t)((uint64_t)rate_hz * frame_ms / 1000);
}
