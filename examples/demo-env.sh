# Shell helpers for the examples of README.md and docs/: source it at the repository's
# root, in a shell beside a running `make demo` (bash or zsh; needs python3 and curl):
#
#     . examples/demo-env.sh
#
# It reads demo.json (written by `make demo`) and defines:
#   API          the demo's address: http://127.0.0.1:$PORT, PORT as for `make demo` (8000)
#   PERIOD       the demo's billing period (YYYY-MM)
#   PLATFORM NORTHWIND MERIDIAN HARBOR PINECREST BLUEGATE SUMMIT CEDAR
#                the API tokens of the demo's organizations (platform, Tier 1, Tier 2)
#   token NAME   the token of the organization named NAME in demo.json
#   org_id NAME  the API ID of the organization named NAME
#   gql TOKEN    POST the JSON body read from stdin to $API/graphql as TOKEN; print the
#                answer and keep it in $ANSWER
#   json PATH    print one value of the last answer ($ANSWER): json data.report.version
#                (a dotted path; a number picks a list item: data.reports.edges.0.node.id)

API="http://127.0.0.1:${PORT:-8000}"

token() {
    python3 -c 'import json, sys
print(next(o["token"] for o in json.load(open("demo.json"))["organizations"] if o["name"] == sys.argv[1]))' "$1"
}

org_id() {
    python3 -c 'import json, sys
print(next(o["id"] for o in json.load(open("demo.json"))["organizations"] if o["name"] == sys.argv[1]))' "$1"
}

gql() {
    ANSWER=$(curl -sS "$API/graphql" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data @-)
    echo "$ANSWER"
}

json() {
    python3 -c 'import json, sys
value = json.loads(sys.argv[2])
try:
    for key in sys.argv[1].split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
except (KeyError, IndexError, TypeError, ValueError):
    sys.exit(f"json: no {sys.argv[1]} in {sys.argv[2]}")
print(value if isinstance(value, str) else json.dumps(value))' "$1" "$ANSWER"
}

PERIOD=$(python3 -c 'import json; print(json.load(open("demo.json"))["period"])')
PLATFORM=$(token "Aegis Security")
NORTHWIND=$(token "Northwind Distribution")
MERIDIAN=$(token "Meridian Channel Partners")
HARBOR=$(token "Harbor IT Services")
PINECREST=$(token "Pinecrest Managed Services")
BLUEGATE=$(token "Bluegate Networks")
SUMMIT=$(token "Summit Cloud MSP")
CEDAR=$(token "Cedar Ridge Technologies")
ANSWER='{}'
