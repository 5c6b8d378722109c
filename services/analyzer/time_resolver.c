/*
 * The time resolver (see time_resolver.h). It works in two steps over the
 * tokens. First, pieces: each is a date ("el viernes", "el 3 de abril",
 * "in 10 days", "la semana que viene"), a time of day ("a las tres y
 * media", "3pm", "por la tarde", "between 4 and 6") or a vague delay
 * ("luego", "in a bit"). Then groups: a date and a time side by side, a
 * few filler words apart, are one mention ("mañana, a eso de las cinco").
 * Each group is resolved to wall-clock times in the zone and converted to
 * instants by local_time.c, which is where daylight-saving changes are
 * handled. Words are matched folded (no accents, lower case).
 */
#include <string.h>

#include "number_words.h"
#include "phrase.h"
#include "time_resolver.h"

/* ------------------------------------------------------------ pieces */

enum piece_type { PIECE_DATE = 1, PIECE_TIME, PIECE_VAGUE, PIECE_PAST, PIECE_IGNORE };

enum date_kind {
    DATE_REL_DAYS = 1, /* n days from today (0 today, 1 tomorrow) */
    DATE_WEEKDAY,      /* wd with wmode */
    DATE_YMD,          /* day, month, year (0: the next such date) */
    DATE_DOM,          /* day of this or the next month */
    DATE_THIS_WEEK,
    DATE_NEXT_WEEK,
    DATE_WEEKEND, /* n: 0 the coming one, 1 the one after */
    DATE_THIS_MONTH,
    DATE_MONTH,         /* month (0: next month) */
    DATE_END_MONTH,     /* month (0: this month, -1: next month) */
    DATE_START_MONTH,   /* month (0: next month) */
    DATE_MID_MONTH,     /* month (0: this month or the next, -1: next month) */
    DATE_OFFSET_DAYS,   /* n .. n2 days */
    DATE_OFFSET_MONTHS, /* n .. n2 months */
    DATE_FEW_DAYS,      /* "in a couple of days" */
};

enum weekday_mode {
    WD_PLAIN = 0, /* next occurrence after today */
    WD_THIS,      /* this coming one, today included */
    WD_NEXT_EN,   /* English "next": next week's when this week's is ahead */
    WD_NEXT_WEEK, /* the one in next week */
};

enum time_kind_piece { TP_CLOCK = 1, TP_PART, TP_OFFSET_MIN };

enum relation { REL_AT = 0, REL_APPROX, REL_AFTER, REL_BEFORE, REL_UNTIL, REL_BETWEEN };

enum ampm { AMPM_NONE = 0, AMPM_AM, AMPM_PM, AMPM_NIGHT, AMPM_NOON };

enum part {
    PART_MORNING = 1,
    PART_FIRST_THING,
    PART_NOON,
    PART_LUNCH,
    PART_AFTER_LUNCH,
    PART_AFTERNOON,
    PART_LATE_AFTERNOON,
    PART_EVENING,
};

struct piece {
    enum piece_type type;
    size_t begin, end;
    /* dates */
    enum date_kind dk;
    int n, n2;
    int wd;
    enum weekday_mode wmode;
    int day, month, year;
    /* times */
    enum time_kind_piece tk;
    int h, m, h2, m2;
    enum ampm ampm;
    enum relation rel;
    enum part part;
    bool today; /* "esta tarde", "tonight": today's part of the day */
    /* vague */
    enum time_kind vague;
};

/* Phrase values: a category in the high bits, details below. */
#define V(cat, a, b) (((cat) << 16) | ((a) << 8) | (b))
#define V_CAT(x) ((x) >> 16)
#define V_A(x) (((x) >> 8) & 0xFF)
#define V_B(x) ((x)&0xFF)

enum phrase_cat {
    CAT_DATE = 1, /* a: enum date_kind, b: n */
    CAT_PART,     /* a: enum part, b: 1 when today's */
    CAT_VAGUE,    /* a: enum time_kind */
    CAT_PAST,
    CAT_IGNORE,    /* "hasta luego", "see you later": not a time */
    CAT_NOON_EN,   /* English "noon": a clock time */
    CAT_WEEKDAY,   /* a: 1-7 */
    CAT_MONTH,     /* a: 1-12 */
    CAT_PREP,      /* a: enum relation, b: 1 when it is only "las"/"la" */
    CAT_UNIT,      /* a: minutes 1, hours 2, days 3, weeks 4, months 5 */
    CAT_MONTH_MOD, /* a: 1 end of, 2 start of, 3 middle of (then a month name) */
};

static const struct phrase_entry time_table[] = {
    /* days */
    {"hoy", PHRASE_ES, V(CAT_DATE, DATE_REL_DAYS, 0)},
    {"today|todays", PHRASE_EN, V(CAT_DATE, DATE_REL_DAYS, 0)},
    {"manana", PHRASE_ES, V(CAT_DATE, DATE_REL_DAYS, 1)},
    {"tomorrow|tmrw|tomorow|tomorrows", PHRASE_EN, V(CAT_DATE, DATE_REL_DAYS, 1)},
    {"pasado manana", PHRASE_ES, V(CAT_DATE, DATE_REL_DAYS, 2)},
    {"?the day after tomorrow", PHRASE_EN, V(CAT_DATE, DATE_REL_DAYS, 2)},
    {"esta semana", PHRASE_ES, V(CAT_DATE, DATE_THIS_WEEK, 0)},
    {"a lo largo de ?la|esta semana", PHRASE_ES, V(CAT_DATE, DATE_THIS_WEEK, 0)},
    {"this week", PHRASE_EN, V(CAT_DATE, DATE_THIS_WEEK, 0)},
    {"later this week", PHRASE_EN, V(CAT_DATE, DATE_THIS_WEEK, 0)},
    {"la|esta semana que viene", PHRASE_ES, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"semana que viene", PHRASE_ES, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"la proxima semana", PHRASE_ES, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"la semana proxima", PHRASE_ES, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"proxima semana", PHRASE_ES, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"next week", PHRASE_EN, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"the following week", PHRASE_EN, V(CAT_DATE, DATE_NEXT_WEEK, 0)},
    {"the week after next", PHRASE_EN, V(CAT_DATE, DATE_OFFSET_DAYS, 14)},
    {"el|este fin de semana", PHRASE_ES, V(CAT_DATE, DATE_WEEKEND, 0)},
    {"el|este finde", PHRASE_ES, V(CAT_DATE, DATE_WEEKEND, 0)},
    {"el fin de semana que viene", PHRASE_ES, V(CAT_DATE, DATE_WEEKEND, 1)},
    {"el proximo fin de semana", PHRASE_ES, V(CAT_DATE, DATE_WEEKEND, 1)},
    {"the|this weekend", PHRASE_EN, V(CAT_DATE, DATE_WEEKEND, 0)},
    {"over|at|on the weekend", PHRASE_EN, V(CAT_DATE, DATE_WEEKEND, 0)},
    {"next weekend", PHRASE_EN, V(CAT_DATE, DATE_WEEKEND, 1)},
    {"este mes", PHRASE_ES, V(CAT_DATE, DATE_THIS_MONTH, 0)},
    {"this month", PHRASE_EN, V(CAT_DATE, DATE_THIS_MONTH, 0)},
    {"el mes que viene", PHRASE_ES, V(CAT_DATE, DATE_MONTH, 0)},
    {"el proximo mes", PHRASE_ES, V(CAT_DATE, DATE_MONTH, 0)},
    {"el mes proximo", PHRASE_ES, V(CAT_DATE, DATE_MONTH, 0)},
    {"next month", PHRASE_EN, V(CAT_DATE, DATE_MONTH, 0)},
    {"a finales|final|fin de|del ?este mes", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"finales|final de|del mes", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"fin de mes", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"la ultima semana del|de ?este mes", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"a finales|final del mes que viene", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 1)},
    {"a finales|final del proximo mes", PHRASE_ES, V(CAT_DATE, DATE_END_MONTH, 1)},
    {"?the end of ?the|this month", PHRASE_EN, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"end of month", PHRASE_EN, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"late|later this month", PHRASE_EN, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"the last week of ?the|this month", PHRASE_EN, V(CAT_DATE, DATE_END_MONTH, 0)},
    {"?the end of next month", PHRASE_EN, V(CAT_DATE, DATE_END_MONTH, 1)},
    {"a principios de|del ?mes", PHRASE_ES, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"a principios del {mes que viene|proximo mes|mes proximo}", PHRASE_ES,
     V(CAT_DATE, DATE_START_MONTH, 0)},
    {"principios de mes", PHRASE_ES, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"la primera semana del mes que viene", PHRASE_ES, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"?the beginning|start of next month", PHRASE_EN, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"early next month", PHRASE_EN, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"the first week of next month", PHRASE_EN, V(CAT_DATE, DATE_START_MONTH, 0)},
    {"a mediados|mitad de ?mes", PHRASE_ES, V(CAT_DATE, DATE_MID_MONTH, 0)},
    {"a mediados del mes que viene", PHRASE_ES, V(CAT_DATE, DATE_MID_MONTH, 1)},
    {"mid month", PHRASE_EN, V(CAT_DATE, DATE_MID_MONTH, 0)},
    {"the middle of ?the|this month", PHRASE_EN, V(CAT_DATE, DATE_MID_MONTH, 0)},
    {"the middle of next month", PHRASE_EN, V(CAT_DATE, DATE_MID_MONTH, 1)},
    {"mid next month", PHRASE_EN, V(CAT_DATE, DATE_MID_MONTH, 1)},
    {"en|dentro ?de unos ?pocos dias", PHRASE_ES, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"en|dentro ?de un par de dias", PHRASE_ES, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"unos ?pocos|cuantos dias", PHRASE_ES, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"un par de dias", PHRASE_ES, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"in a few days", PHRASE_EN, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"in a couple ?of days", PHRASE_EN, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"a couple ?of|more days", PHRASE_EN, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"a few ?more days", PHRASE_EN, V(CAT_DATE, DATE_FEW_DAYS, 0)},
    {"en|dentro ?de un par de semanas", PHRASE_ES, V(CAT_DATE, DATE_OFFSET_DAYS, 14)},
    {"un par de semanas", PHRASE_ES, V(CAT_DATE, DATE_OFFSET_DAYS, 14)},
    {"?in a couple ?of weeks", PHRASE_EN, V(CAT_DATE, DATE_OFFSET_DAYS, 14)},
    {"?en|dentro ?de unas ?cuantas|pocas semanas", PHRASE_ES, V(CAT_DATE, DATE_OFFSET_DAYS, 15)},
    {"?in a few weeks", PHRASE_EN, V(CAT_DATE, DATE_OFFSET_DAYS, 15)},
    {"in a fortnight", PHRASE_EN, V(CAT_DATE, DATE_OFFSET_DAYS, 14)},
    {"?en|dentro ?de unos ?cuantos|pocos meses", PHRASE_ES, V(CAT_DATE, DATE_OFFSET_MONTHS, 2)},
    {"?in a few months", PHRASE_EN, V(CAT_DATE, DATE_OFFSET_MONTHS, 2)},
    /* the past */
    {"ayer|anteayer|anoche", PHRASE_ES, V(CAT_PAST, 0, 0)},
    {"yesterday", PHRASE_EN, V(CAT_PAST, 0, 0)},
    {"la semana pasada", PHRASE_ES, V(CAT_PAST, 0, 0)},
    {"el mes pasado", PHRASE_ES, V(CAT_PAST, 0, 0)},
    {"el ano pasado", PHRASE_ES, V(CAT_PAST, 0, 0)},
    {"last week|month|year|night", PHRASE_EN, V(CAT_PAST, 0, 0)},
    {"hace _ ?_ dias|semanas|meses|horas|anos|minutos", PHRASE_ES, V(CAT_PAST, 0, 0)},
    /* parts of the day */
    {"por|de|a|en la manana", PHRASE_ES, V(CAT_PART, PART_MORNING, 0)},
    {"por|en las mananas", PHRASE_ES, V(CAT_PART, PART_MORNING, 0)},
    {"esta manana", PHRASE_ES, V(CAT_PART, PART_MORNING, 1)},
    {"in the morning|mornings", PHRASE_EN, V(CAT_PART, PART_MORNING, 0)},
    {"morning|mornings", PHRASE_EN, V(CAT_PART, PART_MORNING, 0)},
    {"this morning", PHRASE_EN, V(CAT_PART, PART_MORNING, 1)},
    {"a primera hora ?de ?la ?manana", PHRASE_ES, V(CAT_PART, PART_FIRST_THING, 0)},
    {"temprano|tempranito|prontito", PHRASE_ES, V(CAT_PART, PART_FIRST_THING, 0)},
    {"early", PHRASE_EN, V(CAT_PART, PART_FIRST_THING, 0)},
    {"first thing ?in ?the ?morning", PHRASE_EN, V(CAT_PART, PART_FIRST_THING, 0)},
    {"early in the morning", PHRASE_EN, V(CAT_PART, PART_FIRST_THING, 0)},
    {"early morning", PHRASE_EN, V(CAT_PART, PART_FIRST_THING, 0)},
    {"a|al|sobre ?el mediodia", PHRASE_ES, V(CAT_PART, PART_NOON, 0)},
    {"mediodia", PHRASE_ES, V(CAT_PART, PART_NOON, 0)},
    {"a|sobre la hora de comer", PHRASE_ES, V(CAT_PART, PART_LUNCH, 0)},
    {"a|sobre la hora del almuerzo", PHRASE_ES, V(CAT_PART, PART_LUNCH, 0)},
    {"at|around|over|during lunch|lunchtime", PHRASE_EN, V(CAT_PART, PART_LUNCH, 0)},
    {"lunchtime", PHRASE_EN, V(CAT_PART, PART_LUNCH, 0)},
    {"despues de comer", PHRASE_ES, V(CAT_PART, PART_AFTER_LUNCH, 0)},
    {"despues del almuerzo", PHRASE_ES, V(CAT_PART, PART_AFTER_LUNCH, 0)},
    {"after lunch", PHRASE_EN, V(CAT_PART, PART_AFTER_LUNCH, 0)},
    {"por|de|a|en la tarde", PHRASE_ES, V(CAT_PART, PART_AFTERNOON, 0)},
    {"por|en las tardes", PHRASE_ES, V(CAT_PART, PART_AFTERNOON, 0)},
    {"esta tarde", PHRASE_ES, V(CAT_PART, PART_AFTERNOON, 1)},
    {"in the afternoon|afternoons", PHRASE_EN, V(CAT_PART, PART_AFTERNOON, 0)},
    {"afternoon|afternoons", PHRASE_EN, V(CAT_PART, PART_AFTERNOON, 0)},
    {"this afternoon", PHRASE_EN, V(CAT_PART, PART_AFTERNOON, 1)},
    {"a ultima hora ?de ?la ?tarde", PHRASE_ES, V(CAT_PART, PART_LATE_AFTERNOON, 0)},
    {"late ?in ?the afternoon", PHRASE_EN, V(CAT_PART, PART_LATE_AFTERNOON, 0)},
    {"?at ?the end of the|my day", PHRASE_EN, V(CAT_PART, PART_LATE_AFTERNOON, 0)},
    {"end of day", PHRASE_EN, V(CAT_PART, PART_LATE_AFTERNOON, 0)},
    {"por|de|a|en la noche", PHRASE_ES, V(CAT_PART, PART_EVENING, 0)},
    {"por|en las noches", PHRASE_ES, V(CAT_PART, PART_EVENING, 0)},
    {"esta noche", PHRASE_ES, V(CAT_PART, PART_EVENING, 1)},
    {"in the evening|evenings", PHRASE_EN, V(CAT_PART, PART_EVENING, 0)},
    {"at night", PHRASE_EN, V(CAT_PART, PART_EVENING, 0)},
    {"evening|evenings", PHRASE_EN, V(CAT_PART, PART_EVENING, 0)},
    {"this evening", PHRASE_EN, V(CAT_PART, PART_EVENING, 1)},
    {"tonight", PHRASE_EN, V(CAT_PART, PART_EVENING, 1)},
    {"noon|midday", PHRASE_EN, V(CAT_NOON_EN, 0, 0)},
    {"at noon|midday", PHRASE_EN, V(CAT_NOON_EN, 0, 0)},
    /* vague */
    {"mas tarde", PHRASE_ES, V(CAT_VAGUE, TIME_LATER, 0)},
    {"luego", PHRASE_ES, V(CAT_VAGUE, TIME_LATER, 0)},
    {"en otro momento", PHRASE_ES, V(CAT_VAGUE, TIME_LATER, 0)},
    {"otro dia|rato", PHRASE_ES, V(CAT_VAGUE, TIME_LATER, 0)},
    {"en otra ocasion", PHRASE_ES, V(CAT_VAGUE, TIME_LATER, 0)},
    {"later|laters", PHRASE_EN, V(CAT_VAGUE, TIME_LATER, 0)},
    {"later on", PHRASE_EN, V(CAT_VAGUE, TIME_LATER, 0)},
    {"another|other time|day", PHRASE_EN, V(CAT_VAGUE, TIME_LATER, 0)},
    {"some other time|day", PHRASE_EN, V(CAT_VAGUE, TIME_LATER, 0)},
    {"un poco mas tarde", PHRASE_ES, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"en|dentro ?de un rato|ratito|ratillo", PHRASE_ES, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"de aqui a un rato", PHRASE_ES, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"in a bit|while", PHRASE_EN, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"in a little while|bit", PHRASE_EN, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"a bit|little later", PHRASE_EN, V(CAT_VAGUE, TIME_WHILE, 0)},
    {"shortly", PHRASE_EN, V(CAT_VAGUE, TIME_WHILE, 0)},
    /* farewells that are not times */
    {"hasta luego|manana|pronto", PHRASE_ES, V(CAT_IGNORE, 0, 0)},
    {"see|talk|speak you|to ?you later", PHRASE_EN, V(CAT_IGNORE, 0, 0)},
    {"catch you later", PHRASE_EN, V(CAT_IGNORE, 0, 0)},
    {"buenos dias", PHRASE_ES, V(CAT_IGNORE, 0, 0)},
    {"buenas tardes|noches", PHRASE_ES, V(CAT_IGNORE, 0, 0)},
    {"good morning|afternoon|evening|night|day", PHRASE_EN, V(CAT_IGNORE, 0, 0)},
    {"have a good|nice|great day|evening|afternoon|weekend|morning|week", PHRASE_EN,
     V(CAT_IGNORE, 0, 0)},
    {"buen fin de semana", PHRASE_ES, V(CAT_IGNORE, 0, 0)},
    {"que tenga|tengas|tengan|pase|pases|pasen ?un|una buen|buena|feliz|buenos|buenas "
     "dia|dias|tarde|tardes|semana|fin",
     PHRASE_ES, V(CAT_IGNORE, 0, 0)},
};

/* Weekday and month names. */
static const struct phrase_entry name_table[] = {
    /* weekdays and months */
    {"lunes", PHRASE_ES, V(CAT_WEEKDAY, 1, 0)},
    {"martes", PHRASE_ES, V(CAT_WEEKDAY, 2, 0)},
    {"miercoles", PHRASE_ES, V(CAT_WEEKDAY, 3, 0)},
    {"jueves", PHRASE_ES, V(CAT_WEEKDAY, 4, 0)},
    {"viernes", PHRASE_ES, V(CAT_WEEKDAY, 5, 0)},
    {"sabado|sabados", PHRASE_ES, V(CAT_WEEKDAY, 6, 0)},
    {"domingo|domingos", PHRASE_ES, V(CAT_WEEKDAY, 7, 0)},
    {"monday|mondays", PHRASE_EN, V(CAT_WEEKDAY, 1, 0)},
    {"tuesday|tuesdays", PHRASE_EN, V(CAT_WEEKDAY, 2, 0)},
    {"wednesday|wednesdays", PHRASE_EN, V(CAT_WEEKDAY, 3, 0)},
    {"thursday|thursdays", PHRASE_EN, V(CAT_WEEKDAY, 4, 0)},
    {"friday|fridays", PHRASE_EN, V(CAT_WEEKDAY, 5, 0)},
    {"saturday|saturdays", PHRASE_EN, V(CAT_WEEKDAY, 6, 0)},
    {"sunday|sundays", PHRASE_EN, V(CAT_WEEKDAY, 7, 0)},
    {"enero", PHRASE_ES, V(CAT_MONTH, 1, 0)},
    {"febrero", PHRASE_ES, V(CAT_MONTH, 2, 0)},
    {"marzo", PHRASE_ES, V(CAT_MONTH, 3, 0)},
    {"abril", PHRASE_ES, V(CAT_MONTH, 4, 0)},
    {"mayo", PHRASE_ES, V(CAT_MONTH, 5, 0)},
    {"junio", PHRASE_ES, V(CAT_MONTH, 6, 0)},
    {"julio", PHRASE_ES, V(CAT_MONTH, 7, 0)},
    {"agosto", PHRASE_ES, V(CAT_MONTH, 8, 0)},
    {"septiembre|setiembre", PHRASE_ES, V(CAT_MONTH, 9, 0)},
    {"octubre", PHRASE_ES, V(CAT_MONTH, 10, 0)},
    {"noviembre", PHRASE_ES, V(CAT_MONTH, 11, 0)},
    {"diciembre", PHRASE_ES, V(CAT_MONTH, 12, 0)},
    {"january", PHRASE_EN, V(CAT_MONTH, 1, 0)},
    {"february", PHRASE_EN, V(CAT_MONTH, 2, 0)},
    {"march", PHRASE_EN, V(CAT_MONTH, 3, 0)},
    {"april", PHRASE_EN, V(CAT_MONTH, 4, 0)},
    {"may", PHRASE_EN, V(CAT_MONTH, 5, 0)},
    {"june", PHRASE_EN, V(CAT_MONTH, 6, 0)},
    {"july", PHRASE_EN, V(CAT_MONTH, 7, 0)},
    {"august", PHRASE_EN, V(CAT_MONTH, 8, 0)},
    {"september|sept", PHRASE_EN, V(CAT_MONTH, 9, 0)},
    {"october", PHRASE_EN, V(CAT_MONTH, 10, 0)},
    {"november", PHRASE_EN, V(CAT_MONTH, 11, 0)},
    {"december", PHRASE_EN, V(CAT_MONTH, 12, 0)},
};

/* What comes before a clock time. */
static const struct phrase_entry prep_table[] = {
    /* what comes before a clock time */
    {"a las|la", PHRASE_ES, V(CAT_PREP, REL_AT, 0)},
    {"para las|la", PHRASE_ES, V(CAT_PREP, REL_AT, 0)},
    {"las|la", PHRASE_ES, V(CAT_PREP, REL_AT, 1)},
    {"sobre|hacia|tipo las|la", PHRASE_ES, V(CAT_PREP, REL_APPROX, 0)},
    {"a eso de las|la", PHRASE_ES, V(CAT_PREP, REL_APPROX, 0)},
    {"alrededor de las|la", PHRASE_ES, V(CAT_PREP, REL_APPROX, 0)},
    {"a partir de las|la", PHRASE_ES, V(CAT_PREP, REL_AFTER, 0)},
    {"despues de las|la", PHRASE_ES, V(CAT_PREP, REL_AFTER, 0)},
    {"desde las|la", PHRASE_ES, V(CAT_PREP, REL_AFTER, 0)},
    {"pasadas las", PHRASE_ES, V(CAT_PREP, REL_AFTER, 0)},
    {"antes de las|la", PHRASE_ES, V(CAT_PREP, REL_BEFORE, 0)},
    {"hasta las|la", PHRASE_ES, V(CAT_PREP, REL_UNTIL, 0)},
    {"entre las|la", PHRASE_ES, V(CAT_PREP, REL_BETWEEN, 0)},
    {"de las|la", PHRASE_ES, V(CAT_PREP, REL_BETWEEN, 1)},
    {"at", PHRASE_EN, V(CAT_PREP, REL_AT, 0)},
    {"at|by around|about", PHRASE_EN, V(CAT_PREP, REL_APPROX, 0)},
    {"around|about|say", PHRASE_EN, V(CAT_PREP, REL_APPROX, 0)},
    {"by", PHRASE_EN, V(CAT_PREP, REL_BEFORE, 0)},
    {"after|from", PHRASE_EN, V(CAT_PREP, REL_AFTER, 0)},
    {"{any time|anytime} after", PHRASE_EN, V(CAT_PREP, REL_AFTER, 0)},
    {"before", PHRASE_EN, V(CAT_PREP, REL_BEFORE, 0)},
    {"until|till|til", PHRASE_EN, V(CAT_PREP, REL_UNTIL, 0)},
    {"between", PHRASE_EN, V(CAT_PREP, REL_BETWEEN, 0)},
};

/* Units of an offset. */
static const struct phrase_entry unit_table[] = {
    /* units of an offset */
    {"minuto|minutos|min|mins|minute|minutes", PHRASE_ANY, V(CAT_UNIT, 1, 0)},
    {"hora|horas|hour|hours|hr|hrs", PHRASE_ANY, V(CAT_UNIT, 2, 0)},
    {"dia|dias|day|days", PHRASE_ANY, V(CAT_UNIT, 3, 0)},
    {"semana|semanas|week|weeks", PHRASE_ANY, V(CAT_UNIT, 4, 0)},
    {"mes|meses|month|months", PHRASE_ANY, V(CAT_UNIT, 5, 0)},
};

/* What comes before a month name. */
static const struct phrase_entry month_mod_table[] = {
    /* what comes before a month name */
    {"a|hacia finales|final|fin de|del", PHRASE_ES, V(CAT_MONTH_MOD, 1, 0)},
    {"finales|final de", PHRASE_ES, V(CAT_MONTH_MOD, 1, 0)},
    {"a principios|comienzos de", PHRASE_ES, V(CAT_MONTH_MOD, 2, 0)},
    {"principios de", PHRASE_ES, V(CAT_MONTH_MOD, 2, 0)},
    {"a|hacia mediados de", PHRASE_ES, V(CAT_MONTH_MOD, 3, 0)},
    {"mediados de", PHRASE_ES, V(CAT_MONTH_MOD, 3, 0)},
    {"?at|by the end of", PHRASE_EN, V(CAT_MONTH_MOD, 1, 0)},
    {"end of|late", PHRASE_EN, V(CAT_MONTH_MOD, 1, 0)},
    {"?at the beginning|start of", PHRASE_EN, V(CAT_MONTH_MOD, 2, 0)},
    {"beginning|start of", PHRASE_EN, V(CAT_MONTH_MOD, 2, 0)},
    {"early", PHRASE_EN, V(CAT_MONTH_MOD, 2, 0)},
    {"?in the middle of", PHRASE_EN, V(CAT_MONTH_MOD, 3, 0)},
    {"mid|middle of", PHRASE_EN, V(CAT_MONTH_MOD, 3, 0)},
};

static struct phrase_lazy time_phrases = PHRASE_LAZY(time_table);
static struct phrase_lazy name_phrases = PHRASE_LAZY(name_table);
static struct phrase_lazy prep_phrases = PHRASE_LAZY(prep_table);
static struct phrase_lazy unit_phrases = PHRASE_LAZY(unit_table);
static struct phrase_lazy month_mod_phrases = PHRASE_LAZY(month_mod_table);

struct scan {
    const struct time_context *ctx;
    const struct tokens *tk;
    size_t limit;
    const struct phrase_set *set;
};

/* The value of the longest phrase of category cat at i; 0 when none. Each
 * category that other phrases could hide has a table of its own. */
static int phrase_of(const struct scan *s, size_t i, int cat, size_t *end)
{
    struct phrase_match m;
    struct phrase_lazy *table = cat == CAT_WEEKDAY || cat == CAT_MONTH ? &name_phrases
                                : cat == CAT_PREP                      ? &prep_phrases
                                : cat == CAT_UNIT                      ? &unit_phrases
                                : cat == CAT_MONTH_MOD                 ? &month_mod_phrases
                                                                       : NULL;
    const struct phrase_set *set = table ? phrase_lazy_get(table) : s->set;
    if (!phrase_match_at(set, s->tk, i, s->limit, s->ctx->lang, &m))
        return 0;
    if (V_CAT(m.entry->value) != cat)
        return 0;
    if (end)
        *end = m.end;
    return m.entry->value;
}

/* A single word of category cat at i ("lunes", "abril"); 0 when none. */
static int word_of(const struct scan *s, size_t i, int cat)
{
    size_t end;
    int v = phrase_of(s, i, cat, &end);
    return v && end == i + 1 ? v : 0;
}

static bool is_word(const struct scan *s, size_t i, const char *w)
{
    return i < s->limit && tokens_is(&s->tk->v[i], w);
}

static bool is_punct(const struct scan *s, size_t i, char c)
{
    return i < s->limit && tokens_is_punct(&s->tk->v[i], c);
}

/* ------------------------------------------------------------ clock times */

/* Minutes after the hour in words or digits (below 60). */
static bool minutes_at(const struct scan *s, size_t i, int *m, size_t *end)
{
    int64_t v;
    if (!number_words_parse(s->tk, i, s->limit, s->ctx->lang, NUMBER_WORDS_DIGITS, &v, end))
        return false;
    if (v < 0 || v > 59)
        return false;
    *m = (int)v;
    return true;
}

/* An hour 0-24 in words or digits. */
static bool hour_at(const struct scan *s, size_t i, int *h, size_t *end)
{
    int64_t v;
    unsigned flags = NUMBER_WORDS_DIGITS | (s->ctx->lang == LANG_ES ? NUMBER_WORDS_ARTICLE : 0);
    if (!number_words_parse(s->tk, i, s->limit, s->ctx->lang, flags, &v, end))
        return false;
    if (v < 0 || v > 24)
        return false;
    /* Digits with more than two places are not hours ("a las 1500"). */
    if (s->tk->v[i].kind == TOKEN_NUM && s->tk->v[i].len > 2)
        return false;
    *h = (int)v;
    return true;
}

/* am/pm and their Spanish equivalents after a clock time. */
static enum ampm ampm_at(const struct scan *s, size_t i, size_t *end)
{
    enum lang lang = s->ctx->lang;
    if (is_word(s, i, "am") || (is_word(s, i, "a") && is_word(s, i + 1, "m"))) {
        *end = i + (is_word(s, i, "am") ? 1 : 2);
        return AMPM_AM;
    }
    if (is_word(s, i, "pm") || (is_word(s, i, "p") && is_word(s, i + 1, "m"))) {
        *end = i + (is_word(s, i, "pm") ? 1 : 2);
        return AMPM_PM;
    }
    if (lang == LANG_ES && (is_word(s, i, "de") || is_word(s, i, "por")) &&
        (is_word(s, i + 1, "la") || is_word(s, i + 1, "el"))) {
        *end = i + 3;
        if (is_word(s, i + 2, "manana") || is_word(s, i + 2, "madrugada"))
            return AMPM_AM;
        if (is_word(s, i + 2, "tarde"))
            return AMPM_PM;
        if (is_word(s, i + 2, "noche"))
            return AMPM_NIGHT;
        if (is_word(s, i + 2, "mediodia"))
            return AMPM_NOON;
    }
    if (lang == LANG_ES && is_word(s, i, "del") && is_word(s, i + 1, "mediodia")) {
        *end = i + 2;
        return AMPM_NOON;
    }
    if (lang == LANG_EN && is_word(s, i, "in") && is_word(s, i + 1, "the")) {
        *end = i + 3;
        if (is_word(s, i + 2, "morning"))
            return AMPM_AM;
        if (is_word(s, i + 2, "afternoon") || is_word(s, i + 2, "evening"))
            return AMPM_PM;
    }
    if (lang == LANG_EN && is_word(s, i, "at") && is_word(s, i + 1, "night")) {
        *end = i + 2;
        return AMPM_NIGHT;
    }
    if (lang == LANG_EN && (is_word(s, i, "tonight") || is_word(s, i, "this"))) {
        if (is_word(s, i, "tonight")) {
            *end = i + 1;
            return AMPM_NIGHT;
        }
        if (is_word(s, i + 1, "evening") || is_word(s, i + 1, "afternoon")) {
            *end = i + 2;
            return AMPM_PM;
        }
        if (is_word(s, i + 1, "morning")) {
            *end = i + 2;
            return AMPM_AM;
        }
    }
    return AMPM_NONE;
}

/*
 * The hour and minutes of a clock time at i, without its preposition:
 * "3", "15:30", "3.30", "tres y media", "cuatro menos cuarto", "three
 * thirty", "half past three", "quarter to four", "3pm", "las 15h".
 * *marked tells whether something made it unmistakably a time (minutes
 * after a colon, am/pm, "o'clock", "de la tarde"), which a clock time
 * without a preposition needs.
 */
static bool clock_at(const struct scan *s, size_t i, int *h, int *m, enum ampm *ap, bool *marked,
                     size_t *end)
{
    enum lang lang = s->ctx->lang;
    size_t e, me;
    int hh, mm = 0, k;
    bool mk = false;

    *ap = AMPM_NONE;
    /* English "half past three", "quarter to four", "ten past five". */
    if (lang == LANG_EN) {
        int before = -1;
        size_t j = i;
        if (is_word(s, i, "half") && is_word(s, i + 1, "past")) {
            before = 30;
            j = i + 2;
        } else if (is_word(s, i, "quarter") &&
                   (is_word(s, i + 1, "past") || is_word(s, i + 1, "after"))) {
            before = 15;
            j = i + 2;
        } else if (is_word(s, i, "quarter") &&
                   (is_word(s, i + 1, "to") || is_word(s, i + 1, "of"))) {
            before = -15;
            j = i + 2;
        } else if (minutes_at(s, i, &k, &e) && k > 0 && k <= 30 &&
                   (is_word(s, e, "past") || is_word(s, e, "to"))) {
            before = is_word(s, e, "past") ? k : -k;
            j = e + 1;
        }
        if (before != -1 && hour_at(s, j, &hh, &e) && hh >= 1 && hh <= 12) {
            if (before < 0) {
                hh = hh == 1 ? 12 : hh - 1;
                mm = 60 + before;
            } else {
                mm = before;
            }
            *h = hh;
            *m = mm;
            *marked = true;
            *ap = ampm_at(s, e, end);
            if (*ap == AMPM_NONE)
                *end = e;
            return true;
        }
    }
    if (!hour_at(s, i, &hh, &e))
        return false;
    bool digits = s->tk->v[i].kind == TOKEN_NUM;
    /* minutes */
    if ((is_punct(s, e, ':') || (is_punct(s, e, '.') && digits)) && e + 1 < s->limit &&
        s->tk->v[e + 1].kind == TOKEN_NUM && s->tk->v[e + 1].len == 2 && s->tk->v[e + 1].num < 60) {
        mm = (int)s->tk->v[e + 1].num;
        mk = is_punct(s, e, ':');
        e += 2;
    } else if (lang == LANG_ES && is_word(s, e, "y") && is_word(s, e + 1, "media")) {
        mm = 30;
        e += 2;
    } else if (lang == LANG_ES && is_word(s, e, "y") && is_word(s, e + 1, "cuarto")) {
        mm = 15;
        e += 2;
    } else if (lang == LANG_ES && is_word(s, e, "menos") && is_word(s, e + 1, "cuarto")) {
        hh = hh == 1 ? 12 : (hh == 0 ? 23 : hh - 1);
        mm = 45;
        e += 2;
    } else if (lang == LANG_ES && is_word(s, e, "menos") && minutes_at(s, e + 1, &k, &me) &&
               k > 0 && k <= 30) {
        hh = hh == 1 ? 12 : (hh == 0 ? 23 : hh - 1);
        mm = 60 - k;
        e = me;
    } else if (lang == LANG_ES && is_word(s, e, "y") && minutes_at(s, e + 1, &k, &me) && k > 0 &&
               !(is_word(s, me, "dias") || is_word(s, me, "horas"))) {
        /* "a las tres y diez"; not "las tres y cuatro días" */
        mm = k;
        e = me;
    } else if (lang == LANG_EN && !digits && minutes_at(s, e, &k, &me) && k >= 10) {
        /* "three thirty", "ten forty five" */
        mm = k;
        e = me;
    } else if (lang == LANG_EN && !digits && (is_word(s, e, "oh") || is_word(s, e, "o")) &&
               minutes_at(s, e + 1, &k, &me) && k < 10) {
        mm = k;
        e = me;
    }
    if (lang == LANG_ES && is_word(s, e, "en") && is_word(s, e + 1, "punto")) {
        e += 2;
        mk = true;
    }
    if (lang == LANG_EN &&
        (is_word(s, e, "oclock") || (is_word(s, e, "o") && is_word(s, e + 1, "clock")))) {
        e += is_word(s, e, "oclock") ? 1 : 2;
        mk = true;
    }
    if (digits && (is_word(s, e, "h") || is_word(s, e, "hs") || is_word(s, e, "hrs") ||
                   (is_word(s, e, "horas") && lang == LANG_ES))) {
        e++;
        mk = true;
    }
    size_t ae;
    enum ampm a = ampm_at(s, e, &ae);
    if (a != AMPM_NONE) {
        e = ae;
        mk = true;
    }
    if (hh > 23 || (hh > 12 && (a == AMPM_AM || a == AMPM_PM)))
        return false;
    *h = hh == 24 ? 0 : hh;
    *m = mm;
    *ap = a;
    *marked = mk;
    *end = e;
    return true;
}

/* A clock time with what comes before it: "a las tres", "after 5pm", "entre las 4 y las 6". */
static bool parse_clock(const struct scan *s, size_t i, struct piece *p)
{
    size_t j = i, e;
    enum relation rel = REL_AT;
    bool weak = false, have_prep = false;
    int pv = phrase_of(s, i, CAT_PREP, &j);
    if (pv) {
        rel = (enum relation)V_A(pv);
        weak = V_B(pv) == 1;
        have_prep = true;
    } else if (s->ctx->lang == LANG_ES && is_word(s, i, "de") && i + 1 < s->limit &&
               s->tk->v[i + 1].kind == TOKEN_NUM) {
        /* "de 4 a 6": a range only when "a" and a second hour follow. */
        rel = REL_BETWEEN;
        weak = true;
        have_prep = true;
        j = i + 1;
    } else {
        j = i;
    }
    int h, m;
    enum ampm ap;
    bool marked;
    if (!clock_at(s, j, &h, &m, &ap, &marked, &e))
        return false;
    bool digits = s->tk->v[j].kind == TOKEN_NUM;
    if (!have_prep && !marked)
        return false;
    if (have_prep && weak && rel == REL_BETWEEN && is_word(s, i, "de") && !is_word(s, e, "a"))
        return false;
    /* "de las" needs "a las" after it to be a range; alone it is "de las tres". */
    if (rel == REL_BETWEEN && weak && !(is_word(s, e, "a")))
        rel = REL_AT;
    /* Approximate prepositions are common words ("about", "say"): ask more. */
    if ((rel == REL_APPROX || (rel == REL_AFTER && s->ctx->lang == LANG_EN)) && !marked &&
        !digits && h > 12)
        return false;
    if (rel == REL_APPROX && s->ctx->lang == LANG_EN && !marked && !digits &&
        !(is_word(s, j - 1, "around") || is_word(s, j - 1, "about")))
        return false;
    /* "at 50" is no time; neither is "at 3 euros". */
    if (!marked && e < s->limit && s->tk->v[e].kind == TOKEN_WORD) {
        static const char *const nouns[] = {"euros",     "dollars",   "percent", "pounds",  "por",
                                            "people",    "personas",  "dias",    "days",    "meses",
                                            "months",    "anos",      "years",   "semanas", "weeks",
                                            "employees", "empleados", "minutos", "minutes"};
        for (size_t n = 0; n < sizeof(nouns) / sizeof(nouns[0]); n++)
            if (tokens_is(&s->tk->v[e], nouns[n]) &&
                !(n == 4 && s->ctx->lang == LANG_ES && is_word(s, e + 1, "la")))
                return false;
    }
    p->type = PIECE_TIME;
    p->tk = TP_CLOCK;
    p->h = h;
    p->m = m;
    p->ampm = ap;
    p->rel = rel;
    p->begin = i;
    p->end = e;
    if (rel == REL_BETWEEN) {
        /* "entre las 4 y las 6", "between 4 and 6pm", "de 4 a 6", "from 4 to 6" */
        size_t k = e;
        if (is_word(s, k, "y") || is_word(s, k, "and") || is_word(s, k, "a") ||
            is_word(s, k, "to") || is_punct(s, k, '-')) {
            k++;
            if (is_word(s, k, "las") || is_word(s, k, "la"))
                k++;
            int h2, m2;
            enum ampm ap2;
            bool mk2;
            size_t e2;
            if (clock_at(s, k, &h2, &m2, &ap2, &mk2, &e2)) {
                p->h2 = h2;
                p->m2 = m2;
                if (ap == AMPM_NONE)
                    p->ampm = ap2;
                p->end = e2;
                if (ap2 != AMPM_NONE && ap == AMPM_NONE && h < h2 && ap2 == AMPM_PM)
                    p->ampm = AMPM_PM;
                return true;
            }
        }
        p->rel = weak ? REL_AT : REL_AFTER;
    }
    if (s->ctx->lang == LANG_EN && rel == REL_AFTER && is_word(s, i, "from")) {
        /* "from 4 to 6" */
        size_t k = e;
        int h2, m2;
        enum ampm ap2;
        bool mk2;
        size_t e2;
        if ((is_word(s, k, "to") || is_word(s, k, "till") || is_word(s, k, "until")) &&
            clock_at(s, k + 1, &h2, &m2, &ap2, &mk2, &e2)) {
            p->rel = REL_BETWEEN;
            p->h2 = h2;
            p->m2 = m2;
            if (ap == AMPM_NONE)
                p->ampm = ap2;
            p->end = e2;
        }
    }
    return true;
}

/* ------------------------------------------------------------ dates */

/* A day of the month in digits, words or as an ordinal. */
static bool day_number_at(const struct scan *s, size_t i, int *d, size_t *end)
{
    int64_t v;
    if (number_words_ordinal(s->tk, i, s->limit, s->ctx->lang, &v, end) ||
        number_words_parse(s->tk, i, s->limit, s->ctx->lang, NUMBER_WORDS_DIGITS, &v, end)) {
        if (v >= 1 && v <= 31 && !(s->tk->v[i].kind == TOKEN_NUM && s->tk->v[i].len > 2)) {
            *d = (int)v;
            return true;
        }
    }
    return false;
}

/* ", 2027", "de 2027", "del 2027" after a date. */
static int year_at(const struct scan *s, size_t i, size_t *end)
{
    size_t k = i;
    if (is_word(s, k, "de") || is_word(s, k, "del") || is_punct(s, k, ','))
        k++;
    if (k < s->limit && s->tk->v[k].kind == TOKEN_NUM && s->tk->v[k].len == 4 &&
        s->tk->v[k].num >= 2000 && s->tk->v[k].num < 2100) {
        *end = k + 1;
        return (int)s->tk->v[k].num;
    }
    return 0;
}

/* Dates with a month name: "el 3 de abril", "April 3rd", "the 3rd of April", "en abril". */
static bool parse_month_date(const struct scan *s, size_t i, struct piece *p)
{
    size_t j = i, e;
    int d, mon;
    enum lang lang = s->ctx->lang;

    if (lang == LANG_ES) {
        if (is_word(s, j, "el"))
            j++;
        if (is_word(s, j, "dia"))
            j++;
        if (day_number_at(s, j, &d, &e) && is_word(s, e, "de") &&
            (mon = word_of(s, e + 1, CAT_MONTH))) {
            size_t ye = e + 2;
            int y = year_at(s, e + 2, &ye);
            *p = (struct piece){.type = PIECE_DATE,
                                .dk = DATE_YMD,
                                .day = d,
                                .month = V_A(mon),
                                .year = y,
                                .begin = i,
                                .end = ye};
            return true;
        }
    } else {
        size_t k = j;
        if (is_word(s, k, "on"))
            k++;
        if (is_word(s, k, "the"))
            k++;
        /* "the 3rd of April", "3 April" */
        if (day_number_at(s, k, &d, &e)) {
            size_t f = e;
            if (is_word(s, f, "of"))
                f++;
            if ((mon = word_of(s, f, CAT_MONTH))) {
                size_t ye = f + 1;
                int y = year_at(s, f + 1, &ye);
                *p = (struct piece){.type = PIECE_DATE,
                                    .dk = DATE_YMD,
                                    .day = d,
                                    .month = V_A(mon),
                                    .year = y,
                                    .begin = i,
                                    .end = ye};
                return true;
            }
        }
        /* "April 3rd", "April the third" */
        if ((mon = word_of(s, k, CAT_MONTH))) {
            size_t f = k + 1;
            if (is_word(s, f, "the"))
                f++;
            if (day_number_at(s, f, &d, &e)) {
                size_t ye = e;
                int y = year_at(s, e, &ye);
                *p = (struct piece){.type = PIECE_DATE,
                                    .dk = DATE_YMD,
                                    .day = d,
                                    .month = V_A(mon),
                                    .year = y,
                                    .begin = i,
                                    .end = ye};
                return true;
            }
        }
    }
    /* "a finales de abril", "early May" */
    size_t me;
    int mod = phrase_of(s, i, CAT_MONTH_MOD, &me);
    if (mod && (mon = word_of(s, me, CAT_MONTH))) {
        static const enum date_kind kinds[4] = {0, DATE_END_MONTH, DATE_START_MONTH,
                                                DATE_MID_MONTH};
        *p = (struct piece){.type = PIECE_DATE,
                            .dk = kinds[V_A(mod)],
                            .month = V_A(mon),
                            .begin = i,
                            .end = me + 1};
        return true;
    }
    /* "en abril", "in May": the whole month */
    if ((is_word(s, i, "en") || is_word(s, i, "in") || is_word(s, i, "para") ||
         is_word(s, i, "for") || is_word(s, i, "during") || is_word(s, i, "durante")) &&
        (mon = word_of(s, i + 1, CAT_MONTH))) {
        *p = (struct piece){
            .type = PIECE_DATE, .dk = DATE_MONTH, .month = V_A(mon), .begin = i, .end = i + 2};
        return true;
    }
    return false;
}

/* "el día 15", "el 15 de este mes", "on the 15th", "the 21st of next month". */
static bool parse_day_of_month(const struct scan *s, size_t i, struct piece *p)
{
    size_t j = i, e;
    int d;
    if (s->ctx->lang == LANG_ES) {
        bool del = is_word(s, j, "del");
        if (!is_word(s, j, "el") && !del)
            return false;
        j++;
        bool dia = is_word(s, j, "dia");
        if (dia)
            j++;
        if (!day_number_at(s, j, &d, &e))
            return false;
        if (del && !dia && !(i > 0 && is_word(s, i - 1, "partir")))
            return false;
        if (is_word(s, e, "de") && is_word(s, e + 1, "este") && is_word(s, e + 2, "mes")) {
            e += 3;
        } else if (is_word(s, e, "del") && is_word(s, e + 1, "mes") && is_word(s, e + 2, "que") &&
                   is_word(s, e + 3, "viene")) {
            *p = (struct piece){
                .type = PIECE_DATE, .dk = DATE_DOM, .day = d, .n = 1, .begin = i, .end = e + 4};
            return true;
        } else if (is_word(s, e, "del") && is_word(s, e + 1, "proximo") &&
                   is_word(s, e + 2, "mes")) {
            *p = (struct piece){
                .type = PIECE_DATE, .dk = DATE_DOM, .day = d, .n = 1, .begin = i, .end = e + 3};
            return true;
        } else if (!dia) {
            /* "hasta el 23", "a partir del 23", "desde el 23": a day of the month. */
            bool after_prep =
                i > 0 && (is_word(s, i - 1, "hasta") || is_word(s, i - 1, "desde") ||
                          is_word(s, i - 1, "para") || is_word(s, i - 1, "partir") ||
                          (is_word(s, i - 1, "de") && i > 1 && is_word(s, i - 2, "partir")));
            if (!after_prep || s->tk->v[j].kind != TOKEN_NUM)
                return false;
        }
        *p = (struct piece){.type = PIECE_DATE, .dk = DATE_DOM, .day = d, .begin = i, .end = e};
        return true;
    }
    if (is_word(s, j, "on"))
        j++;
    if (!is_word(s, j, "the"))
        return false;
    j++;
    int64_t v;
    if (!number_words_ordinal(s->tk, j, s->limit, LANG_EN, &v, &e) || v < 1 || v > 31)
        return false;
    d = (int)v;
    if (is_word(s, e, "of") && is_word(s, e + 1, "next") && is_word(s, e + 2, "month")) {
        *p = (struct piece){
            .type = PIECE_DATE, .dk = DATE_DOM, .day = d, .n = 1, .begin = i, .end = e + 3};
        return true;
    }
    if (is_word(s, e, "of") && is_word(s, e + 1, "this") && is_word(s, e + 2, "month"))
        e += 3;
    *p = (struct piece){.type = PIECE_DATE, .dk = DATE_DOM, .day = d, .begin = i, .end = e};
    return true;
}

/* Weekdays with what qualifies them: "este viernes", "el viernes que viene", "next Friday". */
static bool parse_weekday(const struct scan *s, size_t i, struct piece *p)
{
    size_t j = i;
    enum weekday_mode mode = WD_PLAIN;
    bool past = false;
    enum lang lang = s->ctx->lang;

    if (lang == LANG_ES) {
        if (is_word(s, j, "el") || is_word(s, j, "los"))
            j++;
        if (is_word(s, j, "este") || is_word(s, j, "esta")) {
            mode = WD_THIS;
            j++;
        } else if (is_word(s, j, "proximo")) {
            j++;
        } else if (is_word(s, j, "pasado")) {
            past = true;
            j++;
        }
    } else {
        if (is_word(s, j, "on"))
            j++;
        if (is_word(s, j, "this") && is_word(s, j + 1, "coming")) {
            j += 2;
        } else if (is_word(s, j, "coming")) {
            j++;
        } else if (is_word(s, j, "this")) {
            mode = WD_THIS;
            j++;
        } else if (is_word(s, j, "next")) {
            mode = WD_NEXT_EN;
            j++;
        } else if (is_word(s, j, "last") || is_word(s, j, "past")) {
            past = true;
            j++;
        }
    }
    int wv = word_of(s, j, CAT_WEEKDAY);
    if (!wv)
        return false;
    size_t e = j + 1;
    /* "Monday the 16th", "el lunes 16", "el lunes día 16 de marzo": the date decides. */
    struct piece dp;
    size_t k = e;
    if (is_punct(s, k, ','))
        k++;
    if (parse_month_date(s, k, &dp) && dp.dk == DATE_YMD) {
        dp.begin = i;
        *p = dp;
        return true;
    }
    if (lang == LANG_ES) {
        size_t k2 = k;
        if (is_word(s, k2, "dia"))
            k2++;
        int d;
        size_t de;
        if (day_number_at(s, k2, &d, &de) && s->tk->v[k2].kind == TOKEN_NUM) {
            *p =
                (struct piece){.type = PIECE_DATE, .dk = DATE_DOM, .day = d, .begin = i, .end = de};
            return true;
        }
    } else {
        size_t k2 = k;
        if (is_word(s, k2, "the"))
            k2++;
        int64_t v;
        size_t de;
        if (number_words_ordinal(s->tk, k2, s->limit, LANG_EN, &v, &de) && v >= 1 && v <= 31) {
            *p = (struct piece){
                .type = PIECE_DATE, .dk = DATE_DOM, .day = (int)v, .begin = i, .end = de};
            return true;
        }
    }
    if (lang == LANG_ES) {
        if (is_word(s, e, "que") && is_word(s, e + 1, "viene")) {
            e += 2;
        } else if (is_word(s, e, "proximo")) {
            e++;
        } else if (is_word(s, e, "pasado")) {
            past = true;
            e++;
        } else if (is_word(s, e, "de") && is_word(s, e + 1, "la") &&
                   ((is_word(s, e + 2, "semana") && is_word(s, e + 3, "que") &&
                     is_word(s, e + 4, "viene")) ||
                    (is_word(s, e + 2, "proxima") && is_word(s, e + 3, "semana")) ||
                    (is_word(s, e + 2, "semana") && is_word(s, e + 3, "proxima")))) {
            mode = WD_NEXT_WEEK;
            e += is_word(s, e + 3, "que") ? 5 : 4;
        } else if (is_word(s, e, "de") && is_word(s, e + 1, "esta") &&
                   is_word(s, e + 2, "semana")) {
            mode = WD_THIS;
            e += 3;
        }
    } else {
        size_t f = e;
        if (is_word(s, f, "of"))
            f++;
        if (is_word(s, f, "next") && is_word(s, f + 1, "week")) {
            mode = WD_NEXT_WEEK;
            e = f + 2;
        } else if (is_word(s, f, "this") && is_word(s, f + 1, "week")) {
            mode = WD_THIS;
            e = f + 2;
        } else if (is_word(s, e, "after") && is_word(s, e + 1, "next")) {
            mode = WD_NEXT_WEEK;
            e += 2;
        }
    }
    *p = (struct piece){.type = past ? PIECE_PAST : PIECE_DATE,
                        .dk = DATE_WEEKDAY,
                        .wd = V_A(wv),
                        .wmode = mode,
                        .begin = i,
                        .end = e};
    return true;
}

/* "en 10 días", "dentro de dos semanas", "in 3 hours", "en dos o tres días", "10 days from now". */
static bool parse_offset(const struct scan *s, size_t i, struct piece *p)
{
    size_t j = i, e;
    bool prep = false, ago_prefix = false;
    enum lang lang = s->ctx->lang;
    if (lang == LANG_ES) {
        if (is_word(s, j, "en")) {
            j++;
            prep = true;
        } else if (is_word(s, j, "dentro") && is_word(s, j + 1, "de")) {
            j += 2;
            prep = true;
        } else if (is_word(s, j, "de") && is_word(s, j + 1, "aqui") && is_word(s, j + 2, "a")) {
            j += 3;
            prep = true;
        } else if (is_word(s, j, "hace")) {
            j++;
            ago_prefix = true;
        }
    } else if (is_word(s, j, "in") || is_word(s, j, "within")) {
        j++;
        prep = true;
    }
    /* half an hour, an hour and a half, media hora, hora y media */
    int minutes = -1;
    if (lang == LANG_ES && is_word(s, j, "media") && is_word(s, j + 1, "hora")) {
        minutes = 30;
        e = j + 2;
    } else if (lang == LANG_ES &&
               (is_word(s, j, "hora") || (is_word(s, j, "una") && is_word(s, j + 1, "hora"))) &&
               is_word(s, j + (is_word(s, j, "una") ? 2 : 1), "y") &&
               is_word(s, j + (is_word(s, j, "una") ? 3 : 2), "media")) {
        minutes = 90;
        e = j + (is_word(s, j, "una") ? 4 : 3);
    } else if (lang == LANG_EN && is_word(s, j, "half") && is_word(s, j + 1, "an") &&
               is_word(s, j + 2, "hour")) {
        minutes = 30;
        e = j + 3;
    } else if (lang == LANG_EN && is_word(s, j, "an") && is_word(s, j + 1, "hour") &&
               is_word(s, j + 2, "and") && is_word(s, j + 3, "a") && is_word(s, j + 4, "half")) {
        minutes = 90;
        e = j + 5;
    }
    if (minutes > 0) {
        if (!prep)
            return false;
        *p = (struct piece){
            .type = PIECE_TIME, .tk = TP_OFFSET_MIN, .n = minutes, .begin = i, .end = e};
        return true;
    }
    int64_t n1, n2 = -1;
    /* "in like 10 days", "en unos diez días" */
    if (prep &&
        (is_word(s, j, "like") || is_word(s, j, "about") || is_word(s, j, "around") ||
         is_word(s, j, "maybe") || is_word(s, j, "roughly") || is_word(s, j, "unos") ||
         is_word(s, j, "unas") || is_word(s, j, "como") || is_word(s, j, "aproximadamente")) &&
        j + 1 < s->limit &&
        (s->tk->v[j + 1].kind == TOKEN_NUM || number_words_is_word(s->tk, j + 1, lang) ||
         is_word(s, j + 1, "an") || is_word(s, j + 1, "a") || is_word(s, j + 1, "una") ||
         is_word(s, j + 1, "un")))
        j++;
    if (!number_words_parse(s->tk, j, s->limit, lang, NUMBER_WORDS_DIGITS | NUMBER_WORDS_ARTICLE,
                            &n1, &e))
        return false;
    /* "dos o tres", "2-3", "two to three", "dos a tres" */
    size_t k = e;
    if (is_word(s, k, "o") || is_word(s, k, "or") || is_word(s, k, "to") || is_word(s, k, "a") ||
        is_punct(s, k, '-')) {
        int64_t v;
        size_t e2;
        if (number_words_parse(s->tk, k + 1, s->limit, lang, NUMBER_WORDS_DIGITS, &v, &e2) &&
            v > n1 && word_of(s, e2, CAT_UNIT)) {
            n2 = v;
            e = e2;
        }
    }
    int unit = word_of(s, e, CAT_UNIT);
    if (!unit || n1 < 0 || n1 > 400)
        return false;
    size_t end = e + 1;
    bool past = ago_prefix;
    if (!prep && !ago_prefix) {
        /* "10 days from now", "two weeks from today", "3 days ago" */
        if (lang == LANG_EN && is_word(s, end, "from") &&
            (is_word(s, end + 1, "now") || is_word(s, end + 1, "today"))) {
            end += 2;
        } else if (lang == LANG_EN && is_word(s, end, "ago")) {
            past = true;
            end++;
        } else {
            return false;
        }
    }
    if (past) {
        *p = (struct piece){.type = PIECE_PAST, .begin = i, .end = end};
        return true;
    }
    int u = V_A(unit);
    if (n2 < 0)
        n2 = n1;
    if (u <= 2) {
        int64_t f = u == 1 ? 1 : 60;
        *p = (struct piece){.type = PIECE_TIME,
                            .tk = TP_OFFSET_MIN,
                            .n = (int)(n1 * f),
                            .n2 = (int)(n2 * f),
                            .begin = i,
                            .end = end};
    } else if (u == 3 || u == 4) {
        int f = u == 3 ? 1 : 7;
        *p = (struct piece){.type = PIECE_DATE,
                            .dk = DATE_OFFSET_DAYS,
                            .n = (int)n1 * f,
                            .n2 = (int)n2 * f,
                            .begin = i,
                            .end = end};
    } else {
        *p = (struct piece){.type = PIECE_DATE,
                            .dk = DATE_OFFSET_MONTHS,
                            .n = (int)n1,
                            .n2 = (int)n2,
                            .begin = i,
                            .end = end};
    }
    return true;
}

/* Phrases of the table: days, weeks, parts of the day, vague delays. */
static bool parse_phrase(const struct scan *s, size_t i, struct piece *p)
{
    struct phrase_match m;
    if (!phrase_match_at(s->set, s->tk, i, s->limit, s->ctx->lang, &m))
        return false;
    int v = m.entry->value;
    *p = (struct piece){.begin = i, .end = m.end};
    switch (V_CAT(v)) {
    case CAT_DATE:
        p->type = PIECE_DATE;
        p->dk = (enum date_kind)V_A(v);
        p->n = V_B(v);
        p->n2 = p->n;
        if (p->dk == DATE_MONTH || p->dk == DATE_END_MONTH || p->dk == DATE_MID_MONTH)
            p->month = p->n ? -1 : 0;
        if (p->dk == DATE_END_MONTH || p->dk == DATE_MID_MONTH)
            p->month = p->n ? -1 : 0;
        if (p->dk == DATE_OFFSET_DAYS && p->n == 15) {
            /* "a few weeks": two to three */
            p->n = 14;
            p->n2 = 21;
        }
        if (p->dk == DATE_OFFSET_MONTHS)
            p->n2 = 3;
        return true;
    case CAT_PART:
        p->type = PIECE_TIME;
        p->tk = TP_PART;
        p->part = (enum part)V_A(v);
        p->today = V_B(v) == 1;
        return true;
    case CAT_NOON_EN:
        p->type = PIECE_TIME;
        p->tk = TP_CLOCK;
        p->h = 12;
        p->ampm = AMPM_NOON;
        return true;
    case CAT_VAGUE:
        p->type = PIECE_VAGUE;
        p->vague = (enum time_kind)V_A(v);
        return true;
    case CAT_PAST:
        p->type = PIECE_PAST;
        return true;
    case CAT_IGNORE:
        p->type = PIECE_IGNORE;
        return true;
    default:
        return false;
    }
}

static bool parse_piece(const struct scan *s, size_t i, struct piece *p)
{
    const struct token *t = &s->tk->v[i];
    if (t->kind == TOKEN_PUNCT)
        return false;
    /* Farewells first, so "hasta mañana" is never tomorrow. */
    struct phrase_match m;
    if (t->kind == TOKEN_WORD && phrase_match_at(s->set, s->tk, i, s->limit, s->ctx->lang, &m) &&
        V_CAT(m.entry->value) == CAT_IGNORE) {
        *p = (struct piece){.type = PIECE_IGNORE, .begin = i, .end = m.end};
        return true;
    }
    if (parse_month_date(s, i, p) || parse_weekday(s, i, p) || parse_day_of_month(s, i, p) ||
        parse_offset(s, i, p) || parse_clock(s, i, p))
        return true;
    return t->kind == TOKEN_WORD && parse_phrase(s, i, p);
}

/* ------------------------------------------------------------ resolving */

struct part_window {
    int start, end; /* minutes after midnight */
};

static struct part_window part_window(enum part part, enum lang lang)
{
    static const struct part_window es[] = {
        [PART_MORNING] = {540, 840},
        [PART_FIRST_THING] = {540, 600},
        [PART_NOON] = {720, 840},
        [PART_LUNCH] = {840, 960},
        [PART_AFTER_LUNCH] = {960, 1080},
        [PART_AFTERNOON] = {960, 1200},
        [PART_LATE_AFTERNOON] = {1080, 1200},
        [PART_EVENING] = {1200, 1320},
    };
    static const struct part_window en[] = {
        [PART_MORNING] = {540, 720},
        [PART_FIRST_THING] = {540, 600},
        [PART_NOON] = {720, 780},
        [PART_LUNCH] = {720, 840},
        [PART_AFTER_LUNCH] = {780, 960},
        [PART_AFTERNOON] = {780, 1020},
        [PART_LATE_AFTERNOON] = {960, 1080},
        [PART_EVENING] = {1080, 1260},
    };
    return lang == LANG_ES ? es[part] : en[part];
}

static int64_t at_minutes(struct local_zone *z, struct civil day, int minutes)
{
    day.hour = 0;
    day.minute = 0;
    day = civil_add_days(day, minutes / 1440);
    day.hour = (minutes % 1440) / 60;
    day.minute = minutes % 60;
    return local_zone_to_ms(z, &day);
}

/* The hour of a clock time on the 24-hour clock, given what marked it. */
static int hour24(int h, enum ampm ap, enum part part_hint)
{
    switch (ap) {
    case AMPM_AM:
        return h == 12 ? 0 : h;
    case AMPM_PM:
        return h < 12 ? h + 12 : h;
    case AMPM_NIGHT:
        if (h == 12)
            return 0;
        return h >= 6 && h < 12 ? h + 12 : h;
    case AMPM_NOON:
        return h >= 1 && h <= 4 ? h + 12 : h;
    case AMPM_NONE:
        break;
    }
    if (part_hint == PART_AFTERNOON || part_hint == PART_EVENING ||
        part_hint == PART_LATE_AFTERNOON || part_hint == PART_AFTER_LUNCH)
        return h < 12 ? h + 12 : h;
    if (part_hint == PART_MORNING || part_hint == PART_FIRST_THING)
        return h == 12 ? 12 : h;
    if (h >= 1 && h <= 7)
        return h + 12;
    return h;
}

struct group {
    const struct piece *date;
    const struct piece *time;
    const struct piece *part; /* a part of the day that qualifies a clock time */
    const struct piece *vague;
    size_t begin, end;
};

/* The first day a date piece names and, for ranges, the day after its last. */
static bool date_span(const struct piece *d, struct civil today, struct civil *first,
                      struct civil *after, enum grain *grain, bool *window, enum time_kind *kind,
                      bool *past)
{
    int wd_today = civil_weekday(&today);
    struct civil c = today;
    c.hour = c.minute = 0;
    *grain = GRAIN_DAY;
    *window = false;
    *kind = TIME_EXPLICIT;
    *past = false;
    switch (d->dk) {
    case DATE_REL_DAYS:
        *first = civil_add_days(c, d->n);
        *after = civil_add_days(*first, 1);
        return true;
    case DATE_WEEKDAY: {
        int delta = (d->wd - wd_today + 7) % 7;
        switch (d->wmode) {
        case WD_PLAIN:
            if (delta == 0)
                delta = 7;
            break;
        case WD_THIS:
            break;
        case WD_NEXT_EN:
            if (delta == 0)
                delta = 7;
            /* Still ahead in this ISO week: "next" means the following one. */
            else if (wd_today + delta <= 7)
                delta += 7;
            break;
        case WD_NEXT_WEEK:
            delta = (8 - wd_today) + (d->wd - 1);
            break;
        }
        *first = civil_add_days(c, delta);
        *after = civil_add_days(*first, 1);
        return true;
    }
    case DATE_YMD: {
        struct civil t = c;
        t.month = d->month;
        t.day = d->day;
        if (d->year) {
            t.year = d->year;
            if (d->day > civil_days_in_month(t.year, t.month))
                return false;
            if (civil_cmp(&t, &c) < 0)
                *past = true;
        } else {
            /* The next such date; a 29th of February waits for a leap year. */
            int tries = 0;
            while (d->day > civil_days_in_month(t.year, t.month) && tries++ < 8)
                t.year++;
            if (d->day > civil_days_in_month(t.year, t.month))
                return false;
            if (civil_cmp(&t, &c) < 0) {
                int64_t ago =
                    civil_days(c.year, c.month, c.day) - civil_days(t.year, t.month, t.day);
                if (ago <= 60) {
                    *past = true;
                } else {
                    t.year++;
                    while (d->day > civil_days_in_month(t.year, t.month) && tries++ < 8)
                        t.year++;
                }
            }
        }
        *first = t;
        *after = civil_add_days(t, 1);
        return true;
    }
    case DATE_DOM: {
        struct civil t = c;
        if (d->n == 1)
            t = civil_add_months((struct civil){c.year, c.month, 1, 0, 0}, 1);
        t.day = 1;
        /* This month when the day is still ahead, else the next month that has it. */
        for (int k = 0; k < 14; k++) {
            struct civil m = civil_add_months((struct civil){t.year, t.month, 1, 0, 0}, k);
            if (d->day > civil_days_in_month(m.year, m.month))
                continue;
            m.day = d->day;
            if (civil_cmp(&m, &c) < 0)
                continue;
            *first = m;
            *after = civil_add_days(m, 1);
            return true;
        }
        return false;
    }
    case DATE_THIS_WEEK:
        *first = civil_add_days(c, 1);
        *after = civil_add_days(c, 8 - wd_today);
        if (civil_cmp(first, after) >= 0)
            *after = civil_add_days(*first, 1);
        *grain = GRAIN_WEEK;
        *window = true;
        return true;
    case DATE_NEXT_WEEK:
        *first = civil_add_days(c, 8 - wd_today);
        *after = civil_add_days(*first, 7);
        *grain = GRAIN_WEEK;
        *window = true;
        *kind = TIME_NEXT_WEEK;
        return true;
    case DATE_WEEKEND: {
        int delta = (6 - wd_today + 7) % 7;
        if (wd_today == 7)
            delta = 6;
        if (d->n == 1 && wd_today >= 6)
            delta += 7;
        *first = civil_add_days(c, delta);
        *after = civil_add_days(c, delta + (wd_today == 6 && delta == 0 ? 2 : 2));
        *grain = GRAIN_DAY;
        *window = true;
        return true;
    }
    case DATE_THIS_MONTH:
        *first = civil_add_days(c, 1);
        *after = civil_add_months((struct civil){c.year, c.month, 1, 0, 0}, 1);
        *grain = GRAIN_MONTH;
        *window = true;
        return true;
    case DATE_MONTH: {
        struct civil m = {c.year, c.month, 1, 0, 0};
        if (d->month <= 0) {
            m = civil_add_months(m, 1);
        } else {
            m.month = d->month;
            if (d->month < c.month)
                m.year++;
        }
        *first = m;
        *after = civil_add_months(m, 1);
        if (civil_cmp(first, &c) <= 0)
            *first = civil_add_days(c, 1);
        *grain = GRAIN_MONTH;
        *window = true;
        return true;
    }
    case DATE_END_MONTH:
    case DATE_START_MONTH:
    case DATE_MID_MONTH: {
        struct civil m = {c.year, c.month, 1, 0, 0};
        if (d->month > 0) {
            m.month = d->month;
            if (d->month < c.month)
                m.year++;
        } else if (d->month < 0 || d->dk == DATE_START_MONTH) {
            m = civil_add_months(m, 1);
        }
        int dim = civil_days_in_month(m.year, m.month);
        int from, to; /* days of the month, inclusive */
        if (d->dk == DATE_END_MONTH) {
            from = dim - 4;
            to = dim;
        } else if (d->dk == DATE_START_MONTH) {
            from = 1;
            to = 5;
        } else {
            from = 14;
            to = 16;
        }
        struct civil a = m, b = m;
        a.day = from;
        b.day = to;
        /* Already past or inside it: what is left of it, else the next month's. */
        if (civil_cmp(&b, &c) <= 0) {
            if (d->month > 0)
                m.year++;
            else
                m = civil_add_months(m, 1);
            dim = civil_days_in_month(m.year, m.month);
            if (d->dk == DATE_END_MONTH)
                from = dim - 4, to = dim;
            a = m;
            b = m;
            a.day = from;
            b.day = to;
        } else if (civil_cmp(&a, &c) <= 0) {
            a = civil_add_days(c, 1);
        }
        *first = a;
        *after = civil_add_days(b, 1);
        *grain = GRAIN_WEEK;
        *window = true;
        return true;
    }
    case DATE_OFFSET_DAYS:
        *first = civil_add_days(c, d->n);
        *after = civil_add_days(c, d->n2 + 1);
        *window = d->n2 != d->n;
        return true;
    case DATE_OFFSET_MONTHS:
        *first = civil_add_months(c, d->n);
        *after = civil_add_days(civil_add_months(c, d->n2), 1);
        *window = d->n2 != d->n;
        *grain = *window ? GRAIN_MONTH : GRAIN_DAY;
        return true;
    case DATE_FEW_DAYS:
        *first = civil_add_days(c, 2);
        *after = civil_add_days(c, 4);
        *window = true;
        *kind = TIME_FEW_DAYS;
        return true;
    }
    return false;
}

/* Resolves one group into out; false when it names nothing usable. */
static bool resolve_group(const struct time_context *ctx, const struct group *g,
                          struct time_ref *out)
{
    struct local_zone *z = ctx->zone;
    struct civil now = local_zone_from_ms(z, ctx->now_ms);
    int now_min = now.hour * 60 + now.minute;
    struct time_ref r = {0};
    r.begin = g->begin;
    r.end = g->end;
    r.kind = TIME_EXPLICIT;

    if (g->vague && !g->date && !g->time) {
        r.kind = g->vague->vague;
        r.grain = GRAIN_HOUR;
        int64_t delay = r.kind == TIME_WHILE ? 2 * 3600000LL : 24 * 3600000LL;
        r.at_ms = r.start_ms = ctx->now_ms + delay;
        r.end_ms = r.at_ms + 3600000LL;
        *out = r;
        return true;
    }

    /* A time from now: "in 2 hours". */
    if (g->time && g->time->tk == TP_OFFSET_MIN) {
        r.at_ms = r.start_ms = ctx->now_ms + (int64_t)g->time->n * 60000;
        r.end_ms = ctx->now_ms +
                   (int64_t)(g->time->n2 > g->time->n ? g->time->n2 : g->time->n) * 60000 + 60000;
        r.window = g->time->n2 > g->time->n;
        r.grain = g->time->n >= 60 ? GRAIN_HOUR : GRAIN_MINUTE;
        r.clock = true;
        *out = r;
        return true;
    }

    struct civil first = now, after;
    enum grain grain = GRAIN_DAY;
    bool window = false, past = false;
    enum time_kind kind = TIME_EXPLICIT;
    bool dated = g->date != NULL;
    first.hour = first.minute = 0;
    if (g->date) {
        if (!date_span(g->date, now, &first, &after, &grain, &window, &kind, &past))
            return false;
    }
    r.kind = kind;
    r.past = past;
    r.dated = dated;

    const struct piece *t = g->time;
    if (!t) {
        r.at_ms = r.start_ms = local_zone_to_ms(z, &first);
        r.end_ms = local_zone_to_ms(z, &after);
        r.grain = grain;
        r.window = window;
        *out = r;
        return true;
    }

    /* A day with a time: the time applies to the first day a range names. */
    struct civil day = first;
    int start_min, end_min;
    r.clock = true;
    if (t->tk == TP_PART) {
        struct part_window w = part_window(t->part, ctx->lang);
        start_min = w.start;
        end_min = w.end;
        r.grain = GRAIN_PART_OF_DAY;
        r.window = true;
        if (!dated) {
            if (t->today) {
                if (now_min >= end_min) {
                    r.past = true;
                } else if (now_min > start_min) {
                    start_min = now_min;
                }
            } else if (now_min >= start_min) {
                day = civil_add_days(day, 1);
            }
        }
    } else {
        enum part hint = g->part ? g->part->part : 0;
        int h = hour24(t->h, t->ampm, hint);
        start_min = h * 60 + t->m;
        end_min = start_min + 1;
        r.grain = t->m == 0 && t->rel == REL_APPROX ? GRAIN_HOUR : GRAIN_MINUTE;
        enum relation rel = t->rel;
        if (rel == REL_UNTIL)
            rel = REL_BEFORE;
        if (rel == REL_BETWEEN) {
            int h2 = hour24(t->h2, t->ampm, hint);
            /* "entre las 4 y las 6": both afternoon when the first is. */
            if (h2 < h && h2 + 12 < 24)
                h2 += 12;
            end_min = h2 * 60 + t->m2;
            if (end_min <= start_min)
                end_min = start_min + 60;
            r.window = true;
        } else if (rel == REL_AFTER) {
            end_min = start_min + 180;
            r.window = true;
        } else if (rel == REL_BEFORE) {
            end_min = start_min;
            start_min =
                start_min - 180 < 480 ? (start_min > 480 ? 480 : start_min - 60) : start_min - 180;
            r.window = true;
        }
        if (!dated && r.window && start_min <= now_min) {
            /* A range already begun ("before noon" said at ten): what is left of it
             * today when an hour remains, else the same range tomorrow. */
            if (end_min - now_min >= 60)
                start_min = now_min + 15;
            else
                day = civil_add_days(day, 1);
        } else if (!dated) {
            bool ambiguous = t->ampm == AMPM_NONE && !g->part && t->h >= 1 && t->h <= 11;
            if (start_min <= now_min) {
                /* "a las nueve" said at ten: tonight at nine if that is still a working
                 * hour, else tomorrow at nine. */
                if (ambiguous && h < 12 && (h + 12) * 60 + t->m > now_min && h + 12 <= 21) {
                    start_min += 720;
                    end_min += 720;
                } else {
                    day = civil_add_days(day, 1);
                }
            }
        }
    }
    r.dated = dated || day.day != now.day;
    r.at_ms = r.start_ms = at_minutes(z, day, start_min);
    r.end_ms = at_minutes(z, day, end_min);
    if (r.grain == GRAIN_MINUTE && !r.window)
        r.end_ms = r.at_ms + 60000;
    if (r.grain == GRAIN_HOUR && !r.window)
        r.end_ms = r.at_ms + 3600000;
    if (!r.past && r.end_ms <= ctx->now_ms)
        r.past = true;
    *out = r;
    return true;
}

/* ------------------------------------------------------------ negation */

static const struct phrase_entry negation_table[] = {
    /* after the mention */
    {"no puedo|podre|podria|puede|me|va|viene|estoy|estare|es|sera|,|.", PHRASE_ES, 1},
    {"tampoco", PHRASE_ES, 1},
    {"imposible", PHRASE_ES, 1},
    {"me viene|va fatal|mal", PHRASE_ES, 1},
    {"estoy|estare {ocupado|ocupada|fuera|liado|liada|de viaje|reunido|reunida}", PHRASE_ES, 1},
    {"me pilla|pillas mal", PHRASE_ES, 1},
    {"{is no|isnt|s no|is not|not} good|great", PHRASE_EN, 1},
    {"no good|way", PHRASE_EN, 1},
    {"{doesnt|wont|dont|does not|will not|do not} work", PHRASE_EN, 1},
    {"is|s bad|out|impossible|tough|tricky|difficult", PHRASE_EN, 1},
    {"{i cant|i cannot|i wont be|ill be|i will be|i am|im} "
     "busy|away|out|unavailable|travelling|traveling",
     PHRASE_EN, 1},
    {"no", PHRASE_EN, 1},
    /* before it */
    {"no|nunca", PHRASE_ES, 2},
    {"en vez|lugar de|del", PHRASE_ES, 2},
    {"not|never", PHRASE_EN, 2},
    {"not on", PHRASE_EN, 2},
    {"instead of", PHRASE_EN, 2},
    {"anything|anytime|any but", PHRASE_EN, 2},
};

static struct phrase_lazy negation_phrases = PHRASE_LAZY(negation_table);

/* "no el viernes", "not Friday", "el viernes no puedo", "Friday is no good". */
static bool negated(const struct scan *s, size_t begin, size_t end, size_t turn_begin)
{
    const struct phrase_set *set = phrase_lazy_get(&negation_phrases);
    struct phrase_match m;
    enum lang lang = s->ctx->lang;
    /* Right before, adjacent: "no el viernes", "not on Friday", "instead of Friday". */
    for (size_t back = 1; back <= 3 && back <= begin - turn_begin; back++) {
        size_t i = begin - back;
        if (s->tk->v[i].kind == TOKEN_PUNCT)
            break;
        if (phrase_match_at(set, s->tk, i, begin, lang, &m) && m.entry->value == 2 &&
            m.end == begin)
            return true;
        if (phrase_match_at(set, s->tk, i, begin + 1, lang, &m) && m.entry->value == 2 &&
            m.end >= begin && back == 1)
            return true;
    }
    /* After: within four tokens, the same sentence. A "no" that is a tag
     * question ("a las cinco, ¿no?") does not count. */
    size_t i = end;
    if (is_punct(s, i, ',') || is_punct(s, i, '.'))
        i++;
    if (is_word(s, i, "no") && (is_punct(s, i + 1, '?') || (is_punct(s, i - 1, '?'))))
        return false;
    if (is_punct(s, end, '?') || (end > 0 && is_punct(s, end - 1, '?')))
        return false;
    for (size_t k = i; k < end + 4 && k < s->limit; k++) {
        if (tokens_ends_sentence(&s->tk->v[k]) && k > i)
            break;
        if (phrase_match_at(set, s->tk, k, s->limit, lang, &m) && m.entry->value == 1) {
            if (tokens_is(&s->tk->v[k], "no") && is_punct(s, k + 1, '?'))
                return false;
            /* "no problem", "no hay problema" */
            if (is_word(s, k + 1, "problem") || is_word(s, k + 1, "hay") ||
                is_word(s, k + 1, "worries") || is_word(s, k + 1, "se"))
                return false;
            return true;
        }
    }
    return false;
}

/* "hasta las cinco estoy reunido": availability begins when the busy spell ends. */
static bool busy_until(const struct scan *s, size_t begin, size_t end)
{
    static const char *const cues[] = {
        "ocupado",   "ocupada",    "reunion",  "reunido", "reunida",    "liado",
        "liada",     "trabajando", "fuera",    "viaje",   "vacaciones", "busy",
        "meeting",   "meetings",   "tied",     "away",    "out",        "travelling",
        "traveling", "holiday",    "vacation", "working", "clase",      "class"};
    size_t from = begin > 8 ? begin - 8 : 0;
    for (size_t k = from; k < end + 6 && k < s->limit; k++) {
        if (s->tk->v[k].turn != s->tk->v[begin].turn)
            continue;
        for (size_t c = 0; c < sizeof(cues) / sizeof(cues[0]); c++)
            if (tokens_is(&s->tk->v[k], cues[c]))
                return true;
    }
    return false;
}

/* ------------------------------------------------------------ scanning */

/* Tokens that may stand between the date and the time of one mention. */
static bool filler(const struct token *t)
{
    static const char *const words[] = {
        "a",     "las",  "la",   "el",   "de",   "del",      "por",  "at",    "on",     "in",
        "the",   "eh",   "um",   "uh",   "pues", "y",        "and",  "sobre", "mejor",  "around",
        "about", "tipo", "como", "like", "say",  "entonces", "then", "maybe", "quizas", "igual"};
    if (t->kind == TOKEN_PUNCT)
        return t->w[0] == ',' || t->w[0] == '-';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (tokens_is(t, words[i]))
            return true;
    return false;
}

size_t time_resolver_scan(const struct time_context *ctx, const struct tokens *tk, size_t begin,
                          size_t end, struct time_ref *out, size_t max)
{
    struct scan s = {.ctx = ctx, .tk = tk, .set = phrase_lazy_get(&time_phrases)};
    struct piece pieces[64];
    struct piece merged[8]; /* pieces made of two ("next week, Wednesday") */
    size_t np = 0, n = 0, merged_n = 0;

    if (end > tk->n)
        end = tk->n;
    /* Pieces, turn by turn so nothing spans two speakers. */
    for (size_t i = begin; i < end && np < 64;) {
        size_t turn_end = tk->turn_begin[tk->v[i].turn + 1];
        s.limit = turn_end < end ? turn_end : end;
        struct piece p;
        if (parse_piece(&s, i, &p) && p.end > i) {
            pieces[np++] = p;
            i = p.end;
        } else {
            i++;
        }
    }
    /* Groups: a date and a time a few fillers apart, in the same turn. */
    for (size_t k = 0; k < np && n < max;) {
        struct group g = {.begin = pieces[k].begin, .end = pieces[k].end};
        size_t j = k;
        bool any = false;
        for (; j < np; j++) {
            const struct piece *p = &pieces[j];
            if (j > k) {
                const struct piece *q = &pieces[j - 1];
                if (tk->v[p->begin].turn != tk->v[q->begin].turn)
                    break;
                bool near = true;
                for (size_t t = q->end; t < p->begin; t++)
                    if (!filler(&tk->v[t]) || t - q->end >= 3)
                        near = false;
                if (!near)
                    break;
            }
            if (p->type == PIECE_IGNORE || p->type == PIECE_PAST) {
                if (j == k) {
                    j++;
                    if (p->type == PIECE_PAST && n < max) {
                        out[n] = (struct time_ref){.past = true, .begin = p->begin, .end = p->end};
                        n++;
                    }
                }
                break;
            }
            if (p->type == PIECE_DATE) {
                /* "la semana que viene, el miércoles": the weekday of next week. */
                const struct piece *week = NULL, *wd = NULL;
                if (g.date) {
                    week = g.date->dk == DATE_NEXT_WEEK ? g.date
                           : p->dk == DATE_NEXT_WEEK    ? p
                                                        : NULL;
                    wd = g.date->dk == DATE_WEEKDAY ? g.date : p->dk == DATE_WEEKDAY ? p : NULL;
                }
                if (week && wd && merged_n < 8) {
                    merged[merged_n] = *wd;
                    merged[merged_n].wmode = WD_NEXT_WEEK;
                    g.date = &merged[merged_n++];
                } else if (g.date) {
                    break;
                } else {
                    g.date = p;
                }
            } else if (p->type == PIECE_TIME) {
                if (g.time && p->tk == TP_PART && g.time->tk == TP_CLOCK && !g.part) {
                    g.part = p; /* "a las cinco, por la tarde" */
                } else if (g.time && p->tk == TP_CLOCK && g.time->tk == TP_PART && !g.part) {
                    g.part = g.time; /* "por la tarde a las cinco" */
                    g.time = p;
                } else if (g.time) {
                    break;
                } else {
                    g.time = p;
                }
            } else if (p->type == PIECE_VAGUE) {
                if (g.date || g.time || g.vague)
                    break;
                g.vague = p;
            }
            any = true;
            g.end = p->end;
        }
        if (!any) {
            k = j > k ? j : k + 1;
            continue;
        }
        struct time_ref r;
        size_t turn = tk->v[g.begin].turn;
        s.limit = tk->turn_begin[turn + 1] < end ? tk->turn_begin[turn + 1] : end;
        if (resolve_group(ctx, &g, &r)) {
            r.negated = negated(&s, g.begin, g.end, tk->turn_begin[turn]);
            if (g.time && g.time->tk == TP_CLOCK && g.time->rel == REL_UNTIL &&
                busy_until(&s, g.begin, g.end)) {
                /* Busy until five: from five on. The busy words are not a refusal of the time. */
                r.at_ms = r.start_ms = r.end_ms;
                r.end_ms = r.start_ms + 180 * 60000LL;
                r.negated = false;
            }
            out[n++] = r;
        }
        k = j > k ? j : k + 1;
    }
    return n;
}

bool time_resolver_resolve(const struct time_context *ctx, const struct tokens *tk,
                           struct time_ref *out)
{
    struct time_ref refs[32];
    size_t n = time_resolver_scan(ctx, tk, 0, tk->n, refs, 32);
    for (size_t i = n; i-- > 0;) {
        if (!refs[i].negated && !refs[i].past) {
            *out = refs[i];
            return true;
        }
    }
    return false;
}

const char *time_resolver_grain_name(enum grain g)
{
    switch (g) {
    case GRAIN_MINUTE:
        return "minute";
    case GRAIN_HOUR:
        return "hour";
    case GRAIN_PART_OF_DAY:
        return "part_of_day";
    case GRAIN_DAY:
        return "day";
    case GRAIN_WEEK:
        return "week";
    case GRAIN_MONTH:
        return "month";
    case GRAIN_NONE:
        break;
    }
    return "";
}
