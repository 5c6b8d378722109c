/*
 * The gateway's schema as the binary embeds it, checked without a database
 * (tests/unit/rls_check.h): every tenant table (tenants, users, sessions,
 * api_keys, audit_log) has row-level security with the tenant policy,
 * versions go up from 1, no migration reaches into another service's
 * schema, and each can run inside the runner's transaction.
 */
#include <criterion/criterion.h>

#include "../../../services/gateway/gateway.h"
#include "../rls_check.h"

#define MIGRATIONS gateway_migrations, (size_t)gateway_migrations_count

Test(schema, every_tenant_table_has_row_level_security)
{
    char table[RLS_CHECK_NAME_MAX] = "";
    char why[256] = "";
    size_t n_tenant = 0;
    int r = rls_check_unprotected(MIGRATIONS, &n_tenant, table, why, sizeof(why));

    cr_assert_neq(r, -1, "cannot read the migrations: %s", why);
    cr_assert_eq(r, 0, "table %s: %s", table, why);
    cr_assert_eq(n_tenant, 5, "expected 5 tenant tables, found %zu", n_tenant);
}

Test(schema, versions_strictly_increase_from_one)
{
    char why[256] = "";

    cr_assert(rls_check_versions(MIGRATIONS, why, sizeof(why)), "%s", why);
}

Test(schema, names_no_other_service_schema)
{
    char found[256] = "";
    int r = rls_check_foreign_schema(MIGRATIONS, "gateway", found, sizeof(found));

    cr_assert_eq(r, 0, "another service's schema is named: %s", found);
}

Test(schema, every_migration_runs_in_one_transaction)
{
    char found[256] = "";
    int r = rls_check_not_transactional(MIGRATIONS, found, sizeof(found));

    cr_assert_eq(r, 0, "cannot run inside the migration's transaction: %s", found);
}
