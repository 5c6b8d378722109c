/*
 * The labelled corpus (the .json files under tests/data/analyzer: calls in
 * Spanish and English with their expected analysis) run through the rules,
 * held to the targets of the analyzer's issue: outcome, follow-up yes/no,
 * alternative number >= 95 %, follow-up time (exact or inside the window)
 * >= 90 %, do-not-call >= 98 %, and never a blacklisted number for a
 * contact who only said they were not interested. The corpus must stay at
 * least 150 calls, half in each language. Wrong calls are logged by name.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "../../../services/analyzer/analysis.h"
#include "../../../services/analyzer/call_json.h"
#include "../../../services/analyzer/evaluation.h"

static struct evaluation_tally tally, per_lang[2];
static unsigned files;

/* The corpus folder: $ANALYZER_CORPUS, else tests/data/analyzer beside this file. */
static void corpus_dir(char *buf, size_t len)
{
    const char *env = getenv("ANALYZER_CORPUS");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return;
    }
    char here[1024];
    snprintf(here, sizeof(here), "%s", __FILE__);
    snprintf(buf, len, "%s/../../data/analyzer", dirname(here));
}

static void run_corpus(void)
{
    char dir[1100];
    corpus_dir(dir, sizeof(dir));
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open the corpus at %s", dir);
    struct oc_arena *arena = NULL;
    cr_assert_eq(oc_arena_new(&arena, 1 << 16), OC_OK);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char path[2200], err[256] = "", wrong[256];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        cr_assert_not_null(doc, "%s: %s (line %d)", path, jerr.text, jerr.line);
        struct call_facts call;
        struct analysis a;
        oc_arena_reset(arena);
        cr_assert_eq(call_json_read(doc, arena, &call, err, sizeof(err)), OC_OK, "%s: %s", path,
                     err);
        cr_assert_eq(analysis_run(&call, arena, &a), OC_OK, "%s: analysis failed", path);
        const json_t *expect = json_object_get(doc, "expect");
        cr_assert(json_is_object(expect), "%s: no \"expect\" object", path);
        evaluation_score(expect, &a, &call, &per_lang[call.lang], NULL, 0);
        if (!evaluation_score(expect, &a, &call, &tally, wrong, sizeof(wrong)))
            cr_log_warn("%s: wrong %s", de->d_name, wrong);
        files++;
        json_decref(doc);
    }
    closedir(d);
    oc_arena_free(arena);
}

static void setup(void)
{
    memset(&tally, 0, sizeof(tally));
    memset(per_lang, 0, sizeof(per_lang));
    files = 0;
    run_corpus();
}

TestSuite(corpus, .init = setup);

Test(corpus, has_at_least_150_calls_half_in_each_language)
{
    cr_assert_geq(files, 150, "only %u labelled calls", files);
    unsigned es = per_lang[LANG_ES].calls, en = per_lang[LANG_EN].calls;
    cr_assert_leq(es > en ? es - en : en - es, files / 10, "%u Spanish and %u English calls", es,
                  en);
}

static void at_least(enum evaluation_field f, double target)
{
    double got = evaluation_percent(&tally, f);
    cr_expect_geq(got, target, "%s: %.1f%% (%u/%u), target %.0f%%", evaluation_field_name(f), got,
                  tally.right[f], tally.total[f], target);
    for (int l = 0; l < 2; l++) {
        double g = evaluation_percent(&per_lang[l], f);
        cr_expect_geq(g, target, "%s in %s: %.1f%%, target %.0f%%", evaluation_field_name(f),
                      l == LANG_ES ? "Spanish" : "English", g, target);
    }
}

Test(corpus, outcome_is_right_in_95_percent)
{
    at_least(EVAL_OUTCOME, 95);
}

Test(corpus, follow_up_yes_or_no_is_right_in_95_percent)
{
    at_least(EVAL_FOLLOW_UP, 95);
}

Test(corpus, follow_up_time_is_exact_or_inside_the_window_in_90_percent)
{
    at_least(EVAL_FOLLOW_UP_TIME, 90);
}

Test(corpus, alternative_number_is_exact_in_95_percent)
{
    at_least(EVAL_ALT_NUMBER, 95);
    at_least(EVAL_ALT_NUMBER_GIVEN, 95);
}

Test(corpus, do_not_call_is_right_in_98_percent)
{
    at_least(EVAL_DNC, 98);
}

Test(corpus, a_plain_refusal_never_blacklists_the_number)
{
    cr_assert_eq(tally.refusals_blacklisted, 0,
                 "%u contacts who only said they were not interested were blacklisted",
                 tally.refusals_blacklisted);
    cr_assert_eq(tally.false_blacklists, 0, "%u numbers blacklisted that should not be",
                 tally.false_blacklists);
}

Test(corpus, retries_and_meetings_are_timed)
{
    at_least(EVAL_RETRY, 95);
    at_least(EVAL_RETRY_TIME, 90);
    at_least(EVAL_MEETING_TIME, 90);
}
