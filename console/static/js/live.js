// Live report events over the WebSocket, with graphql-ws (vendored, unmodified), following
// the rule of docs/dashboards.md: subscribe, then ping; once the pong comes back the
// subscription is registered (the server handles a connection's messages in order), and
// only then load. After any break — a reconnect, or a subscription ended by the server
// (EVENTS_MISSED) — subscribe again, ping, and refetch on the pong: nothing is replayed.

import { createClient } from "../vendor/graphql-ws-6.4.2/client.js";
import { REPORT_EVENTS } from "./operations.js";

const REFUSED = 4403; // the token was refused (unknown, revoked, expired)
const FIRST_SYNC_WAIT_MS = 5000; // past it, screens load anyway (and refetch once live)

/**
 * Start listening. Returns {ready, stop}: `ready` resolves once the first subscription is
 * live (true) or after FIRST_SYNC_WAIT_MS without it (false).
 *   onEvent(event)  a ReportEvent (REPORT_EVENTS' selection)
 *   onResync()      live again after a break: refetch what is shown
 *   onState(state)  "connecting" | "subscribing" | "live" | "reconnecting" | "refused"
 *   onRefused()     the server closed the socket with 4403
 */
export function startLive({ url, token, onEvent, onResync, onState, onRefused }) {
  let socket = null;
  let stopped = false;
  let readyGiven = false;
  let generation = 0;
  let unsubscribe = () => {};
  let giveReady;
  const ready = new Promise((resolve) => (giveReady = resolve));
  const settle = (live) => {
    if (!readyGiven) {
      readyGiven = true;
      giveReady(live);
      return true;
    }
    return false;
  };
  const firstWait = setTimeout(() => settle(false), FIRST_SYNC_WAIT_MS);

  // graphql-ws sends a subscribe message within the microtasks that follow `subscribe()`
  // (or the connection's acknowledgement); a timer runs after them, so this ping follows it.
  // Its pong counts only for the subscription it followed: one refused meanwhile (an error
  // message comes before the pong) has started another, with a ping of its own.
  let awaiting = null; // the subscription (generation) whose ping is out
  const pingAfterSubscribe = () =>
    setTimeout(() => {
      if (socket && socket.readyState === WebSocket.OPEN) {
        awaiting = generation;
        socket.send(JSON.stringify({ type: "ping" }));
      }
    }, 0);

  const client = createClient({
    url,
    lazy: false, // one connection for the whole session, kept open between subscriptions
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: Infinity,
    retryWait: (retries) =>
      new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** retries) + Math.random() * 500)),
    shouldRetry: (event) => event?.code !== REFUSED,
    onNonLazyError: (error) => {
      // only fatal closes reach here (retries never run out)
      if (stopped) return;
      if (error?.code === REFUSED) {
        onState("refused");
        onRefused();
      } else {
        onState("reconnecting");
      }
    },
    on: {
      connecting: (reconnecting) => onState(reconnecting ? "reconnecting" : "connecting"),
      connected: (opened) => {
        socket = opened;
        onState("subscribing");
        pingAfterSubscribe();
      },
      pong: (received) => {
        if (!received || stopped || awaiting !== generation) return;
        awaiting = null;
        onState("live");
        if (!settle(true)) onResync();
      },
      closed: () => {
        socket = null;
        if (!stopped) onState("reconnecting");
      },
    },
  });

  function subscribe() {
    const mine = ++generation;
    const again = (delayMs) => {
      if (stopped || mine !== generation) return;
      generation++;
      unsubscribe();
      onState("subscribing");
      setTimeout(subscribe, delayMs);
    };
    unsubscribe = client.subscribe(
      { query: REPORT_EVENTS },
      {
        next: (message) => {
          if (mine !== generation) return;
          if (message.errors?.length) again(0); // EVENTS_MISSED: the subscription ends; refetch once live again
          else onEvent(message.data.reportEvents);
        },
        error: (error) => {
          if (error?.code === REFUSED) return; // onNonLazyError says so
          again(1000); // EVENTS_UNAVAILABLE (the worker is reconnecting to the events) and the like
        },
        complete: () => again(0),
      },
    );
    pingAfterSubscribe();
  }

  subscribe();
  return {
    ready,
    stop() {
      stopped = true;
      clearTimeout(firstWait);
      unsubscribe();
      client.dispose();
    },
  };
}
