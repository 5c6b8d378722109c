/*
 * The analyzer's evaluation and benchmark. Runs the rules over the
 * labelled corpus (the .json files of tests/data/analyzer, or the folder given),
 * prints the accuracy of each field overall and per language, the calls
 * that were wrong and in which fields, then how many transcripts one core
 * analyses per second (one thread, the corpus in a loop, an arena reset
 * between calls, as the service does).
 *
 *   build/bench/analyzer [corpus-folder] [--seconds S] [--quiet]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "../services/analyzer/analysis.h"
#include "../services/analyzer/call_json.h"
#include "../services/analyzer/evaluation.h"

struct labelled {
    char id[64];
    json_t *doc;            /* owns expect */
    struct call_facts call; /* strings in arena */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct labelled *)a)->id, ((const struct labelled *)b)->id);
}

int main(int argc, char **argv)
{
    const char *dir = "tests/data/analyzer";
    double seconds = 2.0;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else
            dir = argv[i];
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "analyzer bench: cannot open %s\n", dir);
        return 1;
    }
    struct oc_arena *keep = NULL, *work = NULL;
    if (oc_arena_new(&keep, 1 << 20) != OC_OK || oc_arena_new(&work, 1 << 16) != OC_OK)
        return 1;
    size_t n = 0, cap = 256;
    struct labelled *calls = calloc(cap, sizeof(*calls));
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        char err[256];
        if (!doc) {
            fprintf(stderr, "%s: %s (line %d)\n", path, jerr.text, jerr.line);
            return 1;
        }
        if (n == cap) {
            cap *= 2;
            calls = realloc(calls, cap * sizeof(*calls));
        }
        struct labelled *c = &calls[n];
        memset(c, 0, sizeof(*c));
        snprintf(c->id, sizeof(c->id), "%.*s", (int)(l - 5), de->d_name);
        c->doc = doc;
        if (call_json_read(doc, keep, &c->call, err, sizeof(err)) != OC_OK) {
            fprintf(stderr, "%s: %s\n", path, err);
            return 1;
        }
        n++;
    }
    closedir(d);
    qsort(calls, n, sizeof(*calls), by_name);

    /* Accuracy. */
    struct evaluation_tally all = {0}, lang[2];
    memset(lang, 0, sizeof(lang));
    unsigned wrong_calls = 0;
    for (size_t i = 0; i < n; i++) {
        struct analysis a;
        char wrong[256];
        oc_arena_reset(work);
        if (analysis_run(&calls[i].call, work, &a) != OC_OK) {
            fprintf(stderr, "%s: analysis failed\n", calls[i].id);
            return 1;
        }
        const json_t *expect = json_object_get(calls[i].doc, "expect");
        evaluation_score(expect, &a, &calls[i].call, &lang[calls[i].call.lang], NULL, 0);
        if (!evaluation_score(expect, &a, &calls[i].call, &all, wrong, sizeof(wrong))) {
            wrong_calls++;
            if (!quiet)
                printf("  wrong %-8s %s\n", calls[i].id, wrong);
        }
    }
    printf("\nanalyzer rules: %u labelled calls (%u es, %u en), %u with a wrong field\n\n",
           all.calls, lang[LANG_ES].calls, lang[LANG_EN].calls, wrong_calls);
    printf("  %-18s %8s %8s %8s   %s\n", "field", "all", "es", "en", "right/total");
    for (int f = 0; f < EVAL_FIELDS; f++)
        printf("  %-18s %7.1f%% %7.1f%% %7.1f%%   %u/%u\n", evaluation_field_name(f),
               evaluation_percent(&all, f), evaluation_percent(&lang[LANG_ES], f),
               evaluation_percent(&lang[LANG_EN], f), all.right[f], all.total[f]);
    printf("  %-18s %u (of which plain refusals: %u)\n", "false blacklists", all.false_blacklists,
           all.refusals_blacklisted);

    /* Throughput on one core. */
    size_t done = 0;
    double t0 = now_s(), t1 = t0;
    while (t1 - t0 < seconds) {
        for (size_t i = 0; i < n; i++) {
            struct analysis a;
            oc_arena_reset(work);
            analysis_run(&calls[i].call, work, &a);
        }
        done += n;
        t1 = now_s();
    }
    printf(
        "\n  throughput: %.0f transcripts/s on one core (%zu analyses in %.2f s, %.1f us each)\n",
        done / (t1 - t0), done, t1 - t0, 1e6 * (t1 - t0) / done);

    for (size_t i = 0; i < n; i++)
        json_decref(calls[i].doc);
    free(calls);
    oc_arena_free(work);
    oc_arena_free(keep);
    return 0;
}
