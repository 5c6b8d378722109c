/*
 * Do-not-call rules (see dnc_rules.h). One phrase table holds every
 * wording with its risk; a few entries only count when nothing follows
 * them in the sentence ("no me llames." is a request, "no me llames al
 * fijo" is not), and a table of harmless wordings ("no me llames antes de
 * las diez") is matched first so they hide what they contain.
 */
#include <string.h>

#include "dnc_rules.h"
#include "phrase.h"

/* Values: the risk, plus flags. */
#define DNC_V(risk, flags) ((risk) | ((flags) << 4))
#define DNC_ALONE 1    /* counts only at the end of its sentence */
#define DNC_HARMLESS 2 /* not a request: hides what it matches */

static const struct phrase_entry dnc_table[] = {
    /* explicit requests */
    {"no me llam* mas|nunca", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no nos llam* mas|nunca", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no me llam*", PHRASE_ES, DNC_V(DNC_HIGH, DNC_ALONE)},
    {"no me vuelv* a llamar|molestar", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no vuelv* a llamar*", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no quiero|queremos que me|nos ?vuelvan ?a llam*", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no quiero|queremos ?mas llamadas", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no hace falta que me|nos llam* mas", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"dej* de llamar*", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"ni se te|os|le|les ocurra ?volver ?a llamar*", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"no quiero|queremos que me|nos llam* mas", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"borr*|quit*|elimin*|sac* .. de su|vuestra|la|sus|vuestras lista|listas|base", PHRASE_ES,
     DNC_V(DNC_HIGH, 0)},
    {"borrenme|borradme|quitenme|quitadme|eliminenme|eliminadme|sacadme|saquenme", PHRASE_ES,
     DNC_V(DNC_HIGH, 0)},
    {"dad*|den*|dar* ?me de baja", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"lista robinson", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"pongo|pondre|pondremos|voy|vamos ?a ?poner una|un denuncia|queja|reclamacion|demanda",
     PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"os|les|te|le voy|vamos a denunciar", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"denuncia|denunciar|denunciare|denunciaros|denunciarles", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"proteccion de datos", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"en|a consumo", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"esto es ilegal|acoso", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"llamo|llamare|llamaremos a la policia", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"mi abogado", PHRASE_ES, DNC_V(DNC_HIGH, 0)},
    {"take|get {me|us|my number|this number} off ?of your|the|this|that list|lists", PHRASE_EN,
     DNC_V(DNC_HIGH, 0)},
    {"remove {me|us|my number|this number}", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"{dont|do not|never} call {me|us|here|this number} again|anymore", PHRASE_EN,
     DNC_V(DNC_HIGH, 0)},
    {"{dont|do not} ever call", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"{dont|do not} call {me|us|here|this number}", PHRASE_EN, DNC_V(DNC_HIGH, DNC_ALONE)},
    {"please dont call ?me|us again|anymore", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"{i|we} {do not|dont} want any|anymore ?more calls", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"never call ?me|us|here again", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"stop|quit calling ?me|us|here|this", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"never want to hear from you", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"do not call list|registry", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"dnc list", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"lose my number", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"report|reporting you", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"file|filing|make a complaint", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"ftc|fcc", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"harassment|harassing", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"my lawyer|attorney", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"sue you", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    {"this is illegal", PHRASE_EN, DNC_V(DNC_HIGH, 0)},
    /* strong annoyance */
    {"que pesados|pesadas|pesadez|pesado|pesada", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"estoy harto|harta", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"estoy hasta {las narices|el gorro|el mono}", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"estamos hartos|hartas", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"me tienen|teneis|tienes harto|harta|frito|frita", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"dejenme|dejadme|dejame|dejeme|dejennos|dejadnos en paz", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"dejad|dejen|deja|deje de molestar*|fastidiar", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"no paran|parais|para de llamar", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"todos los dias lo mismo", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"otra vez vosotros|ustedes", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"os|se lo he dicho mil|cien|tres veces", PHRASE_ES, DNC_V(DNC_MEDIUM, 0)},
    {"{this is|thats|its} the third|fourth|fifth|tenth time", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"leave me|us alone", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"stop|quit bothering|harassing|pestering me|us", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"you people", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"are you kidding me", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"every single day", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"sick and tired", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"im|i am|were|we are sick|fed up|tired of", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    {"this is ridiculous", PHRASE_EN, DNC_V(DNC_MEDIUM, 0)},
    /* ambiguous */
    {"no se si quiero|queremos que me|nos ?vuelvan ?a llam*", PHRASE_ES, DNC_V(DNC_LOW, 0)},
    {"casi|mejor ?casi mejor que no me|nos llam*", PHRASE_ES, DNC_V(DNC_LOW, 0)},
    {"prefiero|preferiria|preferimos que no me|nos llam*", PHRASE_ES, DNC_V(DNC_LOW, 0)},
    {"no me|nos llam* tanto|mucho", PHRASE_ES, DNC_V(DNC_LOW, 0)},
    {"{dont|do not} know if i|we want ?more|any|these ?more calls", PHRASE_EN, DNC_V(DNC_LOW, 0)},
    {"{id|i would|i} rather|prefer not ?to get|receive ?these|more|any calls", PHRASE_EN,
     DNC_V(DNC_LOW, 0)},
    {"{id|i would} rather you {didnt|dont|did not} call", PHRASE_EN, DNC_V(DNC_LOW, 0)},
    {"not sure i want ?more|these|any ?more calls", PHRASE_EN, DNC_V(DNC_LOW, 0)},
    {"maybe dont call ?me|us ?again", PHRASE_EN, DNC_V(DNC_LOW, 0)},
    /* harmless wordings that contain the ones above */
    {"no me llam* al|a|en|antes|despues|hasta|por|a|ahora|este|esta|hoy|ahorita", PHRASE_ES,
     DNC_V(DNC_NONE, DNC_HARMLESS)},
    {"{dont|do not} call me|us at|before|after|on|until|right|now|today|this|in|during", PHRASE_EN,
     DNC_V(DNC_NONE, DNC_HARMLESS)},
    {"no me vuelv* a llamar|molestar hasta|antes", PHRASE_ES, DNC_V(DNC_NONE, DNC_HARMLESS)},
    {"no hace falta que me|nos llam* ?ahora|hoy", PHRASE_ES, DNC_V(DNC_NONE, DNC_HARMLESS)},
};

static struct phrase_lazy dnc_phrases = PHRASE_LAZY(dnc_table);

struct dnc_result dnc_rules_assess(const struct tokens *tk, enum lang lang)
{
    struct dnc_result best = {0};
    const struct phrase_set *set = phrase_lazy_get(&dnc_phrases);
    for (size_t t = 0; t < tk->n_turns; t++) {
        if (tk->turns[t].speaker != SPEAKER_CONTACT)
            continue;
        size_t end = tk->turn_begin[t + 1];
        for (size_t i = tk->turn_begin[t]; i < end;) {
            struct phrase_match m;
            if (!phrase_match_at(set, tk, i, end, lang, &m)) {
                i++;
                continue;
            }
            int v = m.entry->value;
            enum dnc_risk risk = (enum dnc_risk)(v & 0xF);
            int flags = v >> 4;
            bool counts = !(flags & DNC_HARMLESS);
            /* "no me llames." counts; "no me llames ahora" was caught as harmless. */
            if (counts && (flags & DNC_ALONE) && m.end < end && tk->v[m.end].kind == TOKEN_WORD &&
                !tokens_is(&tk->v[m.end], "please") && !tokens_is(&tk->v[m.end], "por"))
                counts = false;
            if (counts && risk > best.risk) {
                best.risk = risk;
                best.begin = m.begin;
                best.end = m.end;
            }
            i = m.end;
        }
    }
    return best;
}

bool dnc_rules_blacklists(enum dnc_risk risk)
{
    return risk == DNC_MEDIUM || risk == DNC_HIGH;
}

const char *dnc_rules_risk_name(enum dnc_risk risk)
{
    switch (risk) {
    case DNC_LOW:
        return "low";
    case DNC_MEDIUM:
        return "medium";
    case DNC_HIGH:
        return "high";
    case DNC_NONE:
        break;
    }
    return NULL;
}
