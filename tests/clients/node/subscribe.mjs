// One subscription through graphql-ws (the client of Apollo Client's GraphQLWsLink and urql)
// on Node's `ws`, as a front end would open it. Driven by tests/clients/test_graphql_ws_client.py.
//
//   GRAPHQL_TOKEN=<token> node subscribe.mjs <ws url> <subscription> [<variables as JSON>]
//
// Prints one JSON line on stdout for each thing that happens, and nothing else:
//   {"event":"message","message":{...}}   every protocol message received (connection_ack, next, ...)
//   {"event":"connected"}                  the server acknowledged connection_init
//   {"event":"next","payload":{...}}       a result, as the subscription's sink gets it
//   {"event":"closed","code":4403,"reason":"..."}   the error sink got a CloseEvent
//   {"event":"error","message":"..."}     the error sink got anything else
//   {"event":"complete"}                  the server completed the subscription
// Exits 0 after EXPECT_EVENTS results (default 1) or on complete, 2 after an error.
// Never retries (retryAttempts 0): a refusal reaches the error sink at once.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variablesJson] = process.argv.slice(2);
const token = process.env.GRAPHQL_TOKEN ?? "";
const expected = Number(process.env.EXPECT_EVENTS ?? "1");
if (!url || !query) {
  process.stderr.write("usage: GRAPHQL_TOKEN=<token> node subscribe.mjs <ws url> <subscription> [<variables>]\n");
  process.exit(64);
}

const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => print({ event: "connected" }),
    message: (message) => print({ event: "message", message }),
  },
});

let heard = 0;
const finish = async (status) => {
  await client.dispose();
  process.exit(status);
};

client.subscribe(
  { query, variables: variablesJson ? JSON.parse(variablesJson) : {} },
  {
    next: (payload) => {
      print({ event: "next", payload });
      heard += 1;
      if (heard >= expected) finish(0);
    },
    error: (error) => {
      // A close is a CloseEvent (ws's, with code and reason); anything else an Error or GraphQL errors.
      if (error && typeof error === "object" && "code" in error && "reason" in error) {
        print({ event: "closed", code: error.code, reason: String(error.reason) });
      } else {
        print({ event: "error", message: error instanceof Error ? error.message : JSON.stringify(error) });
      }
      finish(2);
    },
    complete: () => {
      print({ event: "complete" });
      finish(0);
    },
  },
);
