/*
 * media keeps nothing durable and declares no schema, so the runtime never
 * opens a database for it and would never apply a migration placed in
 * services/media/migrations/. This test makes such a file fail loudly
 * instead of being ignored in silence. The media logic itself is tested
 * in the other files of this folder.
 */
#include <criterion/criterion.h>

#include "../../../services/media/media.h"

Test(schema, media_embeds_no_migrations)
{
    cr_assert_eq(media_migrations_count, 0,
                 "media has no schema: its %lu migration(s) would never be applied",
                 media_migrations_count);
    /* The generated array still ends with its zero entry. */
    cr_assert_eq(media_migrations[0].version, 0);
    cr_assert_null(media_migrations[0].sql);
}
