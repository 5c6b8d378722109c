/*
 * The jitter buffer: playout starts after the configured delay, reordered
 * packets come out in order, a lost packet is reported missing once, a
 * late one is dropped, and a jump in sequence numbers restarts playout.
 */
#include <criterion/criterion.h>

#include "../../../services/media/jitter.h"

static void put(struct jitter *j, uint16_t seq)
{
    uint8_t b = (uint8_t)seq;
    jitter_put(j, seq, &b, 1);
}

/* -1: missing; else the payload byte. */
static int get(struct jitter *j)
{
    uint8_t b = 0;
    size_t len = 0;
    return jitter_get(j, &b, 1, &len) ? b : -1;
}

Test(jitter, nothing_plays_before_the_first_packet_and_the_delay)
{
    struct jitter j;
    jitter_init(&j, 2);
    cr_assert_eq(get(&j), -1);
    put(&j, 100);
    cr_assert_eq(get(&j), -1);
    cr_assert_eq(get(&j), -1);
    cr_assert_eq(get(&j), 100);
    cr_assert_eq(j.missing, 0, "waiting for the delay is not a loss");
}

Test(jitter, reordered_packets_play_in_order)
{
    struct jitter j;
    jitter_init(&j, 2);
    put(&j, 10);
    put(&j, 12);
    put(&j, 11);
    get(&j);
    get(&j);
    cr_assert_eq(get(&j), 10);
    cr_assert_eq(get(&j), 11);
    cr_assert_eq(get(&j), 12);
    cr_assert_eq(get(&j), -1);
    cr_assert_eq(j.played, 3);
}

Test(jitter, a_lost_packet_is_missing_once_and_a_late_one_dropped)
{
    struct jitter j;
    jitter_init(&j, 0);
    put(&j, 65535);
    cr_assert_eq(get(&j), 255);
    put(&j, 1); /* 0 is lost, across the wrap */
    cr_assert_eq(get(&j), -1);
    cr_assert_eq(get(&j), 1);
    put(&j, 0); /* arrives after its turn */
    cr_assert_eq(j.late, 1);
    cr_assert_eq(get(&j), -1);
    cr_assert_eq(j.missing, 2);
}

Test(jitter, a_jump_restarts_playout)
{
    struct jitter j;
    jitter_init(&j, 1);
    put(&j, 5);
    get(&j);
    cr_assert_eq(get(&j), 5);
    put(&j, 40000);
    cr_assert_eq(j.resets, 1);
    cr_assert_eq(get(&j), -1, "the delay again");
    cr_assert_eq(get(&j), 64); /* 40000 & 0xFF */
}

Test(jitter, a_stale_slot_from_an_earlier_lap_is_not_played)
{
    struct jitter j;
    jitter_init(&j, 0);
    put(&j, 0);
    put(&j, 5); /* never played: 0 plays, then we stop before 5 */
    cr_assert_eq(get(&j), 0);
    for (int i = 1; i < 5; i++)
        cr_assert_eq(get(&j), -1);
    cr_assert_eq(get(&j), 5);
    /* One lap later slot 5 % 16 must not replay packet 5 for 21. */
    for (int i = 6; i < 21; i++)
        get(&j);
    cr_assert_eq(get(&j), -1);
}
