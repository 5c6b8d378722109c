/*
 * Accounts and sessions: sign-up (a tenant, its owner and a first session),
 * login with brute-force protection, logout, the caller's own identity, and
 * the bearer check every other /v1 route passes through first.
 *
 * Login failures are counted per e-mail and per client address in Postgres,
 * so every gateway copy enforces the same limits. Past a limit the answer is
 * 429 even for the right password: otherwise the limit would only slow an
 * attacker down, not stop the guessing. An unknown e-mail costs the same
 * argon2id verification as a known one, so timing does not tell them apart.
 */
#include <string.h>

#include "gateway.h"
#include "oc/crypto.h"
#include "oc/json.h"
#include "oc/log.h"

#define PASSWORD_MIN_CHARS 8
/* argon2 takes any length; the bound only keeps a request from making it hash megabytes.
 * Lengths are in characters, as oc_json_get_string counts them. */
#define PASSWORD_MAX_CHARS 1024
#define COMPANY_MAX_CHARS 200

/* Characters, not bytes: a password of eight accented letters is eight long. */
static size_t auth_utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    }
    return n;
}

/* Copies s without leading and trailing white space into the arena. */
static const char *auth_trim(struct oc_arena *arena, const char *s)
{
    size_t n;

    s += strspn(s, " \t\r\n");
    n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
        n--;
    return oc_arena_strndup(arena, s, n);
}

/* ------------------------------------------------------------ bearer check */

enum oc_status gw_authenticate(struct gw_request *req)
{
    struct gw_principal who;
    const char *token;
    size_t len;
    char hash[65];
    enum oc_status s;

    if (req->authorization == NULL) {
        req->www_authenticate = "Bearer realm=\"outcall\"";
        return gw_fail(req, OC_ERR_UNAUTHENTICATED,
                       "missing credentials: send Authorization: Bearer <token>");
    }
    if (gw_bearer_parse(req->authorization, &token, &len) != OC_OK) {
        req->www_authenticate = "Bearer realm=\"outcall\", error=\"invalid_request\"";
        return gw_fail(req, OC_ERR_UNAUTHENTICATED,
                       "malformed Authorization header: expected Bearer <token>");
    }

    gw_token_hash(token, len, hash);
    memset(&who, 0, sizeof(who));
    if (gw_token_is_api_key(token, len))
        s = store_api_key_find(req->gw->svc->db, hash, &who);
    else
        s = store_session_find(req->gw->svc->db, hash, &who);
    if (s == OC_ERR_UNAUTHENTICATED) {
        req->www_authenticate = "Bearer realm=\"outcall\", error=\"invalid_token\"";
        return gw_fail(req, s, "invalid, expired or revoked token");
    }
    if (s != OC_OK)
        return s;
    req->who = who;
    return OC_OK;
}

/* ------------------------------------------------------------ sign-up */

/* Reads and checks the sign-up fields; the strings are borrowed from in. */
static enum oc_status auth_signup_fields(struct gw_request *req, const json_t *in,
                                         const char **email, const char **password,
                                         const char **company)
{
    enum oc_status s;

    s = oc_json_get_string(in, "email", true, GW_EMAIL_MAX, email, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    s = oc_json_get_string(in, "password", true, PASSWORD_MAX_CHARS, password, req->error,
                           sizeof(req->error));
    if (s != OC_OK)
        return s;
    s = oc_json_get_string(in, "company", true, COMPANY_MAX_CHARS, company, req->error,
                           sizeof(req->error));
    if (s != OC_OK)
        return s;

    if (!gw_email_valid(*email))
        return gw_fail(req, OC_ERR_INVALID, "field \"email\" is not a valid e-mail address");
    if (auth_utf8_chars(*password) < PASSWORD_MIN_CHARS)
        return gw_fail(req, OC_ERR_INVALID, "field \"password\" must be at least %d characters",
                       PASSWORD_MIN_CHARS);
    if ((*company)[strspn(*company, " \t\r\n")] == '\0')
        return gw_fail(req, OC_ERR_INVALID, "field \"company\" must not be empty");
    return OC_OK;
}

enum oc_status handle_auth_signup(struct gw_request *req)
{
    struct gateway *gw = req->gw;
    json_t *in = NULL;
    const char *email, *password, *company;
    char norm[GW_EMAIL_MAX + 1];
    char tenant_id[37], user_id[37], session_id[37];
    char token[GW_TOKEN_MAX + 1], token_hash[65];
    char pw_hash[GW_PASSWORD_HASH_MAX];
    struct store_signup su;
    struct store_actor actor;
    enum oc_status s;

    s = gw_parse_body(req, &in);
    if (s != OC_OK)
        return s;
    s = auth_signup_fields(req, in, &email, &password, &company);
    if (s != OC_OK)
        goto out;
    gw_email_normalise(email, norm, sizeof(norm));

    s = oc_uuid_v4(tenant_id);
    if (s == OC_OK)
        s = oc_uuid_v4(user_id);
    if (s == OC_OK)
        s = oc_uuid_v4(session_id);
    if (s == OC_OK)
        s = gw_token_new_session(token);
    if (s == OC_OK)
        s = gw_password_hash(password, pw_hash);
    if (s != OC_OK)
        goto out;
    gw_token_hash(token, strlen(token), token_hash);

    su = (struct store_signup){
        .tenant_id = tenant_id,
        .user_id = user_id,
        .session_id = session_id,
        .email = norm,
        .company = auth_trim(req->arena, company),
        .password_hash = pw_hash,
        .token_hash = token_hash,
        .session_ttl_hours = gw->cfg.session_ttl_hours,
    };
    if (su.company == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    gw_actor(req, &actor);
    actor.tenant_id = tenant_id;
    actor.user_id = user_id;
    s = store_signup(gw->svc->db, &su, &actor);
    if (s == OC_ERR_CONFLICT) {
        s = gw_fail(req, s, "an account with this e-mail already exists");
        goto out;
    }
    if (s != OC_OK)
        goto out;

    oc_info("signup: tenant %s, owner %s", tenant_id, user_id);
    gw_event_tenant_created(req, tenant_id, su.company, user_id, norm);
    gw_grant_trial(req, tenant_id, user_id);
    s = gw_reply(
        req, 201,
        json_pack("{s:s, s:s, s:s}", "tenant_id", tenant_id, "user_id", user_id, "token", token));
out:
    memset(token, 0, sizeof(token));
    json_decref(in);
    return s;
}

/* ------------------------------------------------------------ login and logout */

/* The wait before another attempt, or 0 when one may go ahead now. */
static long auth_login_wait(const struct gateway *gw, const struct store_login *login)
{
    struct gw_rate_limit per_email = {gw->cfg.login_max_failures, GW_LOGIN_WINDOW_S};
    struct gw_rate_limit per_addr = {gw->cfg.login_max_failures_per_addr, GW_LOGIN_WINDOW_S};
    long a = gw_rate_limit_retry_after(&per_email, login->email_failures, login->n_email_failures,
                                       login->now);
    long b = gw_rate_limit_retry_after(&per_addr, login->addr_failures, login->n_addr_failures,
                                       login->now);

    return a > b ? a : b;
}

enum oc_status handle_auth_login(struct gw_request *req)
{
    struct gateway *gw = req->gw;
    json_t *in = NULL;
    const char *email, *password;
    /* Four bytes a character: a login's e-mail is not checked for syntax
     * (a wrong one is simply not found), so it may be any UTF-8. */
    char norm[4 * GW_EMAIL_MAX + 1];
    char attempt_id[24];
    char session_id[37], token[GW_TOKEN_MAX + 1], token_hash[65];
    struct store_login login;
    struct store_actor actor;
    bool ok;
    long wait;
    enum oc_status s;

    s = gw_parse_body(req, &in);
    if (s != OC_OK)
        return s;
    s = oc_json_get_string(in, "email", true, GW_EMAIL_MAX, &email, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = oc_json_get_string(in, "password", true, PASSWORD_MAX_CHARS, &password, req->error,
                               sizeof(req->error));
    if (s != OC_OK)
        goto out;
    gw_email_normalise(email, norm, sizeof(norm));

    s = store_login_read(gw->svc->db, norm, req->remote_addr, GW_LOGIN_WINDOW_S,
                         gw->cfg.login_max_failures, gw->cfg.login_max_failures_per_addr,
                         req->arena, &login);
    if (s != OC_OK)
        goto out;
    wait = auth_login_wait(gw, &login);
    if (wait > 0) {
        oc_metric_add(gw->login_limited, 1);
        oc_info("login: refused, too many failures (address %s)", req->remote_addr);
        req->retry_after_s = wait;
        s = gw_fail(req, OC_ERR_RATE_LIMITED, "too many failed logins: try again in %ld seconds",
                    wait);
        goto out;
    }
    s = store_login_attempt(gw->svc->db, norm, req->remote_addr, attempt_id);
    if (s != OC_OK)
        goto out;

    ok = gw_password_verify(login.user_found ? login.password_hash : gw->dummy_hash, password);
    if (!ok || !login.user_found) {
        oc_metric_add(gw->login_failures, 1);
        oc_info("login: wrong credentials (address %s)", req->remote_addr);
        req->error_code = "invalid_credentials";
        s = gw_fail(req, OC_ERR_UNAUTHENTICATED, "wrong e-mail or password");
        goto out;
    }

    s = oc_uuid_v4(session_id);
    if (s == OC_OK)
        s = gw_token_new_session(token);
    if (s != OC_OK)
        goto out;
    gw_token_hash(token, strlen(token), token_hash);
    gw_actor(req, &actor);
    actor.tenant_id = login.tenant_id;
    actor.user_id = login.user_id;
    s = store_login_succeeded(gw->svc->db, &login, attempt_id, session_id, token_hash,
                              gw->cfg.session_ttl_hours, &actor);
    if (s != OC_OK)
        goto out;
    s = gw_reply(req, 200, json_pack("{s:s}", "token", token));
out:
    memset(token, 0, sizeof(token));
    json_decref(in);
    return s;
}

enum oc_status handle_auth_logout(struct gw_request *req)
{
    struct store_actor actor;
    enum oc_status s;

    if (req->who.session_id[0] == '\0')
        return gw_fail(req, OC_ERR_INVALID,
                       "logout ends a session; an API key is revoked with DELETE "
                       "/v1/api-keys/{id}");
    gw_actor(req, &actor);
    s = store_session_revoke(req->gw->svc->db, req->who.session_id, &actor);
    if (s != OC_OK)
        return s;
    return gw_reply(req, 204, NULL);
}

/* ------------------------------------------------------------ identity */

enum oc_status handle_me_get(struct gw_request *req)
{
    struct store_me me;
    enum oc_status s;

    s = store_me(req->gw->svc->db, &req->who, req->arena, &me);
    if (s != OC_OK)
        return s;
    return gw_reply(req, 200,
                    json_pack("{s:s, s:s, s:s, s:s}", "tenant_id", req->who.tenant_id, "user_id",
                              req->who.user_id, "email", me.email, "company", me.company));
}
