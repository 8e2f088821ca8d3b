"""Print the live events of the reports a token may see for one period (docs/dashboards.md).

    python examples/dashboard.py TOKEN PERIOD [--events N] [--url ws://127.0.0.1:8000/graphql]

Subscribes, waits until the subscription is live, then prints every event as it comes;
reconnects with backoff after a break. With --events N it stops after N events.
Needs `websockets` (installed with the service: uvicorn[standard]).
"""

import argparse
import asyncio
import json
import os
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

EVENTS = """subscription Events($filter: ReportEventFilter) {
  reportEvents(filter: $filter) {
    action occurredAt actor { name organization { name } }
    report { id status version partner { name } availableActions } } }"""


async def watch(url: str, token: str, period: str, events_left: list[int]) -> None:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "events",
                    "type": "subscribe",
                    "payload": {"query": EVENTS, "variables": {"filter": {"period": period}}},
                }
            )
        )
        await ws.send(json.dumps({"type": "ping"}))  # its pong means: the subscription is live
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "pong":
                print("live: now load the reports (the `reports` query) and show them", flush=True)
            elif message["type"] == "next" and "errors" not in message["payload"]:
                event = message["payload"]["data"]["reportEvents"]
                report = event["report"]
                print(
                    event["occurredAt"],
                    report["partner"]["name"],
                    event["action"],
                    f"-> {report['status']} (version {report['version']})",
                    report["availableActions"],
                    flush=True,
                )
                events_left[0] -= 1
                if events_left[0] == 0:
                    return
            else:  # the subscription ended (EVENTS_MISSED, ...): start over, and refetch
                raise RuntimeError(f"subscription ended: {message}")


async def main(url: str, token: str, period: str, events: int) -> None:
    events_left, delay = [events], 1.0
    while True:
        try:
            await watch(url, token, period, events_left)
            return
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == 4403:
                sys.exit("the token was refused")
            print(f"disconnected ({closed}); reconnecting", flush=True)
        except (OSError, RuntimeError) as error:
            print(f"{error}; reconnecting", flush=True)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token")
    parser.add_argument("period", help="YYYY-MM")
    parser.add_argument("--events", type=int, default=0, help="stop after this many events (default: never)")
    parser.add_argument("--url", default=f"ws://127.0.0.1:{os.environ.get('PORT', '8000')}/graphql")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.token, args.period, args.events))
