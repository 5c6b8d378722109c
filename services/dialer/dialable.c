/*
 * The dialer's side of calls.dialable (see dialable.h): a yes dials, a
 * definite no or a refused question drops the job, anything else (the
 * scheduler could not answer) leaves the job for later. There is no path
 * from an error to a dial.
 */
#include "dialable.h"

enum dialable_action dialable_action(enum oc_status asked, bool dialable, bool later)
{
    switch (asked) {
    case OC_OK:
        return dialable ? DIALABLE_DIAL : later ? DIALABLE_WAIT : DIALABLE_DROP;
    case OC_ERR_INVALID:
    case OC_ERR_NOT_FOUND:
        return DIALABLE_DROP;
    default:
        return DIALABLE_RETRY;
    }
}

const char *dialable_action_name(enum dialable_action a)
{
    switch (a) {
    case DIALABLE_DIAL:
        return "dial";
    case DIALABLE_DROP:
        return "drop";
    case DIALABLE_RETRY:
        return "retry";
    case DIALABLE_WAIT:
        return "wait";
    }
    return "unknown";
}
