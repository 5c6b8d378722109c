/*
 * Tests of the migration checker itself (tests/unit/rls_check.h), which
 * every service's schema test relies on: a checker that passed everything
 * would make all of them worthless. It is header-only and each service's
 * tests link on their own, so its tests live once, here, beside the first
 * service that uses it.
 */
#include <criterion/criterion.h>

#include "../rls_check.h"

#define POLICY(t)                                                                                  \
    "CREATE POLICY " t "_tenant ON " t "\n"                                                        \
    "    USING (tenant_id = rls_tenant() OR rls_bypass())\n"                                       \
    "    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());\n"

#define PROTECT(t)                                                                                 \
    "ALTER TABLE " t " ENABLE ROW LEVEL SECURITY;\n"                                               \
    "ALTER TABLE " t " FORCE ROW LEVEL SECURITY;\n" POLICY(t)

#define LEADS_TABLE "CREATE TABLE leads (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, n text);\n"

/* Runs the checker over one or two migrations; returns its result. */
static int check(const char *sql1, const char *sql2, char *table, char *why, size_t *n_tenant)
{
    const struct oc_migration migs[] = {{1, "001_a", sql1}, {2, "002_b", sql2}};
    return rls_check_unprotected(migs, sql2 ? 2 : 1, n_tenant, table, why, 256);
}

Test(rls_check, accepts_a_protected_table)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    size_t n = 0;
    cr_assert_eq(check(LEADS_TABLE PROTECT("leads"), NULL, table, why, &n), 0, "%s", why);
    cr_assert_eq(n, 1);
}

Test(rls_check, names_a_table_without_force)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    const char *sql = LEADS_TABLE "ALTER TABLE leads ENABLE ROW LEVEL SECURITY;\n" POLICY("leads");
    cr_assert_eq(check(sql, NULL, table, why, NULL), 1);
    cr_assert_str_eq(table, "leads");
    cr_assert(strstr(why, "not forced"), "%s", why);
}

Test(rls_check, names_a_table_without_enable)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    const char *sql = LEADS_TABLE "ALTER TABLE leads FORCE ROW LEVEL SECURITY;\n" POLICY("leads");
    cr_assert_eq(check(sql, NULL, table, why, NULL), 1);
    cr_assert(strstr(why, "not enabled"), "%s", why);
}

Test(rls_check, names_a_table_without_policy)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    const char *sql = LEADS_TABLE "ALTER TABLE leads ENABLE ROW LEVEL SECURITY;\n"
                                  "ALTER TABLE leads FORCE ROW LEVEL SECURITY;\n";
    cr_assert_eq(check(sql, NULL, table, why, NULL), 1);
    cr_assert_str_eq(table, "leads");
    cr_assert(strstr(why, "policy"), "%s", why);
}

Test(rls_check, refuses_a_policy_other_than_the_tenant_one)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    const char *base = LEADS_TABLE "ALTER TABLE leads ENABLE ROW LEVEL SECURITY;\n"
                                   "ALTER TABLE leads FORCE ROW LEVEL SECURITY;\n";
    const char *open_using = "CREATE POLICY p ON leads USING (true)\n"
                             "  WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());";
    const char *no_check = "CREATE POLICY p ON leads USING (tenant_id = rls_tenant() OR "
                           "rls_bypass());";
    const char *select_only = "CREATE POLICY p ON leads FOR SELECT\n"
                              "  USING (tenant_id = rls_tenant() OR rls_bypass())\n"
                              "  WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());";
    cr_assert_eq(check(base, open_using, table, why, NULL), 1);
    cr_assert_eq(check(base, no_check, table, why, NULL), 1);
    cr_assert_eq(check(base, select_only, table, why, NULL), 1);
}

Test(rls_check, a_later_migration_can_undo_protection)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    const char *good = LEADS_TABLE PROTECT("leads");
    cr_assert_eq(check(good, "ALTER TABLE leads DISABLE ROW LEVEL SECURITY;", table, why, NULL), 1);
    cr_assert_eq(check(good, "ALTER TABLE leads NO FORCE ROW LEVEL SECURITY;", table, why, NULL),
                 1);
    cr_assert_eq(check(good, "DROP POLICY leads_tenant ON leads;", table, why, NULL), 1);
    cr_assert_eq(check(good, "ALTER POLICY leads_tenant ON leads USING (true);", table, why, NULL),
                 1);
    cr_assert_eq(check(good, "ALTER TABLE leads ADD COLUMN x int;", table, why, NULL), 0, "%s",
                 why);
}

Test(rls_check, a_dropped_table_needs_nothing)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    size_t n = 9;
    cr_assert_eq(check(LEADS_TABLE, "DROP TABLE IF EXISTS leads;", table, why, &n), 0, "%s", why);
    cr_assert_eq(n, 0);
}

Test(rls_check, a_tenant_id_added_later_makes_a_tenant_table)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    cr_assert_eq(check("CREATE TABLE prices (id uuid, cents int);",
                       "ALTER TABLE prices ADD COLUMN IF NOT EXISTS tenant_id uuid;", table, why,
                       NULL),
                 1);
    cr_assert_str_eq(table, "prices");
}

Test(rls_check, reads_only_columns_not_comments_strings_or_constraints)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    size_t n = 9;
    const char *sql = "-- tenant_id: not here\n"
                      "CREATE TABLE prices (\n"
                      "    id uuid, /* tenant_id, neither */\n"
                      "    note text DEFAULT 'x, tenant_id',\n"
                      "    body text DEFAULT $q$ , tenant_id $q$,\n"
                      "    CHECK (note <> 'tenant_id'),\n"
                      "    UNIQUE (tenant_id)\n"
                      ");";
    cr_assert_eq(check(sql, NULL, table, why, &n), 0, "%s", why);
    cr_assert_eq(n, 0);
}

Test(rls_check, understands_quotes_qualification_case_and_combined_actions)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    size_t n = 0;
    const char *sql =
        "create table IF NOT EXISTS lead_ingest.\"leads\" (\n"
        "  \"tenant_id\" uuid not null);\n"
        "alter table only leads enable row level security, force row level security;\n"
        "create policy p on lead_ingest.leads\n"
        "  using (TENANT_ID = RLS_TENANT() or RLS_BYPASS())\n"
        "  with check (tenant_id = rls_tenant() or rls_bypass());";
    cr_assert_eq(check(sql, NULL, table, why, &n), 0, "%s: %s", table, why);
    cr_assert_eq(n, 1);
}

Test(rls_check, reports_unreadable_sql)
{
    char table[RLS_CHECK_NAME_MAX] = "", why[256] = "";
    cr_assert_eq(check("CREATE TABLE t (a text DEFAULT 'oops);", NULL, table, why, NULL), -1);
    cr_assert_eq(check("/* never closed", NULL, table, why, NULL), -1);
}

Test(rls_check, versions_start_at_one_and_go_up)
{
    char why[256] = "";
    const struct oc_migration ok[] = {{1, "001_a", ""}, {3, "003_c", ""}};
    const struct oc_migration from_two[] = {{2, "002_b", ""}};
    const struct oc_migration repeated[] = {{1, "001_a", ""}, {1, "001_b", ""}};
    const struct oc_migration backwards[] = {{1, "001_a", ""}, {3, "003_c", ""}, {2, "002_b", ""}};
    cr_assert(rls_check_versions(ok, 2, why, sizeof(why)), "%s", why);
    cr_assert_not(rls_check_versions(ok, 0, why, sizeof(why)));
    cr_assert_not(rls_check_versions(from_two, 1, why, sizeof(why)));
    cr_assert_not(rls_check_versions(repeated, 2, why, sizeof(why)));
    cr_assert_not(rls_check_versions(backwards, 3, why, sizeof(why)));
    cr_assert(strstr(why, "002_b"), "%s", why);
}

Test(rls_check, finds_another_services_schema)
{
    char found[256] = "";
    const struct oc_migration qualified[] = {
        {1, "001_a", "CREATE VIEW v AS SELECT * FROM billing.ledger_entries;"}};
    const struct oc_migration quoted[] = {{1, "001_a", "SELECT * FROM \"gateway\".users;"}};
    const struct oc_migration moved[] = {{1, "001_a", "ALTER TABLE t SET SCHEMA tickets;"}};
    const struct oc_migration own[] = {
        {1, "001_a",
         "-- billing.x, gateway.y\n"
         "CREATE TABLE scheduler.calls (note text DEFAULT 'billing.x');\n"
         "CREATE INDEX i ON calls (id);"}};
    cr_assert_eq(rls_check_foreign_schema(qualified, 1, "scheduler", found, sizeof(found)), 1);
    cr_assert_str_eq(found, "001_a: billing");
    cr_assert_eq(rls_check_foreign_schema(quoted, 1, "scheduler", found, sizeof(found)), 1);
    cr_assert_eq(rls_check_foreign_schema(moved, 1, "scheduler", found, sizeof(found)), 1);
    cr_assert_eq(rls_check_foreign_schema(own, 1, "scheduler", found, sizeof(found)), 0, "%s",
                 found);
}

Test(rls_check, finds_what_cannot_run_in_a_transaction)
{
    char found[256] = "";
    const struct oc_migration commit[] = {{1, "001_a", "CREATE TABLE t (a int);\nCOMMIT;"}};
    const struct oc_migration concurrently[] = {
        {1, "001_a", "CREATE INDEX CONCURRENTLY i ON t (a);"}};
    const struct oc_migration function[] = {
        {1, "001_a",
         "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  PERFORM 1;\nCOMMIT;\nEND $$;"}};
    cr_assert_eq(rls_check_not_transactional(commit, 1, found, sizeof(found)), 1);
    cr_assert_str_eq(found, "001_a: commit");
    cr_assert_eq(rls_check_not_transactional(concurrently, 1, found, sizeof(found)), 1);
    cr_assert_eq(rls_check_not_transactional(function, 1, found, sizeof(found)), 0, "%s", found);
}
