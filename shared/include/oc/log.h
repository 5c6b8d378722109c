/*
 * Logging: one line per event on stdout,
 *   2026-11-20T22:30:00.123Z INFO  gateway req=7f3a... message
 * The level comes from LOG_LEVEL (debug, info, warn, error; default info).
 * The request id is per thread, so a handler sets it once when it starts
 * and every line it logs carries it. Safe from any thread.
 */
#ifndef OC_LOG_H
#define OC_LOG_H

enum oc_log_level { OC_LOG_DEBUG = 0, OC_LOG_INFO, OC_LOG_WARN, OC_LOG_ERROR };

/** Sets the service name and reads LOG_LEVEL. Returns -1 if LOG_LEVEL is not a level. */
int oc_log_init(const char *service);

void oc_log_set_level(enum oc_log_level level);
enum oc_log_level oc_log_get_level(void);

/** Parses "debug"/"info"/"warn"/"error"; returns -1 when it is none of them. */
int oc_log_parse_level(const char *s, enum oc_log_level *out);

/** Sets this thread's request id (copied; NULL clears it). */
void oc_log_set_request_id(const char *request_id);
const char *oc_log_request_id(void);

void oc_log_write(enum oc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define oc_debug(...) oc_log_write(OC_LOG_DEBUG, __VA_ARGS__)
#define oc_info(...) oc_log_write(OC_LOG_INFO, __VA_ARGS__)
#define oc_warn(...) oc_log_write(OC_LOG_WARN, __VA_ARGS__)
#define oc_error(...) oc_log_write(OC_LOG_ERROR, __VA_ARGS__)

#endif
