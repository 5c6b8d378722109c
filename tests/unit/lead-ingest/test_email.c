/* E-mail syntax checks for lead rows. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/lead-ingest/email.h"

Test(email, accepts_addresses_people_have)
{
    const char *ok[][2] = {
        {"ana@example.com", "ana@example.com"},
        {"  Ana.Garcia+ventas@Example.ES ", "Ana.Garcia+ventas@example.es"},
        {"mailto:luis@empresa.com.mx", "luis@empresa.com.mx"},
        {"o'brien@mail.co.uk", "o'brien@mail.co.uk"},
        {"josé@correo.es", "josé@correo.es"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char out[EMAIL_MAX + 1], why[128];
        cr_assert(email_check(ok[i][0], out, sizeof(out), why, sizeof(why)), "%s: %s", ok[i][0],
                  why);
        cr_assert_str_eq(out, ok[i][1]);
    }
}

Test(email, refuses_typing_mistakes_with_a_reason)
{
    const char *bad[][2] = {
        {"ana.example.com", "no @"},
        {"ana@", "nothing after"},
        {"@example.com", "nothing before"},
        {"ana@example", "no dot"},
        {"ana@@example.com", "more than one @"},
        {"ana@example..com", "empty part"},
        {"ana..g@example.com", "two dots"},
        {"ana g@example.com", "not allowed"},
        {"ana@-example.com", "hyphen"},
        {"ana@example.com, luis@example.com", "more than one @"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[EMAIL_MAX + 1], why[128] = "";
        cr_assert_not(email_check(bad[i][0], out, sizeof(out), why, sizeof(why)), "%s", bad[i][0]);
        cr_assert(strstr(why, bad[i][1]), "%s: \"%s\"", bad[i][0], why);
    }
}
