/*
 * Header recognition in English and Spanish, explicit mappings, custom
 * fields, and the refusal of a file without a phone column.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/lead-ingest/header_map.h"

Test(header_map, recognises_english_synonyms)
{
    const struct {
        const char *header;
        enum lead_field field;
    } cases[] = {
        {"Name", LEAD_FIELD_NAME},
        {"Full Name", LEAD_FIELD_NAME},
        {"first_name", LEAD_FIELD_FIRST_NAME},
        {"First name", LEAD_FIELD_FIRST_NAME},
        {"Last Name", LEAD_FIELD_LAST_NAME},
        {"surname", LEAD_FIELD_LAST_NAME},
        {"Phone", LEAD_FIELD_PHONE},
        {"Phone Number", LEAD_FIELD_PHONE},
        {"Mobile", LEAD_FIELD_PHONE},
        {"Cell phone", LEAD_FIELD_PHONE},
        {"E-mail", LEAD_FIELD_EMAIL},
        {"Email Address", LEAD_FIELD_EMAIL},
        {"Company", LEAD_FIELD_COMPANY},
        {"Organisation", LEAD_FIELD_COMPANY},
        {"Time Zone", LEAD_FIELD_TIMEZONE},
        {"timezone", LEAD_FIELD_TIMEZONE},
        {"Notes", LEAD_FIELD_CUSTOM},
        {"City", LEAD_FIELD_CUSTOM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(header_map_recognise(cases[i].header), cases[i].field, "%s", cases[i].header);
}

Test(header_map, recognises_spanish_synonyms_with_or_without_accents)
{
    const struct {
        const char *header;
        enum lead_field field;
    } cases[] = {
        {"Nombre", LEAD_FIELD_NAME},
        {"Nombre completo", LEAD_FIELD_NAME},
        {"Apellidos", LEAD_FIELD_LAST_NAME},
        {"Teléfono", LEAD_FIELD_PHONE},
        {"telefono", LEAD_FIELD_PHONE},
        {"TELÉFONO MÓVIL", LEAD_FIELD_PHONE},
        {"Móvil", LEAD_FIELD_PHONE},
        {"movil", LEAD_FIELD_PHONE},
        {"Celular", LEAD_FIELD_PHONE},
        {"Tfno.", LEAD_FIELD_PHONE},
        {"Número de teléfono", LEAD_FIELD_PHONE},
        {"Correo", LEAD_FIELD_EMAIL},
        {"Correo electrónico", LEAD_FIELD_EMAIL},
        {"Empresa", LEAD_FIELD_COMPANY},
        {"Razón social", LEAD_FIELD_COMPANY},
        {"Compañía", LEAD_FIELD_COMPANY},
        {"Zona horaria", LEAD_FIELD_TIMEZONE},
        {"zona_horaria", LEAD_FIELD_TIMEZONE},
        {"Teléfono (móvil)", LEAD_FIELD_PHONE},
        {"Teléfono*", LEAD_FIELD_PHONE},
        {"Ciudad", LEAD_FIELD_CUSTOM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(header_map_recognise(cases[i].header), cases[i].field, "%s", cases[i].header);
}

static struct header_map *build(const char *const *h, size_t n, const struct header_rule *r,
                                size_t nr)
{
    struct header_map *m = NULL;
    char err[256] = "";
    cr_assert_eq(header_map_build(&m, h, n, r, nr, err, sizeof(err)), OC_OK, "%s", err);
    return m;
}

Test(header_map, unmapped_columns_are_kept_as_custom_fields)
{
    const char *h[] = {" Nombre ", "Teléfono", "Ciudad", "", "Ciudad"};
    struct header_map *m = build(h, 5, NULL, 0);
    cr_assert_eq(m->cols[0].field, LEAD_FIELD_NAME);
    cr_assert_str_eq(m->cols[0].header, "Nombre");
    cr_assert_eq(m->cols[1].field, LEAD_FIELD_PHONE);
    cr_assert_eq(m->cols[2].field, LEAD_FIELD_CUSTOM);
    cr_assert_str_eq(m->cols[2].key, "Ciudad");
    cr_assert_str_eq(m->cols[3].key, "column_4", "a column without a header gets a name");
    cr_assert_str_eq(m->cols[4].key, "Ciudad_2", "two columns never share a key");
    header_map_free(m);
}

Test(header_map, nombre_beside_apellidos_is_a_first_name)
{
    const char *h[] = {"Nombre", "Apellidos", "Móvil"};
    struct header_map *m = build(h, 3, NULL, 0);
    cr_assert_eq(m->cols[0].field, LEAD_FIELD_FIRST_NAME);
    cr_assert_eq(m->cols[1].field, LEAD_FIELD_LAST_NAME);
    header_map_free(m);
}

Test(header_map, explicit_rules_win_and_name_custom_fields)
{
    const char *h[] = {"Contacto", "Tel 1", "Tel 2", "Email", "Notas", "Interno"};
    const struct header_rule r[] = {
        {"tel 2", "phone"}, {"Notas", "comentario"}, {"Interno", "ignore"}, {"Email", "company"}};
    struct header_map *m = build(h, 6, r, 4);
    cr_assert_eq(m->cols[2].field, LEAD_FIELD_PHONE, "a rule matches headers however spelt");
    cr_assert(m->cols[2].explicit_rule);
    cr_assert_eq(m->cols[3].field, LEAD_FIELD_COMPANY, "a rule wins over recognition");
    cr_assert_eq(m->cols[4].field, LEAD_FIELD_CUSTOM);
    cr_assert_str_eq(m->cols[4].key, "comentario");
    cr_assert_eq(m->cols[5].field, LEAD_FIELD_IGNORE);
    cr_assert_eq(m->n_phones, 1);
    cr_assert_eq(m->phones[0], 2);
    header_map_free(m);
}

Test(header_map, several_phone_columns_are_alternatives_in_order)
{
    const char *h[] = {"Teléfono fijo", "Móvil", "Name"};
    const struct header_rule r[] = {{"Móvil", "phone"}};
    struct header_map *m = build(h, 3, r, 1);
    cr_assert_eq(m->n_phones, 2);
    cr_assert_eq(m->phones[0], 1, "the explicit one first");
    cr_assert_eq(m->phones[1], 0);
    header_map_free(m);
}

Test(header_map, a_file_without_a_phone_column_is_refused)
{
    const char *h[] = {"name", "email", "city"};
    struct header_map *m = NULL;
    char err[256] = "";
    cr_assert_eq(header_map_build(&m, h, 3, NULL, 0, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_null(m);
    cr_assert(strstr(err, "no phone column"), "%s", err);
    const struct header_rule r[] = {{"city", "phone"}};
    cr_assert_eq(header_map_build(&m, h, 3, r, 1, err, sizeof(err)), OC_OK, "%s", err);
    header_map_free(m);
}

Test(header_map, a_rule_for_a_missing_column_is_refused)
{
    const char *h[] = {"name", "phone"};
    const struct header_rule r[] = {{"mobile", "phone"}};
    struct header_map *m = NULL;
    char err[256] = "";
    cr_assert_eq(header_map_build(&m, h, 2, r, 1, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strstr(err, "\"mobile\""), "%s", err);
}

Test(header_map, field_names_round_trip)
{
    for (int f = LEAD_FIELD_IGNORE; f <= LEAD_FIELD_TIMEZONE; f++)
        cr_assert_eq(lead_field_from_name(lead_field_name((enum lead_field)f)), f);
    cr_assert_eq(lead_field_from_name("whatever"), LEAD_FIELD_CUSTOM);
}

Test(header_map, the_rejected_reason_column_of_a_fixed_download_is_ignored)
{
    const char *h[] = {"Nombre", "Teléfono", "Ciudad", "rejected_reason", "Rejected reason"};
    struct header_map *m = build(h, 5, NULL, 0);
    cr_assert_eq(m->cols[2].field, LEAD_FIELD_CUSTOM);
    cr_assert_eq(m->cols[3].field, LEAD_FIELD_IGNORE, "not kept as a custom field");
    cr_assert_eq(m->cols[4].field, LEAD_FIELD_IGNORE, "every such column, not only the first");
    cr_assert_str_eq(m->cols[3].key, "ignore");
    header_map_free(m);

    /* A mapping that names the column still wins. */
    const struct header_rule r[] = {{"rejected_reason", "motivo"}};
    m = build(h, 4, r, 1);
    cr_assert_eq(m->cols[3].field, LEAD_FIELD_CUSTOM);
    cr_assert_str_eq(m->cols[3].key, "motivo");
    header_map_free(m);
}

Test(header_map, the_phone_e164_column_of_an_export_is_a_phone)
{
    cr_assert_eq(header_map_recognise("phone_e164"), LEAD_FIELD_PHONE);
    const char *h[] = {"id", "phone_e164", "source"};
    struct header_map *m = build(h, 3, NULL, 0);
    cr_assert_eq(m->n_phones, 1);
    cr_assert_eq(m->phones[0], 1);
    header_map_free(m);
}
