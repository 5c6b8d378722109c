/*
 * The decisions (see outcome_rules.h). The contact's turns are read once
 * for signals, in order, so the last word wins where people change their
 * mind ("no me interesa... bueno, llámame la semana que viene" is a
 * callback; "suena interesante... no, no nos interesa" is a refusal).
 * Times come from the contact's turns, the last one that is not negated or
 * past; an earlier mention of a day the contact later turned down is
 * dropped with it ("¿me llamas el viernes?" ... "el viernes no puedo").
 */
#include <string.h>

#include "local_time.h"
#include "outcome_rules.h"
#include "phrase.h"

#define HOUR_MS 3600000LL

enum signal {
    SIG_NOT_INTERESTED = 1,
    SIG_INTEREST,
    SIG_CALL_REQUEST,
    SIG_BUSY,
    SIG_SEND_INFO,
    SIG_SELF_CALLBACK,
    SIG_WRONG_NUMBER,
    SIG_VOICEMAIL,
    SIG_AMBIGUOUS,
    SIG_AFFIRM,
    SIG_NEUTRAL,        /* hides what it contains ("no me llames al fijo") */
    SIG_MEETING_BOOKED, /* agent: the meeting is booked */
    SIG_BOOK_ME,        /* contact: "resérvame", "book me" */
    SIG_NO_TALK,        /* "¿hola? no te oigo", "hello? I can't hear you" */
};

static const struct phrase_entry contact_table[] = {
    /* refusals */
    {"no me|nos interesa|interesan ?nada|mucho", PHRASE_ES, SIG_NOT_INTERESTED},
    {"tampoco me|nos interesa", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no estoy|estamos interesado|interesada|interesados|interesadas", PHRASE_ES,
     SIG_NOT_INTERESTED},
    {"no ?, gracias", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no necesito|necesitamos nada|eso|ninguno|ninguna", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no lo|la|los necesito|necesitamos", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no me|nos hace falta", PHRASE_ES, SIG_NOT_INTERESTED},
    {"ya tenemos|tengo proveedor|seguro|algo|compania|empresa|uno|una|todo", PHRASE_ES,
     SIG_NOT_INTERESTED},
    {"estamos|estoy ?muy contentos|contento|contenta|servidos|servido", PHRASE_ES,
     SIG_NOT_INTERESTED},
    {"no voy|vamos a cambiar", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no quiero|queremos nada", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no estamos|estoy para gastos", PHRASE_ES, SIG_NOT_INTERESTED},
    {"la verdad es que no", PHRASE_ES, SIG_NOT_INTERESTED},
    {"estamos|estoy bien asi", PHRASE_ES, SIG_NOT_INTERESTED},
    {"no nos|me va|vamos|voy a hacer falta", PHRASE_ES, SIG_NOT_INTERESTED},
    {"ya lo tenemos|tengo cubierto|resuelto", PHRASE_ES, SIG_NOT_INTERESTED},
    {"ya tenemos|tengo transportista|gestor|gestoria|asesor|instalador|alarma", PHRASE_ES,
     SIG_NOT_INTERESTED},
    {"not ?really|very|that|too interested", PHRASE_EN, SIG_NOT_INTERESTED},
    {"{were|we are|im|i am} not looking", PHRASE_EN, SIG_NOT_INTERESTED},
    {"{were|we are} happy|satisfied|covered|fine|good ?where|with", PHRASE_EN,
     SIG_NOT_INTERESTED},
    {"{im|i am} happy|satisfied|covered ?where|with", PHRASE_EN, SIG_NOT_INTERESTED},
    {"thanks anyway", PHRASE_EN, SIG_NOT_INTERESTED},
    {"no need", PHRASE_EN, SIG_NOT_INTERESTED},
    {"{dont|do not} need anything|it|that", PHRASE_EN, SIG_NOT_INTERESTED},
    {"nah|nope", PHRASE_EN, SIG_NOT_INTERESTED},
    {"we|i already have|got|use", PHRASE_EN, SIG_NOT_INTERESTED},
    {"weve|ive already got", PHRASE_EN, SIG_NOT_INTERESTED},
    {"no thanks|thank", PHRASE_EN, SIG_NOT_INTERESTED},
    {"no , thanks|thank", PHRASE_EN, SIG_NOT_INTERESTED},
    {"{were|im|we are|i am} all set", PHRASE_EN, SIG_NOT_INTERESTED},
    {"{were|we are} good|fine", PHRASE_EN, SIG_NOT_INTERESTED},
    {"no ?, {im|i am} good|fine", PHRASE_EN, SIG_NOT_INTERESTED},
    {"not switching|changing", PHRASE_EN, SIG_NOT_INTERESTED},
    {"i|we {dont|do not} need anything|it|that|this", PHRASE_EN, SIG_NOT_INTERESTED},
    {"too expensive|much", PHRASE_EN, SIG_NOT_INTERESTED},
    {"way too much|expensive", PHRASE_EN, SIG_NOT_INTERESTED},
    {"not for us|me", PHRASE_EN, SIG_NOT_INTERESTED},
    {"ill|we|well pass", PHRASE_EN, SIG_NOT_INTERESTED},
    {"yeah , no", PHRASE_EN, SIG_NOT_INTERESTED},
    /* interest */
    {"me|nos interesa|interesaria|interesan", PHRASE_ES, SIG_INTEREST},
    {"estoy|estamos interesado|interesada|interesados", PHRASE_ES, SIG_INTEREST},
    {"suena interesante|bien", PHRASE_ES, SIG_INTEREST},
    {"lo|la estaba|estabamos mirando", PHRASE_ES, SIG_INTEREST},
    {"justo ahora|ahorita ?andamos|estamos", PHRASE_ES, SIG_INTEREST},
    {"tenia|tengo que pedir", PHRASE_ES, SIG_INTEREST},
    {"{im|i am|were|we are} interested", PHRASE_EN, SIG_INTEREST},
    {"sounds interesting", PHRASE_EN, SIG_INTEREST},
    {"{i might|i may|might} be interested", PHRASE_EN, SIG_AMBIGUOUS},
    {"me encaja|cuadra", PHRASE_ES, SIG_INTEREST},
    {"that actually sounds interesting", PHRASE_EN, SIG_INTEREST},
    {"{i was|we were} ?actually looking into", PHRASE_EN, SIG_INTEREST},
    {"{weve|we have} been meaning to", PHRASE_EN, SIG_INTEREST},
    {"i need to book", PHRASE_EN, SIG_INTEREST},
    /* asked to be called */
    {"llamame|llameme|llamadme|llamenme|llamala|llamale|llamalo|llamales|llamarme|llamarle"
     "|llamarla|llamadle|llamadla|llamenle|llamenla",
     PHRASE_ES, SIG_CALL_REQUEST},
    {"me|nos llamas|llamais|llaman|llama|llamara|llamaras|llamarais", PHRASE_ES, SIG_CALL_REQUEST},
    {"llame|llamad|llamen", PHRASE_ES, SIG_CALL_REQUEST},
    {"llama a|al", PHRASE_ES, SIG_CALL_REQUEST},
    {"vuelve|vuelva|volved|vuelvan a llamar*", PHRASE_ES, SIG_CALL_REQUEST},
    {"marcame|marqueme|marquele|marcale|marcadme", PHRASE_ES, SIG_CALL_REQUEST},
    {"me puede|puedes marcar", PHRASE_ES, SIG_CALL_REQUEST},
    {"intentalo|intentelo|probad|prueba|pruebe", PHRASE_ES, SIG_CALL_REQUEST},
    {"hablamos|hablemos", PHRASE_ES, SIG_CALL_REQUEST},
    {"lo hablamos|vemos", PHRASE_ES, SIG_CALL_REQUEST},
    {"y vemos", PHRASE_ES, SIG_CALL_REQUEST},
    {"cuando puedas|pueda|quieras|quiera", PHRASE_ES, SIG_CALL_REQUEST},
    {"call|ring|try|reach me|us|her|him|them|back", PHRASE_EN, SIG_CALL_REQUEST},
    {"call my|his|her cell|mobile|number|phone", PHRASE_EN, SIG_CALL_REQUEST},
    {"give me|us|her|him a call|ring|buzz", PHRASE_EN, SIG_CALL_REQUEST},
    {"can|could|would you call|ring|try", PHRASE_EN, SIG_CALL_REQUEST},
    {"talk|speak to|with", PHRASE_EN, SIG_CALL_REQUEST},
    {"{we can|well|lets} talk", PHRASE_EN, SIG_CALL_REQUEST},
    {"whenever", PHRASE_EN, SIG_CALL_REQUEST},
    {"hit me up", PHRASE_EN, SIG_CALL_REQUEST},
    {"{reach out|get back to me|follow up}", PHRASE_EN, SIG_CALL_REQUEST},
    {"lets talk|speak|chat", PHRASE_EN, SIG_CALL_REQUEST},
    /* busy */
    {"no puedo", PHRASE_ES, SIG_BUSY},
    {"ahora ?mismo no", PHRASE_ES, SIG_BUSY},
    {"no es buen momento", PHRASE_ES, SIG_BUSY},
    {"estoy|voy|ando conduciendo|reunido|reunida|ocupado|ocupada|liado|liada|liadisimo"
     "|liadisima|trabajando|currando|comiendo|manejando",
     PHRASE_ES, SIG_BUSY},
    {"estoy en una|el|la|clase|reunion|medico|trabajo|taller|super|hospital", PHRASE_ES, SIG_BUSY},
    {"estoy con un|una cliente|reunion", PHRASE_ES, SIG_BUSY},
    {"estoy hasta arriba", PHRASE_ES, SIG_BUSY},
    {"me pillas|pilla fuera|mal", PHRASE_ES, SIG_BUSY},
    {"no me da la vida", PHRASE_ES, SIG_BUSY},
    {"ahorita estoy", PHRASE_ES, SIG_BUSY},
    {"cant|cannot talk", PHRASE_EN, SIG_BUSY},
    {"not a good time", PHRASE_EN, SIG_BUSY},
    {"not right now", PHRASE_EN, SIG_BUSY},
    {"nows not good", PHRASE_EN, SIG_BUSY},
    {"bad time", PHRASE_EN, SIG_BUSY},
    {"{i am|im} "
     "driving|busy|swamped|slammed|tied|walking|heading|eating|at|in|with|just|traveling|"
     "travelling|out|away",
     PHRASE_EN, SIG_BUSY},
    {"i cant right now", PHRASE_EN, SIG_BUSY},
    /* information */
    {"mandame|mandeme|enviame|envieme|mandamela|mandamelo|enviamela|enviamelo|mandadme"
     "|enviadme|mandenme",
     PHRASE_ES, SIG_SEND_INFO},
    {"me mandas|envias|mandais|envian|manda|envia ?la|el|algo|informacion|info", PHRASE_ES,
     SIG_SEND_INFO},
    {"send me|it|over|the|some", PHRASE_EN, SIG_SEND_INFO},
    {"email|mail me", PHRASE_EN, SIG_SEND_INFO},
    {"just email|mail me", PHRASE_EN, SIG_SEND_INFO},
    {"shoot|drop me|us an|a email|mail|line|message|note", PHRASE_EN, SIG_SEND_INFO},
    {"escribeme|escribame|escribidme", PHRASE_ES, SIG_SEND_INFO},
    {"mandame|enviame|manda|envia un correo|email|whatsapp|mensaje", PHRASE_ES, SIG_SEND_INFO},
    /* the contact will call */
    {"ya te|le|os|les llamo|llamare|llamaremos|buscare|busco ?yo", PHRASE_ES, SIG_SELF_CALLBACK},
    {"te|le|os|les llamo|llamare yo", PHRASE_ES, SIG_SELF_CALLBACK},
    {"ya me pondre|pondremos en contacto", PHRASE_ES, SIG_SELF_CALLBACK},
    {"{ill|we will|well|i will} call|ring you|back", PHRASE_EN, SIG_SELF_CALLBACK},
    {"{ill|we will|well|i will} get back to you", PHRASE_EN, SIG_SELF_CALLBACK},
    {"{ill|we will|well|i will} {reach out|be in touch}", PHRASE_EN, SIG_SELF_CALLBACK},
    {"{ill|i will} look you up", PHRASE_EN, SIG_SELF_CALLBACK},
    {"{ill|i will} let you know", PHRASE_EN, SIG_SELF_CALLBACK},
    /* wrong number */
    {"se ha|han equivocado|confundido", PHRASE_ES, SIG_WRONG_NUMBER},
    {"se equivoca", PHRASE_ES, SIG_WRONG_NUMBER},
    {"numero equivocado", PHRASE_ES, SIG_WRONG_NUMBER},
    {"aqui no vive|hay ningun|ninguna|nadie", PHRASE_ES, SIG_WRONG_NUMBER},
    {"aqui no vive", PHRASE_ES, SIG_WRONG_NUMBER},
    {"ya no vive aqui", PHRASE_ES, SIG_WRONG_NUMBER},
    {"no vive aqui", PHRASE_ES, SIG_WRONG_NUMBER},
    {"the wrong person|guy|number", PHRASE_EN, SIG_WRONG_NUMBER},
    {"no conozco a ningun|ninguna|nadie", PHRASE_ES, SIG_WRONG_NUMBER},
    {"este numero ya no es", PHRASE_ES, SIG_WRONG_NUMBER},
    {"ya no es de", PHRASE_ES, SIG_WRONG_NUMBER},
    {"wrong number", PHRASE_EN, SIG_WRONG_NUMBER},
    {"{youve|you have|you ve} got the wrong", PHRASE_EN, SIG_WRONG_NUMBER},
    {"{theres|there is} no _ here", PHRASE_EN, SIG_WRONG_NUMBER},
    {"{no one|nobody} by that name", PHRASE_EN, SIG_WRONG_NUMBER},
    {"{doesnt|does not} live here", PHRASE_EN, SIG_WRONG_NUMBER},
    {"this {isnt|is not} _ number", PHRASE_EN, SIG_WRONG_NUMBER},
    /* voicemail greetings */
    {"deje|deja|dejen|dejad su|tu|un ?mensaje", PHRASE_ES, SIG_VOICEMAIL},
    {"despues de ?oir la senal|tono", PHRASE_ES, SIG_VOICEMAIL},
    {"tras {la senal|el tono}", PHRASE_ES, SIG_VOICEMAIL},
    {"buzon de voz", PHRASE_ES, SIG_VOICEMAIL},
    {"grabe su mensaje", PHRASE_ES, SIG_VOICEMAIL},
    {"has|ha llamado a", PHRASE_ES, SIG_VOICEMAIL},
    {"no esta disponible", PHRASE_ES, SIG_VOICEMAIL},
    {"leave a|your message", PHRASE_EN, SIG_VOICEMAIL},
    {"after the tone|beep", PHRASE_EN, SIG_VOICEMAIL},
    {"at the tone|beep", PHRASE_EN, SIG_VOICEMAIL},
    {"{youve|you have} reached", PHRASE_EN, SIG_VOICEMAIL},
    {"cant|cannot come to the phone", PHRASE_EN, SIG_VOICEMAIL},
    {"cant|cannot take your call", PHRASE_EN, SIG_VOICEMAIL},
    {"record your message", PHRASE_EN, SIG_VOICEMAIL},
    {"is not available", PHRASE_EN, SIG_VOICEMAIL},
    {"voicemail|mailbox", PHRASE_EN, SIG_VOICEMAIL},
    /* hesitation */
    {"a lo mejor", PHRASE_ES, SIG_AMBIGUOUS},
    {"quizas|quiza|igual", PHRASE_ES, SIG_AMBIGUOUS},
    {"tal vez", PHRASE_ES, SIG_AMBIGUOUS},
    {"puede que", PHRASE_ES, SIG_AMBIGUOUS},
    {"no se", PHRASE_ES, SIG_AMBIGUOUS},
    {"ya veremos", PHRASE_ES, SIG_AMBIGUOUS},
    {"si eso", PHRASE_ES, SIG_AMBIGUOUS},
    {"no estoy segur*", PHRASE_ES, SIG_AMBIGUOUS},
    {"maybe|perhaps", PHRASE_EN, SIG_AMBIGUOUS},
    {"i {dont|do not} know", PHRASE_EN, SIG_AMBIGUOUS},
    {"not sure", PHRASE_EN, SIG_AMBIGUOUS},
    {"i guess", PHRASE_EN, SIG_AMBIGUOUS},
    {"could be", PHRASE_EN, SIG_AMBIGUOUS},
    {"might|possibly", PHRASE_EN, SIG_AMBIGUOUS},
    {"id|i would have to think", PHRASE_EN, SIG_AMBIGUOUS},
    {"igual si", PHRASE_ES, SIG_AMBIGUOUS},
    {"tendria|tendre que verlo|pensarlo", PHRASE_ES, SIG_AMBIGUOUS},
    /* nobody could talk */
    {"no te|le|se oigo|oye ?bien|nada", PHRASE_ES, SIG_NO_TALK},
    {"no se oye ?nada|bien", PHRASE_ES, SIG_NO_TALK},
    {"se corta|entrecorta", PHRASE_ES, SIG_NO_TALK},
    {"hola|diga|digame|perdona|perdone|oiga|alo|bueno ??", PHRASE_ES, SIG_NO_TALK},
    {"{cant|cannot|can barely|barely} hear you|anything", PHRASE_EN, SIG_NO_TALK},
    {"i can barely hear", PHRASE_EN, SIG_NO_TALK},
    {"youre breaking up", PHRASE_EN, SIG_NO_TALK},
    {"hello|hi ??", PHRASE_EN, SIG_NO_TALK},
    /* agreement */
    {"si|vale|perfecto|claro|genial|estupendo|hecho|okey|ok", PHRASE_ES, SIG_AFFIRM},
    {"de acuerdo", PHRASE_ES, SIG_AFFIRM},
    {"me va|viene bien", PHRASE_ES, SIG_AFFIRM},
    {"muy bien", PHRASE_ES, SIG_AFFIRM},
    {"yes|yeah|yep|sure|perfect|okay|ok|great|fine|absolutely", PHRASE_EN, SIG_AFFIRM},
    {"sounds good|great", PHRASE_EN, SIG_AFFIRM},
    {"that works", PHRASE_EN, SIG_AFFIRM},
    {"works for me", PHRASE_EN, SIG_AFFIRM},
    /* a meeting asked for */
    {"reservame|resérveme|agendame|agendeme", PHRASE_ES, SIG_BOOK_ME},
    {"book me|us", PHRASE_EN, SIG_BOOK_ME},
    /* wordings that hide what they contain */
    {"no me|nos llam*", PHRASE_ES, SIG_NEUTRAL},
    {"{dont|do not} call", PHRASE_EN, SIG_NEUTRAL},
    {"no problem|worries", PHRASE_EN, SIG_NEUTRAL},
    {"no hay problema", PHRASE_ES, SIG_NEUTRAL},
    {"if {im|i am|were|we are|i|we} ?get|become|end interested", PHRASE_EN, SIG_NEUTRAL},
    {"si me|nos interesa|interesara", PHRASE_ES, SIG_NEUTRAL},
    {"at work", PHRASE_EN, SIG_BUSY},
};

static const struct phrase_entry agent_table[] = {
    {"queda|quedan|queda reservad*|agendad*|confirmad*", PHRASE_ES, SIG_MEETING_BOOKED},
    {"le|te he reservado|agendado", PHRASE_ES, SIG_MEETING_BOOKED},
    {"le|te|se dejo .. reservad*|agendad*", PHRASE_ES, SIG_MEETING_BOOKED},
    {"dejo reservad*|agendad*", PHRASE_ES, SIG_MEETING_BOOKED},
    {"reservado|reservada|agendado|agendada el|la|para", PHRASE_ES, SIG_MEETING_BOOKED},
    {"{youre|you are} booked", PHRASE_EN, SIG_MEETING_BOOKED},
    {"{ive|i have} booked", PHRASE_EN, SIG_MEETING_BOOKED},
    {"booked for|the|you", PHRASE_EN, SIG_MEETING_BOOKED},
    {"{youre|you are} all set for", PHRASE_EN, SIG_MEETING_BOOKED},
};

static struct phrase_lazy contact_phrases = PHRASE_LAZY(contact_table);
static struct phrase_lazy agent_phrases = PHRASE_LAZY(agent_table);

/* What the contact said, in order. */
struct stance {
    unsigned seen;             /* bit per signal */
    enum signal last_decisive; /* the last refusal or positive signal */
    size_t last_decisive_at;   /* its token */
    size_t decisive_turn;
    size_t contact_words;
    size_t contact_turns;
    bool voicemail_first; /* the first thing heard was a voicemail greeting */
    size_t first_contact_turn;
    bool book_me;
};

#define BIT(s) (1u << (s))

static bool positive(enum signal s)
{
    return s == SIG_CALL_REQUEST || s == SIG_INTEREST || s == SIG_SEND_INFO || s == SIG_BUSY ||
           s == SIG_SELF_CALLBACK || s == SIG_BOOK_ME;
}

static void read_stance(const struct tokens *tk, enum lang lang, struct stance *st)
{
    const struct phrase_set *set = phrase_lazy_get(&contact_phrases);
    memset(st, 0, sizeof(*st));
    st->first_contact_turn = (size_t)-1;
    for (size_t t = 0; t < tk->n_turns; t++) {
        if (tk->turns[t].speaker != SPEAKER_CONTACT)
            continue;
        size_t b = tk->turn_begin[t], e = tk->turn_begin[t + 1];
        st->contact_turns++;
        if (st->first_contact_turn == (size_t)-1)
            st->first_contact_turn = t;
        for (size_t i = b; i < e; i++)
            if (tk->v[i].kind != TOKEN_PUNCT)
                st->contact_words++;
        for (size_t i = b; i < e;) {
            struct phrase_match m;
            if (!phrase_match_at(set, tk, i, e, lang, &m)) {
                i++;
                continue;
            }
            enum signal s = (enum signal)m.entry->value;
            st->seen |= BIT(s);
            if (s == SIG_VOICEMAIL && t == st->first_contact_turn)
                st->voicemail_first = true;
            if (s == SIG_BOOK_ME)
                st->book_me = true;
            /* Busy alone does not override a refusal ("ahora no, no me interesa"),
             * and a refusal after it is decisive. */
            if (s == SIG_NOT_INTERESTED || (positive(s) && s != SIG_BUSY) ||
                (s == SIG_BUSY && st->last_decisive != SIG_NOT_INTERESTED)) {
                st->last_decisive = s;
                st->last_decisive_at = i;
                st->decisive_turn = t;
            }
            i = m.end;
        }
    }
}

/* Whether a signal occurs in turn t. */
static bool turn_has(const struct tokens *tk, size_t t, enum lang lang, enum signal want)
{
    const struct phrase_set *set = phrase_lazy_get(&contact_phrases);
    size_t b = tk->turn_begin[t], e = tk->turn_begin[t + 1];
    for (size_t i = b; i < e;) {
        struct phrase_match m;
        if (!phrase_match_at(set, tk, i, e, lang, &m)) {
            i++;
            continue;
        }
        if ((enum signal)m.entry->value == want)
            return true;
        i = m.end;
    }
    return false;
}

/* ------------------------------------------------------------ times */

static int64_t civil_plus_days_same_time(struct local_zone *z, int64_t now_ms, int days)
{
    struct civil c = local_zone_from_ms(z, now_ms);
    c = civil_add_days(c, days);
    return local_zone_to_ms(z, &c);
}

/* The follow-up's time from a mention. */
static void due_from_ref(const struct time_context *ctx, const struct time_ref *r,
                         struct outcome_decision *d)
{
    int64_t now = ctx->now_ms;
    d->grain = r->grain;
    d->window_start_ms = d->window_end_ms = 0;
    d->time_explicit = r->kind == TIME_EXPLICIT;
    switch (r->kind) {
    case TIME_LATER:
        d->due_ms = now + 24 * HOUR_MS;
        d->why = WHY_LATER;
        return;
    case TIME_WHILE:
        d->due_ms = now + 2 * HOUR_MS;
        d->why = WHY_WHILE;
        return;
    case TIME_NEXT_WEEK:
        d->due_ms = civil_plus_days_same_time(ctx->zone, now, 7);
        if (d->due_ms < r->start_ms || d->due_ms >= r->end_ms)
            d->due_ms = r->start_ms;
        d->window_start_ms = r->start_ms;
        d->window_end_ms = r->end_ms;
        d->why = WHY_NEXT_WEEK;
        return;
    case TIME_FEW_DAYS:
        d->due_ms = now + 48 * HOUR_MS;
        d->window_start_ms = now + 48 * HOUR_MS;
        d->window_end_ms = now + 72 * HOUR_MS;
        d->why = WHY_FEW_DAYS;
        return;
    case TIME_EXPLICIT:
        break;
    }
    d->why = WHY_TIME_NAMED;
    if (r->clock) {
        d->due_ms = r->at_ms < now ? now : r->at_ms;
        if (r->window) {
            d->window_start_ms = r->start_ms;
            d->window_end_ms = r->end_ms;
        }
        return;
    }
    /* A day or a range of days: the first day at the time of day the
     * contact answered this call, when they were reachable. */
    struct civil n = local_zone_from_ms(ctx->zone, now);
    struct civil day = local_zone_from_ms(ctx->zone, r->start_ms);
    day.hour = n.hour;
    day.minute = n.minute;
    d->due_ms = local_zone_to_ms(ctx->zone, &day);
    if (d->due_ms <= now)
        d->due_ms = now + 2 * HOUR_MS < r->end_ms ? now + 2 * HOUR_MS : r->start_ms;
    if (d->due_ms < now)
        d->due_ms = now;
    d->window_start_ms = r->start_ms;
    d->window_end_ms = r->end_ms;
    /* A range of days asked for ("en dos o tres días") is not one day. */
    if (r->window && r->end_ms - r->start_ms > 25 * HOUR_MS && r->grain == GRAIN_DAY)
        d->time_explicit = false;
}

static bool same_day(struct local_zone *z, int64_t a, int64_t b)
{
    struct civil x = local_zone_from_ms(z, a), y = local_zone_from_ms(z, b);
    return x.year == y.year && x.month == y.month && x.day == y.day;
}

/*
 * The time the contact asked for: the last usable mention in the contact's
 * turns. Mentions of a day the contact turned down later do not count.
 */
static const struct time_ref *chosen_time(const struct outcome_input *in)
{
    const struct tokens *tk = in->tk;
    for (size_t i = in->n_refs; i-- > 0;) {
        const struct time_ref *r = &in->refs[i];
        if (r->negated || r->past || r->end == r->begin)
            continue;
        if (tokens_speaker(tk, r->begin) != SPEAKER_CONTACT)
            continue;
        if (r->end_ms <= in->tctx->now_ms)
            continue;
        /* Dropped when a later mention turns down the same day. */
        bool refused = false;
        for (size_t j = i + 1; j < in->n_refs; j++) {
            const struct time_ref *q = &in->refs[j];
            if (q->negated && q->dated && r->dated && q->end > q->begin &&
                tokens_speaker(tk, q->begin) == SPEAKER_CONTACT &&
                same_day(in->tctx->zone, q->start_ms, r->start_ms))
                refused = true;
        }
        if (refused)
            continue;
        return r;
    }
    return NULL;
}

/* The meeting time the agent confirmed: a dated time in the confirming turn,
 * else in the agent's last proposal the contact accepted. */
static int64_t meeting_time(const struct outcome_input *in)
{
    const struct tokens *tk = in->tk;
    const struct phrase_set *set = phrase_lazy_get(&agent_phrases);
    enum lang lang = in->tctx->lang;
    int64_t found = 0;
    for (size_t t = 0; t < tk->n_turns; t++) {
        if (tk->turns[t].speaker != SPEAKER_AGENT)
            continue;
        if (!phrase_find(set, tk, tk->turn_begin[t], tk->turn_begin[t + 1], lang, NULL))
            continue;
        for (size_t i = 0; i < in->n_refs; i++) {
            const struct time_ref *r = &in->refs[i];
            if (r->end == r->begin || r->negated || r->past || !r->clock)
                continue;
            if (tk->v[r->begin].turn == t)
                found = r->at_ms;
        }
        if (found)
            return found;
        /* The confirmation names no time: the last proposal before it. */
        for (size_t i = in->n_refs; i-- > 0;) {
            const struct time_ref *r = &in->refs[i];
            if (r->end == r->begin || r->negated || r->past || !r->clock ||
                tk->v[r->begin].turn >= t)
                continue;
            return r->at_ms;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ deciding */

static void retry(struct outcome_decision *d, int64_t at, enum outcome_why why)
{
    d->outcome = OUTCOME_BUSY_VOICEMAIL;
    d->retry = true;
    d->retry_ms = at;
    d->confidence = CONFIDENCE_LOW;
    d->why = why;
}

void outcome_rules_decide(const struct outcome_input *in, struct outcome_decision *out)
{
    const struct call_facts *call = in->call;
    const struct time_context *ctx = in->tctx;
    enum lang lang = ctx->lang;
    int64_t now = ctx->now_ms;
    struct outcome_decision d = {0};
    struct stance st;

    read_stance(in->tk, lang, &st);

    /* Never answered. */
    switch (call->hangup) {
    case HANGUP_BUSY:
        retry(&d, now + 1 * HOUR_MS, WHY_RETRY_BUSY);
        goto done;
    case HANGUP_NO_ANSWER:
        retry(&d, now + 4 * HOUR_MS, WHY_RETRY_NO_ANSWER);
        goto done;
    case HANGUP_FAILED:
        retry(&d, now + 1 * HOUR_MS, WHY_RETRY_FAILED);
        goto done;
    case HANGUP_CANCELED:
        d.outcome = OUTCOME_OTHER;
        d.why = WHY_CANCELED;
        goto done;
    default:
        break;
    }

    /* A voicemail: retry when its greeting says the person is back, else in 48 h. */
    if (call->voicemail || call->hangup == HANGUP_MACHINE || st.voicemail_first) {
        const struct time_ref *r = chosen_time(in);
        if (r && r->dated && r->kind == TIME_EXPLICIT) {
            struct outcome_decision tmp = {0};
            due_from_ref(ctx, r, &tmp);
            retry(&d, tmp.due_ms, WHY_RETRY_VOICEMAIL_BACK);
        } else {
            retry(&d, now + 48 * HOUR_MS, WHY_RETRY_VOICEMAIL);
        }
        goto done;
    }

    /* Do-not-call: no follow-up whatever else was said. */
    if (in->dnc.risk != DNC_NONE) {
        d.outcome =
            (st.seen & BIT(SIG_WRONG_NUMBER)) ? OUTCOME_WRONG_NUMBER : OUTCOME_NOT_INTERESTED;
        d.why = WHY_DNC;
        goto done;
    }

    /* A meeting booked during the call. */
    int64_t meeting = call->booking_ms;
    if (!meeting)
        meeting = meeting_time(in);
    if (meeting) {
        d.outcome = OUTCOME_MEETING;
        d.meeting_ms = meeting;
        d.why = WHY_MEETING;
        goto done;
    }

    /* Nobody really spoke: hung up at once, or could not hear each other. */
    unsigned talk = st.seen & ~(BIT(SIG_AFFIRM) | BIT(SIG_NO_TALK));
    if (!in->alt_found && talk == 0 &&
        (st.contact_words <= 2 || ((st.seen & BIT(SIG_NO_TALK)) && st.contact_words <= 15))) {
        retry(&d, now + 48 * HOUR_MS, WHY_RETRY_HUNG_UP);
        goto done;
    }

    const struct time_ref *when = chosen_time(in);

    if (st.seen & BIT(SIG_WRONG_NUMBER)) {
        d.outcome = OUTCOME_WRONG_NUMBER;
        d.why = WHY_WRONG_NUMBER;
        if (!in->alt_found)
            goto done;
    } else if (st.last_decisive == SIG_NOT_INTERESTED) {
        d.outcome = OUTCOME_NOT_INTERESTED;
        d.why = WHY_NOT_INTERESTED;
        goto done;
    } else if (st.last_decisive == SIG_SELF_CALLBACK && !when) {
        d.outcome = OUTCOME_OTHER;
        d.why = WHY_SELF_CALLBACK;
        goto done;
    } else if (!when && !in->alt_found && st.last_decisive == 0) {
        d.outcome = OUTCOME_OTHER;
        d.why = WHY_NOTHING;
        goto done;
    } else {
        bool asked = (st.seen & (BIT(SIG_CALL_REQUEST) | BIT(SIG_BUSY))) || when || in->alt_found;
        d.outcome = asked || !(st.seen & BIT(SIG_SEND_INFO)) ? OUTCOME_CALLBACK : OUTCOME_OTHER;
    }

    /* The follow-up and its time. */
    d.follow_up = true;
    if (when) {
        due_from_ref(ctx, when, &d);
    } else if (in->alt_found) {
        d.due_ms = now + 24 * HOUR_MS;
        d.why = WHY_ALT_NUMBER;
    } else {
        /* Interested but busy, asked for information, or only busy: two to three days. */
        d.due_ms = now + 48 * HOUR_MS;
        d.window_start_ms = now + 48 * HOUR_MS;
        d.window_end_ms = now + 72 * HOUR_MS;
        if (st.seen & BIT(SIG_SEND_INFO) && !(st.seen & BIT(SIG_CALL_REQUEST)))
            d.why = WHY_SEND_INFO;
        else if (st.seen & (BIT(SIG_INTEREST) | BIT(SIG_CALL_REQUEST)))
            d.why = WHY_BUSY_INTERESTED;
        else
            d.why = WHY_BUSY_ONLY;
    }

    /* Confidence. */
    size_t decisive_turn = when ? in->tk->v[when->begin].turn : st.decisive_turn;
    bool hesitant = turn_has(in->tk, decisive_turn, lang, SIG_AMBIGUOUS);
    if (hesitant)
        d.confidence = CONFIDENCE_LOW;
    else if (in->alt_found && in->alt_named)
        d.confidence = CONFIDENCE_HIGH;
    else if (when && d.time_explicit && when->grain <= GRAIN_DAY)
        d.confidence = CONFIDENCE_HIGH;
    else if (d.why == WHY_BUSY_ONLY)
        d.confidence = CONFIDENCE_LOW;
    else
        d.confidence = CONFIDENCE_MEDIUM;

done:
    *out = d;
}
