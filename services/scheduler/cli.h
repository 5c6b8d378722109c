/*
 * The scheduler's command line besides running the service:
 *   scheduler next-slot --tz ZONE [--now YYYY-MM-DDTHH:MM[:SS][Z]]
 *                       [--window SPEC] [--holiday YYYY-MM-DD[..YYYY-MM-DD]]...
 *                       [--legal HH:MM-HH:MM] [--country CC]
 * prints the next allowed local start time and its UTC instant as JSON,
 * computed by calling_window.c exactly as the dispatcher computes it. No
 * NATS, no database.
 */
#ifndef SCHEDULER_CLI_H
#define SCHEDULER_CLI_H

/** Runs `next-slot` with argv[0] == "next-slot". Returns the exit code (0, 1 no slot, 2 usage). */
int cli_next_slot(int argc, char **argv);

/** Prints the usage of the binary and its subcommands. */
void cli_usage(const char *prog);

#endif
