/*
 * The time resolver over a few hundred expressions in both languages,
 * around the dates where calendars bite: month ends, the leap day, the
 * daylight-saving changes of Europe/Madrid and America/New_York, a Sunday
 * call asking for "next week", year ends. Explicit cases give the expected
 * local value (and interval); generated cases check weekdays and day
 * offsets against a small independent date calculator in this file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../../services/analyzer/local_time.h"
#include "../../../services/analyzer/time_resolver.h"
#include "../../../services/analyzer/tokens.h"

struct expect {
    const char *now; /* local, in tz */
    const char *tz;
    const char *lang;
    const char *expr;
    const char *value; /* local ISO of the start; NULL: no time found */
    const char *grain;
    const char *until; /* local ISO of the interval's end; NULL: not checked */
};

#define MAD "Europe/Madrid"
#define NYC "America/New_York"
#define TUE "2026-03-10T10:15" /* a Tuesday */
#define SUN "2026-03-15T11:00" /* a Sunday */

static const struct expect cases[] = {
    /* weekdays and clock times, Spanish */
    {TUE, MAD, "es", "el viernes a las tres", "2026-03-13T15:00:00", "minute", NULL},
    {TUE, MAD, "es", "el viernes", "2026-03-13T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, MAD, "es", "el martes", "2026-03-17T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el martes que viene por la mañana", "2026-03-17T09:00:00", "part_of_day",
     "2026-03-17T14:00:00"},
    {TUE, MAD, "es", "este jueves", "2026-03-12T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el próximo jueves", "2026-03-12T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el jueves de la semana que viene", "2026-03-19T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el jueves de la próxima semana a las 9", "2026-03-19T09:00:00", "minute",
     NULL},
    {TUE, MAD, "es", "el lunes 16", "2026-03-16T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el viernes 13 de marzo a las 17:00", "2026-03-13T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "mañana", "2026-03-11T00:00:00", "day", "2026-03-12T00:00:00"},
    {TUE, MAD, "es", "mañana por la mañana", "2026-03-11T09:00:00", "part_of_day",
     "2026-03-11T14:00:00"},
    {TUE, MAD, "es", "mañana por la tarde", "2026-03-11T16:00:00", "part_of_day",
     "2026-03-11T20:00:00"},
    {TUE, MAD, "es", "mañana a primera hora", "2026-03-11T09:00:00", "part_of_day",
     "2026-03-11T10:00:00"},
    {TUE, MAD, "es", "mañana a mediodía", "2026-03-11T12:00:00", "part_of_day",
     "2026-03-11T14:00:00"},
    {TUE, MAD, "es", "pasado mañana", "2026-03-12T00:00:00", "day", NULL},
    {TUE, MAD, "es", "pasado mañana por la noche", "2026-03-12T20:00:00", "part_of_day",
     "2026-03-12T22:00:00"},
    {TUE, MAD, "es", "pasado mañana a las 10", "2026-03-12T10:00:00", "minute", NULL},
    {TUE, MAD, "es", "hoy a las cinco", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "esta tarde", "2026-03-10T16:00:00", "part_of_day", "2026-03-10T20:00:00"},
    {TUE, MAD, "es", "esta tarde a las seis", "2026-03-10T18:00:00", "minute", NULL},
    {TUE, MAD, "es", "esta noche", "2026-03-10T20:00:00", "part_of_day", "2026-03-10T22:00:00"},
    {TUE, MAD, "es", "por la mañana", "2026-03-11T09:00:00", "part_of_day", "2026-03-11T14:00:00"},
    {TUE, MAD, "es", "por la tarde", "2026-03-10T16:00:00", "part_of_day", NULL},
    {TUE, MAD, "es", "a las tres", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las tres de la tarde", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las nueve", "2026-03-10T21:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las nueve de la mañana", "2026-03-11T09:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las nueve de la noche", "2026-03-10T21:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las diez", "2026-03-11T10:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las doce", "2026-03-10T12:00:00", "minute", NULL},
    {TUE, MAD, "es", "a la una", "2026-03-10T13:00:00", "minute", NULL},
    {TUE, MAD, "es", "a la una y media", "2026-03-10T13:30:00", "minute", NULL},
    {TUE, MAD, "es", "a las 15:30", "2026-03-10T15:30:00", "minute", NULL},
    {TUE, MAD, "es", "a las 16.45", "2026-03-10T16:45:00", "minute", NULL},
    {TUE, MAD, "es", "15:00", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las 17h", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las siete y cuarto", "2026-03-10T19:15:00", "minute", NULL},
    {TUE, MAD, "es", "a las cuatro menos cuarto", "2026-03-10T15:45:00", "minute", NULL},
    {TUE, MAD, "es", "a las ocho menos diez de la tarde", "2026-03-10T19:50:00", "minute", NULL},
    {TUE, MAD, "es", "a las tres y diez", "2026-03-10T15:10:00", "minute", NULL},
    {TUE, MAD, "es", "a las cinco en punto", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "a las diecisiete", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "sobre las cinco", "2026-03-10T17:00:00", "hour", NULL},
    {TUE, MAD, "es", "a eso de las seis", "2026-03-10T18:00:00", "hour", NULL},
    {TUE, MAD, "es", "hacia las once", "2026-03-10T11:00:00", "hour", NULL},
    {TUE, MAD, "es", "entre las cuatro y las seis", "2026-03-10T16:00:00", "minute",
     "2026-03-10T18:00:00"},
    {TUE, MAD, "es", "de 4 a 6", "2026-03-10T16:00:00", "minute", "2026-03-10T18:00:00"},
    {TUE, MAD, "es", "a partir de las cinco", "2026-03-10T17:00:00", "minute",
     "2026-03-10T20:00:00"},
    {TUE, MAD, "es", "después de las 6", "2026-03-10T18:00:00", "minute", "2026-03-10T21:00:00"},
    {TUE, MAD, "es", "antes de las doce", "2026-03-10T10:30:00", "minute", "2026-03-10T12:00:00"},
    {TUE, MAD, "es", "mañana antes de las doce", "2026-03-11T09:00:00", "minute",
     "2026-03-11T12:00:00"},
    {TUE, MAD, "es", "hasta las cinco estoy reunido", "2026-03-10T17:00:00", "minute",
     "2026-03-10T20:00:00"},
    {TUE, MAD, "es", "mañana a partir de las diez", "2026-03-11T10:00:00", "minute",
     "2026-03-11T13:00:00"},
    {TUE, MAD, "es", "el jueves por la tarde a las cinco", "2026-03-12T17:00:00", "minute", NULL},
    {TUE, MAD, "es", "el jueves a las cinco, por la tarde", "2026-03-12T17:00:00", "minute", NULL},
    /* offsets and ranges, Spanish */
    {TUE, MAD, "es", "en 10 días", "2026-03-20T00:00:00", "day", NULL},
    {TUE, MAD, "es", "dentro de diez días", "2026-03-20T00:00:00", "day", NULL},
    {TUE, MAD, "es", "dentro de quince días", "2026-03-25T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en veintiún días", "2026-03-31T00:00:00", "day", NULL},
    {TUE, MAD, "es", "dentro de dos semanas", "2026-03-24T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en una semana", "2026-03-17T00:00:00", "day", NULL},
    {TUE, MAD, "es", "dentro de un mes", "2026-04-10T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en dos meses", "2026-05-10T00:00:00", "day", NULL},
    {TUE, MAD, "es", "de aquí a tres días", "2026-03-13T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en dos o tres días", "2026-03-12T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, MAD, "es", "en un par de días", "2026-03-12T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, MAD, "es", "en unos días", "2026-03-12T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en media hora", "2026-03-10T10:45:00", "minute", NULL},
    {TUE, MAD, "es", "en una hora", "2026-03-10T11:15:00", "hour", NULL},
    {TUE, MAD, "es", "dentro de hora y media", "2026-03-10T11:45:00", "hour", NULL},
    {TUE, MAD, "es", "en 3 horas", "2026-03-10T13:15:00", "hour", NULL},
    {TUE, MAD, "es", "en veinte minutos", "2026-03-10T10:35:00", "minute", NULL},
    {TUE, MAD, "es", "la semana que viene", "2026-03-16T00:00:00", "week", "2026-03-23T00:00:00"},
    {TUE, MAD, "es", "la próxima semana", "2026-03-16T00:00:00", "week", "2026-03-23T00:00:00"},
    {TUE, MAD, "es", "esta semana", "2026-03-11T00:00:00", "week", "2026-03-16T00:00:00"},
    {TUE, MAD, "es", "el fin de semana", "2026-03-14T00:00:00", "day", "2026-03-16T00:00:00"},
    {TUE, MAD, "es", "el mes que viene", "2026-04-01T00:00:00", "month", "2026-05-01T00:00:00"},
    {TUE, MAD, "es", "a finales de mes", "2026-03-27T00:00:00", "week", "2026-04-01T00:00:00"},
    {TUE, MAD, "es", "a fin de mes", "2026-03-27T00:00:00", "week", "2026-04-01T00:00:00"},
    {TUE, MAD, "es", "a finales del mes que viene", "2026-04-26T00:00:00", "week",
     "2026-05-01T00:00:00"},
    {TUE, MAD, "es", "a principios del mes que viene", "2026-04-01T00:00:00", "week",
     "2026-04-06T00:00:00"},
    {TUE, MAD, "es", "a mediados de mes", "2026-03-14T00:00:00", "week", "2026-03-17T00:00:00"},
    {TUE, MAD, "es", "a principios de mayo", "2026-05-01T00:00:00", "week", "2026-05-06T00:00:00"},
    {TUE, MAD, "es", "a mediados de abril", "2026-04-14T00:00:00", "week", "2026-04-17T00:00:00"},
    {TUE, MAD, "es", "a finales de abril", "2026-04-26T00:00:00", "week", "2026-05-01T00:00:00"},
    {TUE, MAD, "es", "en abril", "2026-04-01T00:00:00", "month", "2026-05-01T00:00:00"},
    {TUE, MAD, "es", "en enero", "2027-01-01T00:00:00", "month", "2027-02-01T00:00:00"},
    {TUE, MAD, "es", "luego", "2026-03-11T10:15:00", "hour", NULL},
    {TUE, MAD, "es", "más tarde", "2026-03-11T10:15:00", "hour", NULL},
    {TUE, MAD, "es", "otro día", "2026-03-11T10:15:00", "hour", NULL},
    {TUE, MAD, "es", "en un rato", "2026-03-10T12:15:00", "hour", NULL},
    /* dates with month names, Spanish */
    {TUE, MAD, "es", "el 3 de abril", "2026-04-03T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el tres de abril", "2026-04-03T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el día 3 de abril", "2026-04-03T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el uno de abril", "2026-04-01T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el primero de abril", "2026-04-01T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el 15 de abril a las diez", "2026-04-15T10:00:00", "minute", NULL},
    {TUE, MAD, "es", "el 1 de marzo de 2027", "2027-03-01T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el 2 de enero", "2027-01-02T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el día 15", "2026-03-15T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el día 5", "2026-04-05T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el 20 del mes que viene", "2026-04-20T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el 5 de marzo", NULL, NULL, NULL},
    {TUE, MAD, "es", "el 30 de febrero", NULL, NULL, NULL},
    /* corrections and negation, Spanish */
    {TUE, MAD, "es", "no el viernes, el lunes", "2026-03-16T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el viernes no puedo, mejor el lunes a las diez y media",
     "2026-03-16T10:30:00", "minute", NULL},
    {TUE, MAD, "es", "el viernes no, mejor el martes", "2026-03-17T00:00:00", "day", NULL},
    {TUE, MAD, "es", "mañana no, pasado mañana", "2026-03-12T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el jueves me viene fatal, el viernes", "2026-03-13T00:00:00", "day", NULL},
    {TUE, MAD, "es", "en vez del lunes, el martes", "2026-03-17T00:00:00", "day", NULL},
    {TUE, MAD, "es", "el viernes a las cinco, ¿no?", "2026-03-13T17:00:00", "minute", NULL},
    /* not times, Spanish */
    {TUE, MAD, "es", "ayer", NULL, NULL, NULL},
    {TUE, MAD, "es", "la semana pasada", NULL, NULL, NULL},
    {TUE, MAD, "es", "el lunes pasado", NULL, NULL, NULL},
    {TUE, MAD, "es", "hace dos días", NULL, NULL, NULL},
    {TUE, MAD, "es", "tengo 3 hijos y 25 empleados", NULL, NULL, NULL},
    {TUE, MAD, "es", "cuesta cincuenta euros al mes", NULL, NULL, NULL},
    {TUE, MAD, "es", "hasta luego", NULL, NULL, NULL},
    {TUE, MAD, "es", "hasta mañana", NULL, NULL, NULL},
    {TUE, MAD, "es", "buenas tardes", NULL, NULL, NULL},
    {TUE, MAD, "es", "que tenga un buen día", NULL, NULL, NULL},
    {TUE, MAD, "es", "sí, dígame", NULL, NULL, NULL},
    /* weekdays and clock times, English */
    {TUE, NYC, "en", "on Friday at 3pm", "2026-03-13T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "Friday", "2026-03-13T00:00:00", "day", NULL},
    {TUE, NYC, "en", "next Friday", "2026-03-20T00:00:00", "day", NULL},
    {TUE, NYC, "en", "this Friday", "2026-03-13T00:00:00", "day", NULL},
    {TUE, NYC, "en", "this coming Friday", "2026-03-13T00:00:00", "day", NULL},
    {TUE, NYC, "en", "Friday next week", "2026-03-20T00:00:00", "day", NULL},
    {TUE, NYC, "en", "next Tuesday morning", "2026-03-17T09:00:00", "part_of_day",
     "2026-03-17T12:00:00"},
    {TUE, NYC, "en", "Monday the 16th", "2026-03-16T00:00:00", "day", NULL},
    {TUE, NYC, "en", "Thursday the 12th at 9", "2026-03-12T09:00:00", "minute", NULL},
    {TUE, NYC, "en", "tomorrow", "2026-03-11T00:00:00", "day", NULL},
    {TUE, NYC, "en", "tomorrow morning", "2026-03-11T09:00:00", "part_of_day",
     "2026-03-11T12:00:00"},
    {TUE, NYC, "en", "tomorrow afternoon", "2026-03-11T13:00:00", "part_of_day",
     "2026-03-11T17:00:00"},
    {TUE, NYC, "en", "tomorrow at noon", "2026-03-11T12:00:00", "minute", NULL},
    {TUE, NYC, "en", "the day after tomorrow", "2026-03-12T00:00:00", "day", NULL},
    {TUE, NYC, "en", "day after tomorrow, first thing", "2026-03-12T09:00:00", "part_of_day",
     "2026-03-12T10:00:00"},
    {TUE, NYC, "en", "today at 5", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, NYC, "en", "this afternoon", "2026-03-10T13:00:00", "part_of_day", "2026-03-10T17:00:00"},
    {TUE, NYC, "en", "this evening at 6", "2026-03-10T18:00:00", "minute", NULL},
    {TUE, NYC, "en", "tonight", "2026-03-10T18:00:00", "part_of_day", "2026-03-10T21:00:00"},
    {TUE, NYC, "en", "in the morning", "2026-03-11T09:00:00", "part_of_day", "2026-03-11T12:00:00"},
    {TUE, NYC, "en", "3pm", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "3 p.m.", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 3", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "at three", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 4:30", "2026-03-10T16:30:00", "minute", NULL},
    {TUE, NYC, "en", "at three thirty", "2026-03-10T15:30:00", "minute", NULL},
    {TUE, NYC, "en", "at ten forty five", "2026-03-10T10:45:00", "minute", NULL},
    {TUE, NYC, "en", "half past three", "2026-03-10T15:30:00", "minute", NULL},
    {TUE, NYC, "en", "quarter past four", "2026-03-10T16:15:00", "minute", NULL},
    {TUE, NYC, "en", "quarter to four tomorrow", "2026-03-11T15:45:00", "minute", NULL},
    {TUE, NYC, "en", "twenty past four", "2026-03-10T16:20:00", "minute", NULL},
    {TUE, NYC, "en", "ten to five", "2026-03-10T16:50:00", "minute", NULL},
    {TUE, NYC, "en", "five o'clock", "2026-03-10T17:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 8am", "2026-03-11T08:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 9", "2026-03-10T21:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 11", "2026-03-10T11:00:00", "minute", NULL},
    {TUE, NYC, "en", "at 15:00", "2026-03-10T15:00:00", "minute", NULL},
    {TUE, NYC, "en", "at noon", "2026-03-10T12:00:00", "minute", NULL},
    {TUE, NYC, "en", "around 11", "2026-03-10T11:00:00", "hour", NULL},
    {TUE, NYC, "en", "tomorrow around 11", "2026-03-11T11:00:00", "hour", NULL},
    {TUE, NYC, "en", "after 5", "2026-03-10T17:00:00", "minute", "2026-03-10T20:00:00"},
    {TUE, NYC, "en", "after 6pm", "2026-03-10T18:00:00", "minute", "2026-03-10T21:00:00"},
    {TUE, NYC, "en", "between 4 and 6", "2026-03-10T16:00:00", "minute", "2026-03-10T18:00:00"},
    {TUE, NYC, "en", "between 2 and 4pm", "2026-03-10T14:00:00", "minute", "2026-03-10T16:00:00"},
    {TUE, NYC, "en", "from 1 to 3", "2026-03-10T13:00:00", "minute", "2026-03-10T15:00:00"},
    {TUE, NYC, "en", "I'm in meetings until 5", "2026-03-10T17:00:00", "minute",
     "2026-03-10T20:00:00"},
    {TUE, NYC, "en", "tomorrow after 10", "2026-03-11T10:00:00", "minute", "2026-03-11T13:00:00"},
    {TUE, NYC, "en", "at lunchtime", "2026-03-10T12:00:00", "part_of_day", "2026-03-10T14:00:00"},
    {TUE, NYC, "en", "after lunch", "2026-03-10T13:00:00", "part_of_day", "2026-03-10T16:00:00"},
    {TUE, NYC, "en", "end of the day", "2026-03-10T16:00:00", "part_of_day", "2026-03-10T18:00:00"},
    /* offsets and ranges, English */
    {TUE, NYC, "en", "in 10 days", "2026-03-20T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in like 10 days", "2026-03-20T00:00:00", "day", NULL},
    {TUE, NYC, "en", "10 days from now", "2026-03-20T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in two weeks", "2026-03-24T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in three weeks", "2026-03-31T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in a week", "2026-03-17T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in a month", "2026-04-10T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in 2 months", "2026-05-10T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in 2 or 3 days", "2026-03-12T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, NYC, "en", "in two to three days", "2026-03-12T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, NYC, "en", "in a couple of days", "2026-03-12T00:00:00", "day", "2026-03-14T00:00:00"},
    {TUE, NYC, "en", "in a few days", "2026-03-12T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in a couple of weeks", "2026-03-24T00:00:00", "day", NULL},
    {TUE, NYC, "en", "the week after next", "2026-03-24T00:00:00", "day", NULL},
    {TUE, NYC, "en", "in half an hour", "2026-03-10T10:45:00", "minute", NULL},
    {TUE, NYC, "en", "in an hour", "2026-03-10T11:15:00", "hour", NULL},
    {TUE, NYC, "en", "in an hour and a half", "2026-03-10T11:45:00", "hour", NULL},
    {TUE, NYC, "en", "in 20 minutes", "2026-03-10T10:35:00", "minute", NULL},
    {TUE, NYC, "en", "next week", "2026-03-16T00:00:00", "week", "2026-03-23T00:00:00"},
    {TUE, NYC, "en", "the following week", "2026-03-16T00:00:00", "week", NULL},
    {TUE, NYC, "en", "later this week", "2026-03-11T00:00:00", "week", "2026-03-16T00:00:00"},
    {TUE, NYC, "en", "this weekend", "2026-03-14T00:00:00", "day", "2026-03-16T00:00:00"},
    {TUE, NYC, "en", "next month", "2026-04-01T00:00:00", "month", "2026-05-01T00:00:00"},
    {TUE, NYC, "en", "end of the month", "2026-03-27T00:00:00", "week", "2026-04-01T00:00:00"},
    {TUE, NYC, "en", "at the end of next month", "2026-04-26T00:00:00", "week",
     "2026-05-01T00:00:00"},
    {TUE, NYC, "en", "early next month", "2026-04-01T00:00:00", "week", "2026-04-06T00:00:00"},
    {TUE, NYC, "en", "mid-month", "2026-03-14T00:00:00", "week", "2026-03-17T00:00:00"},
    {TUE, NYC, "en", "early May", "2026-05-01T00:00:00", "week", "2026-05-06T00:00:00"},
    {TUE, NYC, "en", "end of April", "2026-04-26T00:00:00", "week", "2026-05-01T00:00:00"},
    {TUE, NYC, "en", "in May", "2026-05-01T00:00:00", "month", "2026-06-01T00:00:00"},
    {TUE, NYC, "en", "later", "2026-03-11T10:15:00", "hour", NULL},
    {TUE, NYC, "en", "some other time", "2026-03-11T10:15:00", "hour", NULL},
    {TUE, NYC, "en", "in a bit", "2026-03-10T12:15:00", "hour", NULL},
    /* dates with month names, English */
    {TUE, NYC, "en", "April 3rd", "2026-04-03T00:00:00", "day", NULL},
    {TUE, NYC, "en", "April 3", "2026-04-03T00:00:00", "day", NULL},
    {TUE, NYC, "en", "April the third", "2026-04-03T00:00:00", "day", NULL},
    {TUE, NYC, "en", "the 3rd of April", "2026-04-03T00:00:00", "day", NULL},
    {TUE, NYC, "en", "3 April", "2026-04-03T00:00:00", "day", NULL},
    {TUE, NYC, "en", "on the first of April", "2026-04-01T00:00:00", "day", NULL},
    {TUE, NYC, "en", "April twenty-first at 2pm", "2026-04-21T14:00:00", "minute", NULL},
    {TUE, NYC, "en", "March 1st, 2027", "2027-03-01T00:00:00", "day", NULL},
    {TUE, NYC, "en", "on the 21st", "2026-03-21T00:00:00", "day", NULL},
    {TUE, NYC, "en", "the 5th", "2026-04-05T00:00:00", "day", NULL},
    {TUE, NYC, "en", "the 15th of next month", "2026-04-15T00:00:00", "day", NULL},
    {TUE, NYC, "en", "March 5th", NULL, NULL, NULL},
    {TUE, NYC, "en", "may I ask who is calling", NULL, NULL, NULL},
    /* corrections and negation, English */
    {TUE, NYC, "en", "not Friday, Monday", "2026-03-16T00:00:00", "day", NULL},
    {TUE, NYC, "en", "Friday's no good, make it Monday at 10", "2026-03-16T10:00:00", "minute",
     NULL},
    {TUE, NYC, "en", "Friday doesn't work, how about Thursday", "2026-03-12T00:00:00", "day", NULL},
    {TUE, NYC, "en", "not on Wednesday, on Thursday", "2026-03-12T00:00:00", "day", NULL},
    {TUE, NYC, "en", "instead of Monday, Tuesday", "2026-03-17T00:00:00", "day", NULL},
    {TUE, NYC, "en", "tomorrow's no good, Thursday afternoon", "2026-03-12T13:00:00", "part_of_day",
     NULL},
    /* not times, English */
    {TUE, NYC, "en", "yesterday", NULL, NULL, NULL},
    {TUE, NYC, "en", "last week", NULL, NULL, NULL},
    {TUE, NYC, "en", "last Monday", NULL, NULL, NULL},
    {TUE, NYC, "en", "3 days ago", NULL, NULL, NULL},
    {TUE, NYC, "en", "around 50 people", NULL, NULL, NULL},
    {TUE, NYC, "en", "we have 3 stores and 40 staff", NULL, NULL, NULL},
    {TUE, NYC, "en", "it costs 89.99 a month", NULL, NULL, NULL},
    {TUE, NYC, "en", "see you later", NULL, NULL, NULL},
    {TUE, NYC, "en", "good afternoon", NULL, NULL, NULL},
    {TUE, NYC, "en", "have a great weekend", NULL, NULL, NULL},
    {TUE, NYC, "en", "call me about the offer", NULL, NULL, NULL},
    /* a Sunday call asking for next week: the week that starts tomorrow */
    {SUN, MAD, "es", "la semana que viene", "2026-03-16T00:00:00", "week", "2026-03-23T00:00:00"},
    {SUN, MAD, "es", "la próxima semana por la tarde", "2026-03-16T16:00:00", "part_of_day", NULL},
    {SUN, MAD, "es", "el lunes", "2026-03-16T00:00:00", "day", NULL},
    {SUN, MAD, "es", "el domingo", "2026-03-22T00:00:00", "day", NULL},
    {SUN, MAD, "es", "el lunes de la semana que viene", "2026-03-16T00:00:00", "day", NULL},
    {SUN, MAD, "es", "el viernes de la semana que viene", "2026-03-20T00:00:00", "day", NULL},
    {SUN, MAD, "es", "esta semana", "2026-03-16T00:00:00", "week", NULL},
    {SUN, NYC, "en", "next week", "2026-03-16T00:00:00", "week", "2026-03-23T00:00:00"},
    {SUN, NYC, "en", "next Monday", "2026-03-16T00:00:00", "day", NULL},
    {SUN, NYC, "en", "next Friday", "2026-03-20T00:00:00", "day", NULL},
    {SUN, NYC, "en", "Friday next week", "2026-03-20T00:00:00", "day", NULL},
    {SUN, NYC, "en", "this Sunday", "2026-03-15T00:00:00", "day", NULL},
    {SUN, NYC, "en", "Sunday", "2026-03-22T00:00:00", "day", NULL},
    /* daylight saving: Madrid goes forward on 2026-03-29 and back on 2026-10-25 */
    {"2026-03-27T17:30", MAD, "es", "el lunes a las diez", "2026-03-30T10:00:00", "minute", NULL},
    {"2026-03-27T17:30", MAD, "es", "el domingo a las dos y media de la madrugada",
     "2026-03-29T03:30:00", "minute", NULL},
    {"2026-03-29T01:30", MAD, "es", "en 2 horas", "2026-03-29T04:30:00", "hour", NULL},
    {"2026-03-28T12:00", MAD, "es", "mañana por la mañana", "2026-03-29T09:00:00", "part_of_day",
     "2026-03-29T14:00:00"},
    {"2026-03-27T17:30", MAD, "es", "en tres días", "2026-03-30T00:00:00", "day",
     "2026-03-31T00:00:00"},
    {"2026-10-23T18:00", MAD, "es", "el lunes a las nueve y media", "2026-10-26T09:30:00", "minute",
     NULL},
    {"2026-10-25T01:30", MAD, "es", "en 3 horas", "2026-10-25T03:30:00", "hour", NULL},
    {"2026-10-24T10:00", MAD, "es", "mañana a las diez", "2026-10-25T10:00:00", "minute", NULL},
    /* daylight saving: New York goes forward on 2026-03-08 and back on 2026-11-01 */
    {"2026-03-06T16:00", NYC, "en", "Monday at 10", "2026-03-09T10:00:00", "minute", NULL},
    {"2026-03-08T01:30", NYC, "en", "in 2 hours", "2026-03-08T04:30:00", "hour", NULL},
    {"2026-03-07T09:00", NYC, "en", "tomorrow at 2:30 am", "2026-03-08T03:30:00", "minute", NULL},
    {"2026-10-30T17:00", NYC, "en", "Monday at 9:30", "2026-11-02T09:30:00", "minute", NULL},
    {"2026-11-01T00:30", NYC, "en", "in 3 hours", "2026-11-01T02:30:00", "hour", NULL},
    {"2026-10-31T10:00", NYC, "en", "tomorrow at 10", "2026-11-01T10:00:00", "minute", NULL},
    /* month ends */
    {"2026-01-30T10:00", MAD, "es", "a finales de mes", "2026-01-31T00:00:00", "week",
     "2026-02-01T00:00:00"},
    {"2026-01-31T10:00", MAD, "es", "a finales de mes", "2026-02-24T00:00:00", "week",
     "2026-03-01T00:00:00"},
    {"2026-01-31T10:00", MAD, "es", "dentro de un mes", "2026-02-28T00:00:00", "day", NULL},
    {"2026-01-31T10:00", MAD, "es", "mañana", "2026-02-01T00:00:00", "day", NULL},
    {"2026-01-31T10:00", MAD, "es", "el mes que viene", "2026-02-01T00:00:00", "month",
     "2026-03-01T00:00:00"},
    {"2026-04-20T09:30", MAD, "es", "el día 31", "2026-05-31T00:00:00", "day", NULL},
    {"2026-04-20T09:30", NYC, "en", "on the 31st", "2026-05-31T00:00:00", "day", NULL},
    {"2026-04-30T09:30", MAD, "es", "mañana", "2026-05-01T00:00:00", "day", NULL},
    {"2026-04-30T09:30", MAD, "es", "el 31", NULL, NULL, NULL},
    {"2026-02-27T10:00", NYC, "en", "the day after tomorrow", "2026-03-01T00:00:00", "day", NULL},
    {"2026-06-30T10:00", NYC, "en", "in 2 days", "2026-07-02T00:00:00", "day", NULL},
    {"2026-08-31T10:00", NYC, "en", "in a month", "2026-09-30T00:00:00", "day", NULL},
    {"2026-12-30T10:00", MAD, "es", "el 2 de enero", "2027-01-02T00:00:00", "day", NULL},
    {"2026-12-30T10:00", MAD, "es", "la semana que viene", "2027-01-04T00:00:00", "week",
     "2027-01-11T00:00:00"},
    {"2026-12-30T10:00", MAD, "es", "el mes que viene", "2027-01-01T00:00:00", "month",
     "2027-02-01T00:00:00"},
    {"2026-12-31T10:00", NYC, "en", "tomorrow", "2027-01-01T00:00:00", "day", NULL},
    {"2026-12-31T10:00", NYC, "en", "end of next month", "2027-01-27T00:00:00", "week",
     "2027-02-01T00:00:00"},
    /* the leap day */
    {"2028-02-28T12:00", MAD, "es", "mañana a las cinco", "2028-02-29T17:00:00", "minute", NULL},
    {"2028-02-28T12:00", MAD, "es", "pasado mañana", "2028-03-01T00:00:00", "day", NULL},
    {"2028-02-28T12:00", MAD, "es", "el 29 de febrero", "2028-02-29T00:00:00", "day", NULL},
    {"2028-02-28T12:00", MAD, "es", "a finales de mes", "2028-02-29T00:00:00", "week",
     "2028-03-01T00:00:00"},
    {"2027-03-10T12:00", MAD, "es", "el 29 de febrero", "2028-02-29T00:00:00", "day", NULL},
    {"2026-03-10T12:00", NYC, "en", "February 29th", "2028-02-29T00:00:00", "day", NULL},
    {"2028-01-31T12:00", NYC, "en", "in a month", "2028-02-29T00:00:00", "day", NULL},
    {"2028-02-29T12:00", NYC, "en", "in a year", NULL, NULL, NULL},
    {"2028-02-29T12:00", NYC, "en", "tomorrow", "2028-03-01T00:00:00", "day", NULL},
    {"2024-02-28T12:00", NYC, "en", "in 2 days", "2024-03-01T00:00:00", "day", NULL},
    /* other zones */
    {TUE, "America/Mexico_City", "es", "mañana a las 11 de la mañana", "2026-03-11T11:00:00",
     "minute", NULL},
    {TUE, "America/Bogota", "es", "el próximo jueves en la tarde", "2026-03-12T16:00:00",
     "part_of_day", NULL},
    {TUE, "Europe/London", "en", "tomorrow at half past nine", "2026-03-11T09:30:00", "minute",
     NULL},
    {TUE, "America/Los_Angeles", "en", "Thursday afternoon", "2026-03-12T13:00:00", "part_of_day",
     NULL},
};

/* Resolves expr and formats the start and end in the zone. */
static bool resolve(const struct expect *c, struct time_ref *r, char *value, char *until)
{
    struct local_zone *z = NULL;
    struct oc_arena *arena = NULL;
    struct civil now;
    cr_assert_eq(local_zone_new(&z, c->tz), OC_OK, "zone %s", c->tz);
    cr_assert(civil_parse(c->now, &now), "now %s", c->now);
    cr_assert_eq(oc_arena_new(&arena, 4096), OC_OK);
    struct tokens tk;
    cr_assert_eq(tokens_from_text(&tk, arena, c->expr), OC_OK);
    struct time_context ctx = {.zone = z,
                               .now_ms = local_zone_to_ms(z, &now),
                               .lang = strcmp(c->lang, "es") == 0 ? LANG_ES : LANG_EN};
    bool found = time_resolver_resolve(&ctx, &tk, r);
    if (found) {
        struct civil a = local_zone_from_ms(z, r->at_ms), b = local_zone_from_ms(z, r->end_ms);
        civil_format(&a, value, 32);
        civil_format(&b, until, 32);
    }
    oc_arena_free(arena);
    local_zone_free(z);
    return found;
}

Test(time_resolver, resolves_every_listed_expression)
{
    size_t failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expect *c = &cases[i];
        struct time_ref r;
        char value[32] = "", until[32] = "";
        bool found = resolve(c, &r, value, until);
        bool ok;
        if (!c->value)
            ok = !found;
        else
            ok = found && strcmp(value, c->value) == 0 &&
                 (!c->grain || strcmp(time_resolver_grain_name(r.grain), c->grain) == 0) &&
                 (!c->until || strcmp(until, c->until) == 0);
        if (!ok) {
            failures++;
            cr_log_error("now %s %s [%s] \"%s\": expected %s %s %s, got %s %s %s", c->now, c->tz,
                         c->lang, c->expr, c->value ? c->value : "nothing",
                         c->grain ? c->grain : "", c->until ? c->until : "",
                         found ? value : "nothing", found ? time_resolver_grain_name(r.grain) : "",
                         found ? until : "");
        }
    }
    cr_assert_eq(failures, 0, "%zu of %zu expressions resolved wrongly", failures,
                 sizeof(cases) / sizeof(cases[0]));
}

/* Instants, not only wall-clock values: the offset changes with the clocks. */
Test(time_resolver, converts_across_daylight_saving_changes)
{
    static const struct {
        const char *now, *tz, *lang, *expr;
        int64_t unix_ms;
    } dst[] = {
        /* 2026-03-30 10:00 CEST = 08:00 UTC */
        {"2026-03-27T17:30", MAD, "es", "el lunes a las diez", 1774857600000},
        /* 2026-03-27 10:00 CET = 09:00 UTC, before the change */
        {"2026-03-25T17:30", MAD, "es", "el viernes a las diez", 1774602000000},
        /* 2026-10-26 09:30 CET = 08:30 UTC */
        {"2026-10-23T18:00", MAD, "es", "el lunes a las nueve y media", 1793003400000},
        /* 2026-03-09 10:00 EDT = 14:00 UTC */
        {"2026-03-06T16:00", NYC, "en", "Monday at 10", 1773064800000},
        /* 2026-11-02 09:30 EST = 14:30 UTC */
        {"2026-10-30T17:00", NYC, "en", "Monday at 9:30", 1793629800000},
    };
    for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
        struct expect c = {dst[i].now, dst[i].tz, dst[i].lang, dst[i].expr, NULL, NULL, NULL};
        struct time_ref r;
        char value[32], until[32];
        cr_assert(resolve(&c, &r, value, until), "\"%s\" found nothing", dst[i].expr);
        cr_expect_eq(r.at_ms, dst[i].unix_ms, "\"%s\": %lld, expected %lld", dst[i].expr,
                     (long long)r.at_ms, (long long)dst[i].unix_ms);
    }
}

/* ------------------------------------------------------------ generated */

/* An independent date calculator for the generated cases: Sakamoto's weekday. */
static int weekday_of(int y, int m, int d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y--;
    int w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7; /* Sunday 0 */
    return w == 0 ? 7 : w;
}

static int month_days(int y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

static void next_day(int *y, int *m, int *d)
{
    if (++*d > month_days(*y, *m)) {
        *d = 1;
        if (++*m > 12) {
            *m = 1;
            ++*y;
        }
    }
}

static const char *const days_es[] = {"",       "lunes",   "martes", "miércoles",
                                      "jueves", "viernes", "sábado", "domingo"};
static const char *const days_en[] = {"",         "Monday", "Tuesday",  "Wednesday",
                                      "Thursday", "Friday", "Saturday", "Sunday"};

/* Calls on every day of a week that crosses a month end and a DST change. */
static const char *const gen_nows[] = {"2026-03-26T10:00", "2026-03-27T10:00", "2026-03-28T10:00",
                                       "2026-03-29T10:00", "2026-03-30T10:00", "2026-03-31T10:00",
                                       "2026-04-01T10:00", "2028-02-25T10:00", "2028-02-27T10:00"};

Test(time_resolver, a_weekday_is_its_next_occurrence_after_today)
{
    size_t n = 0, failures = 0;
    for (size_t k = 0; k < sizeof(gen_nows) / sizeof(gen_nows[0]); k++) {
        int y, m, d;
        sscanf(gen_nows[k], "%d-%d-%d", &y, &m, &d);
        int today = weekday_of(y, m, d);
        for (int wd = 1; wd <= 7; wd++) {
            int yy = y, mm = m, dd = d;
            do
                next_day(&yy, &mm, &dd);
            while (weekday_of(yy, mm, dd) != wd);
            char want[32];
            snprintf(want, sizeof(want), "%04d-%02d-%02dT00:00:00", yy, mm, dd);
            for (int l = 0; l < 2; l++) {
                char expr[64];
                snprintf(expr, sizeof(expr), l == 0 ? "el %s" : "on %s",
                         l == 0 ? days_es[wd] : days_en[wd]);
                struct expect c = {
                    gen_nows[k], l == 0 ? MAD : NYC, l == 0 ? "es" : "en", expr, want, "day", NULL};
                struct time_ref r;
                char value[32] = "", until[32];
                n++;
                if (!resolve(&c, &r, value, until) || strcmp(value, want) != 0) {
                    failures++;
                    cr_log_error("now %s (weekday %d) \"%s\": expected %s, got %s", gen_nows[k],
                                 today, expr, want, value);
                }
            }
        }
    }
    cr_assert_eq(failures, 0, "%zu of %zu weekdays wrong", failures, n);
}

Test(time_resolver, in_n_days_counts_calendar_days)
{
    static const char *const words_es[] = {"",     "un",    "dos",     "tres",  "cuatro", "cinco",
                                           "seis", "siete", "ocho",    "nueve", "diez",   "once",
                                           "doce", "trece", "catorce", "quince"};
    size_t n = 0, failures = 0;
    for (size_t k = 0; k < sizeof(gen_nows) / sizeof(gen_nows[0]); k++) {
        int y, m, d;
        sscanf(gen_nows[k], "%d-%d-%d", &y, &m, &d);
        for (int days = 1; days <= 15; days++) {
            int yy = y, mm = m, dd = d;
            for (int s = 0; s < days; s++)
                next_day(&yy, &mm, &dd);
            char want[32];
            snprintf(want, sizeof(want), "%04d-%02d-%02dT00:00:00", yy, mm, dd);
            char exprs[3][64];
            snprintf(exprs[0], 64, "dentro de %s %s", words_es[days], days == 1 ? "día" : "días");
            snprintf(exprs[1], 64, "en %d días", days);
            snprintf(exprs[2], 64, "in %d days", days);
            for (int e = 0; e < 3; e++) {
                struct expect c = {
                    gen_nows[k], e < 2 ? MAD : NYC, e < 2 ? "es" : "en", exprs[e], want, "day",
                    NULL};
                struct time_ref r;
                char value[32] = "", until[32];
                n++;
                if (!resolve(&c, &r, value, until) || strcmp(value, want) != 0) {
                    failures++;
                    cr_log_error("now %s \"%s\": expected %s, got %s", gen_nows[k], exprs[e], want,
                                 value);
                }
            }
        }
    }
    cr_assert_eq(failures, 0, "%zu of %zu offsets wrong", failures, n);
}
