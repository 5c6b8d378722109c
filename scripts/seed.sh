#!/usr/bin/env bash
# Seeds the local stack with a demo that calls the sandbox carrier, through
# the public HTTP API only (curl), and starts it, so that a newcomer sees
# real calls happen a few seconds after `make run`:
#
#   - a demo tenant (reused when it exists: its e-mail and password are
#     printed; a second run logs in instead of signing up);
#   - an English assistant "Demo agent" (reused by name);
#   - a SIP number whose trunk is the sandbox carrier (reused by trunk);
#   - a new campaign "Demo <date time>" whose leads are the sandbox
#     carrier's scripted contacts (SANDBOX_CONTACTS, by default
#     tools/sandbox-carrier/contacts.conf), started at once.
#
# The calling hours are the law's (08:00-21:00 in the lead's zone). So that
# the demo calls at any hour of the day, the campaign and its leads are in
# Europe/Madrid when it is daytime there, else in a fixed-offset zone
# (Etc/GMT+N) where it is early afternoon now; the zone is printed.
#
# scripts/stack.sh run calls it with the stack's environment (stack.sh env);
# run by hand against a running stack: eval "$(scripts/stack.sh env)";
# scripts/seed.sh. Environment: OC_GATEWAY_URL, OC_SANDBOX_SIP_PORT (5070),
# OC_SANDBOX_CONTACTS, SEED_EMAIL (demo@outcall.test), SEED_PASSWORD
# (demo-password). Needs curl and python3 (for reading JSON).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GATEWAY=${OC_GATEWAY_URL:-http://127.0.0.1:${GATEWAY_PORT:-8080}}
GATEWAY=${GATEWAY%/}
SIP_PORT=${OC_SANDBOX_SIP_PORT:-${SANDBOX_SIP_PORT:-5070}}
CONTACTS=${OC_SANDBOX_CONTACTS:-${SANDBOX_CONTACTS:-$ROOT/tools/sandbox-carrier/contacts.conf}}
EMAIL=${SEED_EMAIL:-demo@outcall.test}
PASSWORD=${SEED_PASSWORD:-demo-password}
TRUNK="sip:127.0.0.1:$SIP_PORT"
ASSISTANT_NAME="Demo agent"

say() { printf 'seed: %s\n' "$*"; }
die() { printf 'seed: %s\n' "$*" >&2; exit 1; }

command -v curl >/dev/null || die "curl is missing: run scripts/deps.sh"
command -v python3 >/dev/null || die "python3 is missing: run scripts/deps.sh"
[ -r "$CONTACTS" ] || die "cannot read the sandbox contacts $CONTACTS"

# ---------------------------------------------------------------- HTTP

TOKEN=""
BODY=""
CODE=""

# api METHOD PATH [BODY [CONTENT-TYPE]]: sets BODY and CODE.
api() {
    local method=$1 path=$2 data=${3-} ctype=${4:-application/json} out
    local args=(-s -m 30 -X "$method" -w '\n%{http_code}')
    [ -z "$TOKEN" ] || args+=(-H "Authorization: Bearer $TOKEN")
    if [ -n "$data" ]; then args+=(-H "Content-Type: $ctype" --data-binary "$data"); fi
    out=$(curl "${args[@]}" "$GATEWAY$path") || die "no answer from the gateway at $GATEWAY ($method $path)"
    CODE=${out##*$'\n'}
    BODY=${out%$'\n'*}
}

# api_ok WANT METHOD PATH [BODY [CONTENT-TYPE]]: api, then dies unless CODE is WANT.
api_ok() {
    local want=$1
    shift
    api "$@"
    [ "$CODE" = "$want" ] || die "$1 $2 answered $CODE: $BODY"
}

# jget EXPR: evaluates a Python expression over the last body (as `d`).
jget() {
    python3 -c 'import json, sys
d = json.loads(sys.argv[2])
v = eval(sys.argv[1])
print("" if v is None else v)' "$1" "$BODY"
}

# JSON string literal of $1.
jstr() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }

# ---------------------------------------------------------------- tenant

api POST /v1/auth/login "{\"email\":$(jstr "$EMAIL"),\"password\":$(jstr "$PASSWORD")}"
case $CODE in
200)
    TOKEN=$(jget 'd["token"]')
    tenant_state="reused"
    ;;
401)
    api POST /v1/auth/signup \
        "{\"email\":$(jstr "$EMAIL"),\"password\":$(jstr "$PASSWORD"),\"company\":\"Demo Co\"}"
    case $CODE in
    201) TOKEN=$(jget 'd["token"]') ;;
    409) die "$EMAIL exists with another password: set SEED_PASSWORD, or SEED_EMAIL for another tenant" ;;
    *) die "sign-up answered $CODE: $BODY" ;;
    esac
    tenant_state="new"
    ;;
*) die "login answered $CODE: $BODY" ;;
esac

# ---------------------------------------------------------------- assistant

api_ok 200 GET "/v1/assistants?query=Demo&limit=100"
ASSISTANT=$(jget "next((a['id'] for a in d['items'] if a['name'] == $(jstr "$ASSISTANT_NAME")), '')")
if [ -z "$ASSISTANT" ]; then
    api_ok 201 POST /v1/assistants '{
  "name": "Demo agent", "language": "en",
  "greeting": "Hello {first_name}, this is Sofia from Acme Solar. Do you have a minute?",
  "script": {"objective": "book a call with a solar adviser",
             "lines": [{"text": "We help homeowners cut their power bill with rooftop solar panels."},
                       {"text": "Would a short call with one of our advisers this week suit you?"}],
             "closing_line": "Thank you for your time. Goodbye!"},
  "objections": [{"trigger": "busy|call me later|not a good time",
                  "response": "No problem, I will keep it short."}]}'
    ASSISTANT=$(jget 'd["id"]')
fi

# ---------------------------------------------------------------- number

api_ok 200 GET "/v1/numbers?kind=sip&limit=100"
NUMBER=$(jget "next((n['id'] for n in d['items'] if n['trunk'] == $(jstr "$TRUNK")), '')")
if [ -z "$NUMBER" ]; then
    api_ok 201 POST /v1/numbers \
        "{\"kind\":\"sip\",\"trunk\":$(jstr "$TRUNK"),\"caller_id\":\"+34910000000\",\"label\":\"sandbox carrier\"}"
    NUMBER=$(jget 'd["id"]')
fi

# ---------------------------------------------------------------- time zone

# Madrid when it is 09:00-19:59 there; else the whole-hour zone where it is
# 13:00-13:59 now (Etc/GMT+N is N hours *behind* UTC: the sign is POSIX's).
madrid_hour=$((10#$(TZ=Europe/Madrid date +%H)))
if [ "$madrid_hour" -ge 9 ] && [ "$madrid_hour" -lt 20 ]; then
    ZONE=Europe/Madrid
else
    utc_hour=$((10#$(date -u +%H)))
    offset=$((13 - utc_hour))
    [ "$offset" -ge -12 ] || offset=$((offset + 24))
    [ "$offset" -le 14 ] || offset=$((offset - 24))
    if [ "$offset" = 0 ]; then ZONE=Etc/GMT
    elif [ "$offset" -gt 0 ]; then ZONE="Etc/GMT-$offset"
    else ZONE="Etc/GMT+$((-offset))"; fi
fi
local_time=$(TZ=$ZONE date +%H:%M)

# ---------------------------------------------------------------- campaign

NAME="Demo $(date +'%Y-%m-%d %H:%M:%S')"
api_ok 201 POST /v1/campaigns "{
  \"name\": $(jstr "$NAME"), \"assistant_id\": \"$ASSISTANT\", \"number_id\": \"$NUMBER\",
  \"default_region\": \"ES\", \"timezone\": \"$ZONE\",
  \"schedule\": {\"ranges\": [{\"days\": [\"monday\",\"tuesday\",\"wednesday\",\"thursday\",
                 \"friday\",\"saturday\",\"sunday\"], \"start_minute\": 480, \"end_minute\": 1260}]},
  \"pacing\": {\"max_concurrent\": 3}}"
CAMPAIGN=$(jget 'd["id"]')

# The leads: every number contacts.conf names, plus one it does not (the
# "*" line answers it), each with a made-up name and what the simulated
# contact does (the comment above its line) as a custom field. The time
# zone column wins over the number's own zone (Madrid for 91 numbers).
CSV=$(python3 - "$CONTACTS" "$ZONE" <<'EOF'
import csv, io, sys
names = ["Ana García", "Luis Pérez", "Marta Sánchez", "Jorge Ruiz", "Elena Torres",
         "Pablo Romero", "Lucía Navarro", "Diego Molina"]
rows, comment, wildcard = [], "", False
for line in open(sys.argv[1], encoding="utf-8"):
    text = line.strip()
    if text.startswith("#"):
        comment = text.lstrip("# ").split(":")[0]
        continue
    if not text:
        continue
    number = text.split()[0]
    if number == "*":
        wildcard = True
    elif number.startswith("+"):
        rows.append((number, comment or text.split()[1]))
    comment = ""
if wildcard:
    rows.append(("+34910000099", "Anyone else"))
out = io.StringIO()
w = csv.writer(out, lineterminator="\n")
w.writerow(["name", "phone", "timezone", "sandbox"])
for i, (number, what) in enumerate(rows):
    w.writerow([names[i % len(names)], number, sys.argv[2], what])
print(out.getvalue(), end="")
EOF
)
api_ok 200 POST "/v1/campaigns/$CAMPAIGN/leads?file_name=sandbox-contacts.csv" "$CSV" text/csv
imported=$(jget 'd["imported"]')
rejected=$(jget 'd["rejected_count"]')
[ "$rejected" = 0 ] || say "warning: $rejected demo leads were rejected: $(jget 'd["rejected"]')"

api_ok 200 POST "/v1/campaigns/$CAMPAIGN/start"

# ---------------------------------------------------------------- what to do next

cat <<EOF
seed: demo tenant  $EMAIL / $PASSWORD ($tenant_state)
seed: assistant    $ASSISTANT_NAME ($ASSISTANT)
seed: number       $TRUNK, the sandbox carrier ($NUMBER)
seed: campaign     "$NAME" ($CAMPAIGN): $imported leads, started;
seed:              its calls are in time zone $ZONE ($local_time there now)
seed: watch it (README.md, "Watch a campaign"):
    export TOKEN=$TOKEN
    curl -sN $GATEWAY/v1/events -H "Authorization: Bearer \$TOKEN"
    curl -s "$GATEWAY/v1/calls?campaign_id=$CAMPAIGN" -H "Authorization: Bearer \$TOKEN"
EOF
