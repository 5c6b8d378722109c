/*
 * Status codes shared by every service. A function returns one of these and
 * writes its results through out-parameters only on OC_OK. The same codes
 * cross NATS inside ocpb.Status, and the gateway alone maps them to HTTP
 * codes (oc_status_http()).
 */
#ifndef OC_STATUS_H
#define OC_STATUS_H

enum oc_status {
    OC_OK = 0,
    OC_ERR_INVALID = 1,           /* bad input from the caller */
    OC_ERR_NOT_FOUND = 2,         /* no such object (or not this tenant's) */
    OC_ERR_CONFLICT = 3,          /* already exists / state does not allow it */
    OC_ERR_UNAUTHENTICATED = 4,   /* no or bad credentials */
    OC_ERR_PERMISSION = 5,        /* authenticated but not allowed */
    OC_ERR_TOO_LARGE = 6,         /* body or file over the limit */
    OC_ERR_RATE_LIMITED = 7,      /* too many attempts; try later */
    OC_ERR_UNAVAILABLE = 8,       /* a dependency (NATS, Postgres, a service) is down */
    OC_ERR_TIMEOUT = 9,           /* the deadline passed */
    OC_ERR_NO_CREDIT = 10,        /* not enough credit */
    OC_ERR_NOMEM = 11,            /* out of memory */
    OC_ERR_INTERNAL = 12,         /* a broken invariant or an unexpected library error */
    OC_ERR_IO = 13,               /* reading or writing a file or socket failed */
};

#define OC_STATUS_COUNT 14

/** Returns a lowercase sentence for the status ("not found"). Never NULL. */
const char *oc_status_text(enum oc_status s);

/** Returns the stable machine code for APIs ("not_found"). Never NULL. */
const char *oc_status_code(enum oc_status s);

/** Returns the HTTP status the gateway answers for this status. */
int oc_status_http(enum oc_status s);

/** Converts a wire value (ocpb.Status.code) to the enum; unknown -> OC_ERR_INTERNAL. */
enum oc_status oc_status_from_int(int v);

#endif
