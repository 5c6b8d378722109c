/*
 * The extractors one by one: spoken phone numbers (digits, groups, words,
 * "double"/"triple", refusing prices, order ids and dates), e-mail
 * addresses (typed, spoken, spelled), names and roles, do-not-call risks,
 * spoken numbers and the tokenizer they all read through.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/analyzer/contact_extract.h"
#include "../../../services/analyzer/dnc_rules.h"
#include "../../../services/analyzer/email_extract.h"
#include "../../../services/analyzer/local_time.h"
#include "../../../services/analyzer/number_extract.h"
#include "../../../services/analyzer/number_words.h"
#include "../../../services/analyzer/phone_e164.h"
#include "../../../services/analyzer/tokens.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 8192), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

/* The tokens of one contact turn. */
static struct tokens contact_says(const char *text)
{
    struct tokens tk;
    cr_assert_eq(tokens_from_text(&tk, arena, text), OC_OK);
    return tk;
}

/* ------------------------------------------------------------ tokens */

TestSuite(tokens, .init = setup, .fini = teardown);

Test(tokens, folds_accents_case_and_apostrophes)
{
    struct tokens tk = contact_says("¿Mañana? DON'T Llaméis, ñu");
    const char *want[] = {"?", "manana", "?", "dont", "llameis", ",", "nu"};
    cr_assert_eq(tk.n, 7);
    for (size_t i = 0; i < 7; i++)
        cr_expect_str_eq(tk.v[i].w, want[i]);
    cr_expect(tk.v[1].cap, "Mañana began with a capital");
    cr_expect_not(tk.v[6].cap);
}

Test(tokens, splits_digits_from_letters_and_reads_numbers)
{
    struct tokens tk = contact_says("3pm, 15:30 y 612-345-678 cuesta 50€");
    cr_assert_str_eq(tk.v[0].w, "3");
    cr_assert_eq(tk.v[0].num, 3);
    cr_assert_str_eq(tk.v[1].w, "pm");
    cr_assert_eq(tk.v[3].num, 15);
    cr_assert(tokens_is_punct(&tk.v[4], ':'));
    cr_assert_str_eq(tk.v[tk.n - 1].w, "euros", "the euro sign reads as a word");
}

Test(tokens, keeps_each_token_at_its_place_in_the_source)
{
    const char *text = "Soy Andrés Molina";
    struct tokens tk = contact_says(text);
    cr_assert_eq(tk.n, 3);
    cr_assert_eq(strncmp(text + tk.v[1].src, "Andrés", tk.v[1].src_len), 0);
}

/* ------------------------------------------------------------ spoken numbers */

TestSuite(number_words, .init = setup, .fini = teardown);

static int64_t spoken(const char *text, enum lang lang)
{
    struct tokens tk = contact_says(text);
    int64_t v = -1;
    size_t end;
    if (!number_words_parse(&tk, 0, tk.n, lang, NUMBER_WORDS_ARTICLE, &v, &end))
        return -1;
    return end == tk.n ? v : -2;
}

Test(number_words, reads_spanish_cardinals)
{
    cr_expect_eq(spoken("veintitrés", LANG_ES), 23);
    cr_expect_eq(spoken("treinta y cuatro", LANG_ES), 34);
    cr_expect_eq(spoken("seiscientos doce", LANG_ES), 612);
    cr_expect_eq(spoken("cien", LANG_ES), 100);
    cr_expect_eq(spoken("ciento uno", LANG_ES), 101);
    cr_expect_eq(spoken("dos mil veintiséis", LANG_ES), 2026);
    cr_expect_eq(spoken("una", LANG_ES), 1);
}

Test(number_words, reads_english_cardinals)
{
    cr_expect_eq(spoken("twenty-one", LANG_EN), 21);
    cr_expect_eq(spoken("five hundred and twelve", LANG_EN), 512);
    cr_expect_eq(spoken("a hundred", LANG_EN), 100);
    cr_expect_eq(spoken("nineteen", LANG_EN), 19);
    cr_expect_eq(spoken("two thousand", LANG_EN), 2000);
}

Test(number_words, does_not_join_units_to_the_next_group)
{
    /* "seis doce" is two groups when read as a phone number. */
    cr_expect_eq(spoken("seis doce", LANG_ES), -2);
}

Test(number_words, reads_ordinals)
{
    struct tokens tk = contact_says("twenty first 3rd");
    int64_t v;
    size_t end;
    cr_assert(number_words_ordinal(&tk, 0, tk.n, LANG_EN, &v, &end));
    cr_expect_eq(v, 21);
    cr_assert(number_words_ordinal(&tk, end, tk.n, LANG_EN, &v, &end));
    cr_expect_eq(v, 3);
}

/* ------------------------------------------------------------ phone numbers */

TestSuite(number_extract, .init = setup, .fini = teardown);

static const char *number_in(const char *text, enum lang lang, const char *country)
{
    struct tokens tk = contact_says(text);
    struct number_found f;
    if (!number_extract_find(&tk, lang, country, NULL, &f))
        return NULL;
    return oc_arena_strdup(arena, f.e164);
}

Test(number_extract, reads_digits_in_groups)
{
    cr_expect_str_eq(number_in("llámale al 612 34 56 78", LANG_ES, "ES"), "+34612345678");
    cr_expect_str_eq(number_in("it's 617-423-8890", LANG_EN, "US"), "+16174238890");
    cr_expect_str_eq(number_in("call (212) 333-4877 today", LANG_EN, "US"), "+12123334877");
    cr_expect_str_eq(number_in("el +44 7911 123456", LANG_ES, "ES"), "+447911123456");
    cr_expect_str_eq(number_in("ring 07911 123456", LANG_EN, "GB"), "+447911123456");
}

Test(number_extract, reads_numbers_in_words)
{
    cr_expect_str_eq(number_in("seiscientos cuarenta y siete, veintidós, treinta y uno, cero nueve",
                               LANG_ES, "ES"),
                     "+34647223109");
    cr_expect_str_eq(number_in("seis uno cinco, cuatro cuatro ocho, dos siete tres", LANG_ES, "ES"),
                     "+34615448273");
    cr_expect_str_eq(number_in("nine one seven, four oh two, three three one eight", LANG_EN, "US"),
                     "+19174023318");
    cr_expect_str_eq(number_in("two one two, triple three, four eight double seven", LANG_EN, "US"),
                     "+12123334877");
    cr_expect_str_eq(number_in("el 55 1234 5678", LANG_ES, "MX"), "+525512345678");
}

Test(number_extract, refuses_prices_ids_and_dates)
{
    cr_expect_null(number_in("mi número de cliente es el 600 234 517", LANG_ES, "ES"));
    cr_expect_null(number_in("el pedido que tenemos abierto es el 600 234 519", LANG_ES, "ES"));
    cr_expect_null(number_in("the invoice number is 3125550147", LANG_EN, "US"));
    cr_expect_null(number_in("I pay 89.99 a month", LANG_EN, "US"));
    cr_expect_null(number_in("cuesta 1 200 000 euros", LANG_ES, "ES"));
    cr_expect_null(number_in("el 3 de abril de 2026 a las 15:30", LANG_ES, "ES"));
    cr_expect_null(number_in("account 4415 2236 7781", LANG_EN, "US"));
}

Test(number_extract, refuses_numbers_that_are_not_valid_phones)
{
    cr_expect_null(number_in("apunta 123 456 789", LANG_ES, "ES"));
    cr_expect_null(number_in("it's 555 123 4567", LANG_EN, "US"));
}

Test(number_extract, never_returns_the_number_dialled)
{
    struct tokens tk = contact_says("sí, este mismo, el 612 34 56 78");
    struct number_found f;
    cr_expect_not(number_extract_find(&tk, LANG_ES, "ES", "+34612345678", &f));
}

Test(number_extract, validates_through_libphonenumber)
{
    char out[20];
    cr_expect(phone_e164_normalize("0034612345678", "ES", out, sizeof(out)));
    cr_expect_str_eq(out, "+34612345678");
    cr_expect_not(phone_e164_normalize("612345", "ES", out, sizeof(out)));
    cr_expect_not(phone_e164_normalize("612345678", "XX", out, sizeof(out)));
}

/* ------------------------------------------------------------ e-mail */

TestSuite(email_extract, .init = setup, .fini = teardown);

static const char *email_in(const char *text, enum lang lang)
{
    struct tokens tk = contact_says(text);
    return email_extract_find(&tk, lang, arena);
}

Test(email_extract, reads_typed_addresses)
{
    cr_expect_str_eq(email_in("mándalo a Ana.Gil@Empresa.es, gracias", LANG_ES),
                     "ana.gil@empresa.es");
}

Test(email_extract, reads_spoken_addresses)
{
    cr_expect_str_eq(email_in("mi correo es marta punto ruiz arroba hotmail punto es", LANG_ES),
                     "marta.ruiz@hotmail.es");
    cr_expect_str_eq(email_in("it's sarah dot jones at outlook dot com", LANG_EN),
                     "sarah.jones@outlook.com");
    cr_expect_str_eq(email_in("escriba a compras arroba aldama punto com", LANG_ES),
                     "compras@aldama.com");
}

Test(email_extract, reads_spelled_addresses)
{
    cr_expect_str_eq(email_in("apunta: jota, o, ese, e, arroba gmail punto com", LANG_ES),
                     "jose@gmail.com");
    cr_expect_str_eq(
        email_in("ele, o, pe, e, zeta, guion bajo, ene, arroba yahoo punto es", LANG_ES),
        "lopez_n@yahoo.es");
    cr_expect_str_eq(email_in("it's j-o-h-n dot s-m-i-t-h at gmail dot com", LANG_EN),
                     "john.smith@gmail.com");
    cr_expect_str_eq(email_in("m, i, k, e, underscore, r, o, s, s at yahoo dot com", LANG_EN),
                     "mike_ross@yahoo.com");
}

Test(email_extract, keeps_a_spelled_word_once)
{
    cr_expect_str_eq(email_in("es pedro, pe, e, de, erre, o, arroba gmail punto com", LANG_ES),
                     "pedro@gmail.com");
}

Test(email_extract, ignores_at_without_a_domain)
{
    cr_expect_null(email_in("call me at noon at the office", LANG_EN));
}

/* ------------------------------------------------------------ names */

TestSuite(contact_extract, .init = setup, .fini = teardown);

Test(contact_extract, finds_the_name_and_role_before_a_number)
{
    struct tokens tk = contact_says("Llame a mi socio, Andrés Molina, al 612 34 56 78.");
    struct number_found f;
    cr_assert(number_extract_find(&tk, LANG_ES, "ES", NULL, &f));
    struct person p = contact_extract_near(&tk, f.begin, LANG_ES, arena);
    cr_expect_str_eq(p.name, "Andrés Molina");
    cr_expect_str_eq(p.role, "mi socio");
}

Test(contact_extract, reads_possessives_and_roles_in_english)
{
    struct tokens tk = contact_says("Talk to Mike Chen, the office manager, at 312 698 4410.");
    struct number_found f;
    cr_assert(number_extract_find(&tk, LANG_EN, "US", NULL, &f));
    struct person p = contact_extract_near(&tk, f.begin, LANG_EN, arena);
    cr_expect_str_eq(p.name, "Mike Chen");
    cr_expect_str_eq(p.role, "the office manager");
}

Test(contact_extract, finds_the_contacts_own_name)
{
    struct tokens tk = contact_says("Hola, me llamo Teresa Jiménez.");
    cr_expect_str_eq(contact_extract_own_name(&tk, LANG_ES, arena), "Teresa Jiménez");
    tk = contact_says("Yes, this is the office landline.");
    cr_expect_null(contact_extract_own_name(&tk, LANG_EN, arena));
}

/* ------------------------------------------------------------ do-not-call */

TestSuite(dnc_rules, .init = setup, .fini = teardown);

static enum dnc_risk risk_of(const char *text, enum lang lang)
{
    struct tokens tk = contact_says(text);
    return dnc_rules_assess(&tk, lang).risk;
}

Test(dnc_rules, explicit_requests_and_threats_are_high)
{
    cr_expect_eq(risk_of("No me llaméis más, por favor.", LANG_ES), DNC_HIGH);
    cr_expect_eq(risk_of("Bórrenme de su base de datos.", LANG_ES), DNC_HIGH);
    cr_expect_eq(risk_of("Como vuelvan a llamar pongo una denuncia.", LANG_ES), DNC_HIGH);
    cr_expect_eq(risk_of("No me llames.", LANG_ES), DNC_HIGH);
    cr_expect_eq(risk_of("Take me off your list.", LANG_EN), DNC_HIGH);
    cr_expect_eq(risk_of("Don't call me again.", LANG_EN), DNC_HIGH);
    cr_expect_eq(risk_of("I'm reporting you to the FTC.", LANG_EN), DNC_HIGH);
}

Test(dnc_rules, strong_annoyance_is_medium)
{
    cr_expect_eq(risk_of("¡Qué pesados! Déjenme en paz.", LANG_ES), DNC_MEDIUM);
    cr_expect_eq(risk_of("Leave me alone!", LANG_EN), DNC_MEDIUM);
    cr_expect(dnc_rules_blacklists(DNC_MEDIUM));
}

Test(dnc_rules, ambiguous_wishes_are_low_and_do_not_blacklist)
{
    cr_expect_eq(risk_of("No sé si quiero que me vuelvan a llamar.", LANG_ES), DNC_LOW);
    cr_expect_eq(risk_of("I'd rather not get these calls, I guess.", LANG_EN), DNC_LOW);
    cr_expect_not(dnc_rules_blacklists(DNC_LOW));
}

Test(dnc_rules, refusals_and_how_to_call_are_no_requests)
{
    cr_expect_eq(risk_of("No, gracias, no me interesa.", LANG_ES), DNC_NONE);
    cr_expect_eq(risk_of("Not interested, thanks.", LANG_EN), DNC_NONE);
    cr_expect_eq(risk_of("No me llames al fijo, llámame al móvil.", LANG_ES), DNC_NONE);
    cr_expect_eq(risk_of("No me llames antes de las diez.", LANG_ES), DNC_NONE);
    cr_expect_eq(risk_of("Don't call me at work.", LANG_EN), DNC_NONE);
    cr_expect_eq(risk_of("Estoy hasta arriba de trabajo.", LANG_ES), DNC_NONE);
}

/* ------------------------------------------------------------ zones */

TestSuite(local_time);

Test(local_time, refuses_unknown_zones)
{
    struct local_zone *z = NULL;
    cr_expect_eq(local_zone_new(&z, "Mars/Olympus_Mons"), OC_ERR_INVALID);
    cr_expect_eq(local_zone_new(&z, ""), OC_ERR_INVALID);
    cr_assert_eq(local_zone_new(&z, "Europe/Madrid"), OC_OK);
    local_zone_free(z);
}

Test(local_time, moves_a_time_in_the_spring_gap_forward)
{
    struct local_zone *z = NULL;
    cr_assert_eq(local_zone_new(&z, "Europe/Madrid"), OC_OK);
    struct civil gap = {2026, 3, 29, 2, 30};
    struct civil back = local_zone_from_ms(z, local_zone_to_ms(z, &gap));
    cr_expect_eq(back.hour, 3);
    cr_expect_eq(back.minute, 30);
    local_zone_free(z);
}

Test(local_time, does_calendar_arithmetic)
{
    struct civil c = {2028, 1, 31, 10, 0};
    struct civil m = civil_add_months(c, 1);
    cr_expect_eq(m.month, 2);
    cr_expect_eq(m.day, 29);
    struct civil d = civil_add_days((struct civil){2026, 12, 31, 0, 0}, 1);
    cr_expect_eq(d.year, 2027);
    cr_expect_eq(d.month, 1);
    cr_expect_eq(civil_weekday(&(struct civil){2026, 3, 15, 0, 0}), 7);
    cr_expect(civil_is_leap(2000));
    cr_expect_not(civil_is_leap(2100));
}
