/*
 * The CSV of the downloads: fields quoted only when a reader needs it, the
 * rejected rows of an import written back with their reason as a last
 * column (an unbalanced quote closed so the rows after it stay rows),
 * messages rendered one per line, and the name a download is saved under.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"
#include "proto/leads.pb-c.h"

static struct gw_buf buf;

static void teardown(void)
{
    gw_buf_free(&buf);
}

TestSuite(csv_out, .fini = teardown);

static const char *field(const char *s, char delim)
{
    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_field(&buf, s, strlen(s), delim), OC_OK);
    return buf.data;
}

Test(csv_out, fields_are_quoted_only_when_a_reader_needs_it)
{
    cr_assert_str_eq(field("Ana García", ','), "Ana García");
    cr_assert_str_eq(field("", ','), "");
    cr_assert_str_eq(field("Pérez, Juan", ','), "\"Pérez, Juan\"");
    cr_assert_str_eq(field("Pérez, Juan", ';'), "Pérez, Juan", "a comma is text in a ; file");
    cr_assert_str_eq(field("a;b", ';'), "\"a;b\"");
    cr_assert_str_eq(field("dice \"hola\"", ','), "\"dice \"\"hola\"\"\"");
    cr_assert_str_eq(field("Madrid,\nCentro", '\t'), "\"Madrid,\nCentro\"");
    cr_assert_str_eq(field(" padded", ','), "\" padded\"", "readers trim spaces");
}

Test(csv_out, an_open_quote_is_told_from_a_quote_inside_text)
{
    cr_assert(gw_csv_quote_open("Eva,\"612 000 111,", 17, ','));
    cr_assert(gw_csv_quote_open("\"a\"\"", 4, ','), "a doubled quote does not close");
    cr_assert_not(gw_csv_quote_open("\"a\"\"b\",c", 8, ','));
    cr_assert_not(gw_csv_quote_open("O\"Brien,612", 11, ','), "a quote inside a field is text");
    cr_assert_not(gw_csv_quote_open("\"Madrid,\nCentro\",x", 18, ','));
    cr_assert(gw_csv_quote_open("a; \"b", 5, ';'), "spaces before the quote are trimmed");
    cr_assert_not(gw_csv_quote_open("", 0, ','));
}

Test(csv_out, a_rejected_row_keeps_its_record_and_adds_its_line_and_reason)
{
    cr_assert_eq(gw_csv_rejected_row(&buf, "Luis,abc,,", 10, 3, "phone \"abc\": not a number", ','),
                 OC_OK);
    cr_assert_str_eq(buf.data, "Luis,abc,,,\"line 3: phone \"\"abc\"\": not a number\"\r\n");

    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_rejected_row(&buf, "Eva;612", 7, 9, "duplicate: on line 2", ';'), OC_OK);
    cr_assert_str_eq(buf.data, "Eva;612;line 9: duplicate: on line 2\r\n");

    /* The quote the file left open is closed, or the reason and every row
     * after it would be read as part of one field. */
    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_rejected_row(&buf, "Eva,\"612 000", 12, 4, "unbalanced quote", ','), OC_OK);
    cr_assert_str_eq(buf.data, "Eva,\"612 000\",line 4: unbalanced quote\r\n");

    /* Only the first len bytes of the record are written: an old reason
     * column at its end gives way to the new one. */
    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_rejected_row(&buf, "Eva,612,\"line 3: old\"", 7, 5, "new", ','), OC_OK);
    cr_assert_str_eq(buf.data, "Eva,612,line 5: new\r\n");
}

Test(csv_out, fields_are_counted_as_the_importer_reads_them)
{
    size_t last = 99;

    cr_assert_eq(gw_csv_count_fields("a,b,c", 5, ',', &last), 3);
    cr_assert_eq(last, 4);
    cr_assert_eq(gw_csv_count_fields("\"Pérez, Juan\",12,\"line 5: x, y\"", 32, ',', &last), 3);
    cr_assert_eq(last, 18, "the last field starts after the last delimiter outside quotes");
    cr_assert_eq(gw_csv_count_fields("a;b,c", 5, ';', NULL), 2);
    cr_assert_eq(gw_csv_count_fields("", 0, ',', &last), 1);
    cr_assert_eq(last, 0);
    cr_assert_eq(gw_csv_count_fields("a,\"b,c", 6, ',', NULL), 2, "an open quote runs to the end");
}

Test(csv_out, a_header_line_names_the_columns_then_the_extra_one)
{
    const char *names[] = {"Nombre", "Teléfono", "Notas, varias"};

    cr_assert_eq(gw_csv_header(&buf, names, 3, GW_REJECTED_REASON_COLUMN, ','), OC_OK);
    cr_assert_str_eq(buf.data, "Nombre,Teléfono,\"Notas, varias\",rejected_reason\r\n");
    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_header(&buf, names, 0, GW_REJECTED_REASON_COLUMN, '\t'), OC_OK);
    cr_assert_str_eq(buf.data, "rejected_reason\r\n");
}

Test(csv_out, a_message_is_one_line_with_a_column_per_field)
{
    const ProtobufCMessageDescriptor *d = &ocpb__dnc_entry__descriptor;
    json_t *obj =
        json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:I}", "id", "e1", "phone_e164",
                  "+34612345678", "source", "import", "reason", "dijo \"no\", adiós", "risk",
                  "call_id", "", "created_by", "u1", "created_unix_ms", (json_int_t)1795214929533);

    cr_assert_not_null(obj);
    cr_assert_eq(gw_csv_message_header(&buf, d), OC_OK);
    cr_assert_str_eq(buf.data,
                     "id,phone_e164,source,reason,risk,call_id,created_by,created_unix_ms\r\n");
    gw_buf_reset(&buf);
    cr_assert_eq(gw_csv_message_row(&buf, d, obj), OC_OK);
    cr_assert_str_eq(buf.data, "e1,+34612345678,import,\"dijo \"\"no\"\", adiós\",,,u1,"
                               "1795214929533\r\n");
    json_decref(obj);
}

Test(csv_out, a_map_field_is_one_json_cell)
{
    const ProtobufCMessageDescriptor *d = &ocpb__lead__descriptor;
    json_t *obj =
        json_pack("{s:s, s:{s:s}, s:n}", "name", "Ana", "fields", "Ciudad", "Sevilla", "status");
    const char *fields_cell;

    cr_assert_not_null(obj);
    cr_assert_eq(gw_csv_message_row(&buf, d, obj), OC_OK);
    fields_cell = strstr(buf.data, "\"{\"\"Ciudad\"\":\"\"Sevilla\"\"}\"");
    cr_assert_not_null(fields_cell, "%s", buf.data);
    /* One cell per field of Lead, missing ones empty: as many commas as
     * fields less one (the JSON cell holds none). */
    size_t commas = 0;
    for (const char *p = buf.data; *p != '\0'; p++)
        commas += *p == ',';
    cr_assert_eq(commas, d->n_fields - 1, "%s", buf.data);
    cr_assert_eq(strncmp(buf.data, ",,,,Ana,", 8), 0, "name is the fifth column: %s", buf.data);
    json_decref(obj);
}

Test(csv_out, a_download_is_named_after_the_file_it_came_from)
{
    char out[512];

    cr_assert_eq(gw_content_disposition("leads.csv", "import-x", "-rejected.csv", out, sizeof(out)),
                 OC_OK);
    cr_assert_str_eq(out, "attachment; filename=\"leads-rejected.csv\"");
    cr_assert_eq(gw_content_disposition(NULL, "do-not-call", ".json", out, sizeof(out)), OC_OK);
    cr_assert_str_eq(out, "attachment; filename=\"do-not-call.json\"");
    cr_assert_eq(gw_content_disposition("", "import-1", "-rejected.csv", out, sizeof(out)), OC_OK);
    cr_assert_str_eq(out, "attachment; filename=\"import-1-rejected.csv\"");
    cr_assert_eq(gw_content_disposition("v1.2 data", "x", ".csv", out, sizeof(out)), OC_OK);
    cr_assert_str_eq(out, "attachment; filename=\"v1.2 data.csv\"", "\"2 data\" is no extension");
}

Test(csv_out, a_name_with_other_characters_goes_whole_in_filename_star)
{
    char out[512];

    cr_assert_eq(gw_content_disposition("mis leads \"Sevilla\"/año.csv", "x", "-rejected.csv", out,
                                        sizeof(out)),
                 OC_OK);
    cr_assert_str_eq(out, "attachment; filename=\"mis leads _Sevilla__a_o-rejected.csv\"; "
                          "filename*=UTF-8''mis%20leads%20%22Sevilla%22%2Fa%C3%B1o-rejected.csv");
    cr_assert_eq(gw_content_disposition("x\r\nSet-Cookie: a=b", "x", ".csv", out, sizeof(out)),
                 OC_OK);
    cr_assert_null(strchr(out, '\r'), "a header cannot be split");
    cr_assert_null(strchr(out, '\n'));
    cr_assert_eq(gw_content_disposition("leads.csv", "x", "-rejected.csv", out, 20),
                 OC_ERR_INVALID);
}

Test(csv_out, csv_uploads_come_as_these_content_types)
{
    cr_assert(gw_csv_content_type("text/csv"));
    cr_assert(gw_csv_content_type("Text/CSV; charset=utf-8"));
    cr_assert(gw_csv_content_type("application/vnd.ms-excel"));
    cr_assert(gw_csv_content_type("text/plain"));
    cr_assert_not(gw_csv_content_type("text/csvx"));
    cr_assert_not(gw_csv_content_type("multipart/form-data; boundary=x"));
    cr_assert_not(gw_csv_content_type(NULL));
}
