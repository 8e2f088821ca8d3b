"""deploy/nginx.conf in front of two APIs over one PostgreSQL, run for real by Debian's nginx.

docker-compose.yml puts nginx on deploy/nginx.conf in front of two API containers. There is
no Docker here, so the same file, rewritten only where a test machine needs it
(``tests.live.proxy``: the upstreams become two ``billing-reports serve`` processes on
loopback ports, as in test_several_hosts.py, and the port, pid file, logs and temp paths
the test's own), runs in front of a test deployment whose APIs have a metrics token, as
in the compose file. Through the proxy:

- GraphQL over HTTP answers, spread over both APIs (each API's own ``/metrics``, scraped
  directly, counts half of the requests: round robin);
- a ``graphql-ws`` subscription opened by a real client (gql's ``WebsocketsTransport``)
  hears two mutations made through the proxy, which land on the two APIs: one of them on
  the API that does not hold the socket;
- the APIs see the ``Host`` the client asked for, port included: a page of the proxy's own
  origin may open the socket (another origin's may not), and a redirect stays on the proxy;
- every answer carries an ``X-Request-ID``: nginx's own request ID (its access log says
  so), or the client's when it sends one (docs/api.md);
- ``/metrics`` is 404 (nginx's, even with the token), while each API answers it directly;
- a body of 1 MiB reaches the API, one byte more is refused with 413.

Without nginx the live tests skip, saying how to install it; under CI they fail. The
rewriting's own tests need neither nginx nor PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from gql import Client, GraphQLRequest
from websockets.exceptions import InvalidStatus

from server.limits import MAX_BODY_BYTES
from tests.api import operations as op
from tests.api.client import gql
from tests.api.dashboards import Dashboard
from tests.api.test_metrics import parse
from tests.clients.scenario import REPORT_EVENTS, the_save_of
from tests.clients.test_gql_client import transport
from tests.live.deployment import Channel, Deployment, Worker, running_deployment
from tests.live.proxy import CONFIG, ConfigDrift, Proxy, for_test_machine, nginx_executable, start_proxy

METRICS_TOKEN = "proxy-test-metrics-token"
VIEWER = "query ProxyViewer { viewer { organization { name tier } } }"
REQUESTS_OK = 'billing_reports_requests_total{{operation="{}",outcome="ok"}}'

live = pytest.mark.postgres_only


# --- the rewriting: deploy/nginx.conf as it is, changed only where a test machine needs it ---------


def rewrite(text: str, run_dir: Path) -> str:
    return for_test_machine(text, (18001, 18002), 18080, run_dir, as_root=False)


def test_the_rewriting_changes_only_the_addresses_and_the_local_paths(tmp_path: Path) -> None:
    original = CONFIG.read_text()
    rewritten = rewrite(original, tmp_path)

    assert "server 127.0.0.1:18001 max_fails=1 fail_timeout=5s;" in rewritten
    assert "server 127.0.0.1:18002 max_fails=1 fail_timeout=5s;" in rewritten
    assert "listen 127.0.0.1:18080;" in rewritten
    assert f"pid {tmp_path}/nginx.pid;" in rewritten and "daemon off;" in rewritten
    assert not re.search(r"^\s*user\s", rewritten, re.MULTILINE)
    # Run as root, nginx's workers would be nobody's, who may not enter the test's directory.
    assert "\nuser root;\n" in for_test_machine(original, (18001, 18002), 18080, tmp_path, as_root=True)
    # Every other line of the file is kept, in its order.
    replaced = ("server api1:8000 ", "server api2:8000 ", "listen 8080;")
    kept = [line for line in original.splitlines() if not any(old in line for old in replaced)]
    lines = iter(rewritten.splitlines())
    assert all(line in lines for line in kept)


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        ("listen 8080;", "listen 8081;", 0),  # the port changed
        ("server api2:8000 ", "server api-two:8000 ", 0),  # an upstream renamed
        ("server api1:8000 max_fails=1 fail_timeout=5s;", "server api1:8000 max_fails=1 fail_timeout=5s;" * 2, 2),
        ("events {}", "events { worker_connections 1024; }", 0),
    ],
)
def test_a_substitution_that_no_longer_applies_fails_loudly(tmp_path: Path, old: str, new: str, found: int) -> None:
    changed = CONFIG.read_text().replace(old, new)
    with pytest.raises(ConfigDrift, match=f"is in deploy/nginx.conf {found} times, not once"):
        rewrite(changed, tmp_path)


# --- the proxy, for real ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx() -> str:
    return nginx_executable()


@pytest.fixture(scope="module")
def deployment(nginx: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    env = {"BILLING_REPORTS_METRICS_TOKEN": METRICS_TOKEN}  # as docker-compose.yml
    yield from running_deployment(tmp_path_factory, "proxy", worker_count=2, env=env)


@pytest.fixture(scope="module")
def proxy(nginx: str, deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    api1, api2 = deployment.workers
    running = start_proxy(nginx, (api1.port, api2.port), tmp_path_factory.mktemp("nginx"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def client(proxy: Proxy) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=proxy.http_url, timeout=15) as through_the_proxy:
        yield through_the_proxy


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def scrape(api: Worker) -> dict[str, float]:
    """The API's own ``/metrics``, directly (not through the proxy), with the metrics token."""
    async with httpx.AsyncClient(base_url=api.http_url, timeout=10) as direct:
        answer = await direct.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


async def scrape_all(deployment: Deployment) -> list[dict[str, float]]:
    return [await scrape(api) for api in deployment.workers]


@live
async def test_queries_through_the_proxy_answer_and_are_spread_over_both_apis(
    deployment: Deployment, channel: Channel, client: httpx.AsyncClient
) -> None:
    for _ in range(6):
        answer = await client.post("/graphql", json={"query": VIEWER}, headers=bearer(channel.alpha.token))
        assert answer.status_code == 200, answer.text
        organization = answer.json()["data"]["viewer"]["organization"]
        assert organization["tier"] == "TIER2" and organization["name"].startswith("Alpha "), organization

    counted = [metrics.get(REQUESTS_OK.format("ProxyViewer"), 0) for metrics in await scrape_all(deployment)]
    assert counted == [3, 3], f"requests counted by api1 and api2: {counted} (round robin would be 3 each)"


@live
async def test_a_subscription_through_the_proxy_hears_mutations_that_land_on_either_api(
    deployment: Deployment, proxy: Proxy, channel: Channel, client: httpx.AsyncClient
) -> None:
    report_id = channel.reports["Alpha"]

    async def alpha(operation: str, version: int) -> None:  # the report's owner, through the proxy
        data = await gql(client, channel.alpha.token, operation, {"input": {"reportId": report_id, "version": version}})
        (payload,) = data.values()
        assert payload["errors"] == [], payload

    before = await scrape_all(deployment)
    async with Client(transport=transport(proxy.ws_url, channel.north.token)) as session:
        events = session.subscribe(
            GraphQLRequest(REPORT_EVENTS, variable_values={"filter": {"period": channel.period}})
        )
        first = asyncio.ensure_future(anext(events))  # sends subscribe
        try:
            holder = await the_api_holding_a_subscription(deployment)
            await alpha(op.SAVE_DRAFT, 1)
            heard_save = await asyncio.wait_for(first, 10)
            await alpha(op.SUBMIT, 2)
            heard_submit = await asyncio.wait_for(anext(events), 10)
        finally:
            first.cancel()
            await events.aclose()
    after = await scrape_all(deployment)

    assert heard_save == {"reportEvents": the_save_of(report_id)}
    assert heard_submit == {
        "reportEvents": {
            "action": "SUBMITTED",
            "fromStatus": "PREPARING",
            "toStatus": "UNDER_REVIEW",
            "version": 3,
            "report": {"id": report_id, "status": "UNDER_REVIEW", "version": 3},
        }
    }
    landed = {name: landed_on(deployment, before, after, name) for name in ("Save", "Submit")}
    assert set(landed.values()) == {"worker1", "worker2"}, f"round robin, yet the mutations landed on {landed}"
    assert [name for name, api in landed.items() if api != holder], f"the socket is on {holder}, {landed}"


async def the_api_holding_a_subscription(deployment: Deployment, timeout: float = 10.0) -> str:
    """The API whose ``live_subscribers`` gauge (sampled each second) shows the one subscription."""
    async with asyncio.timeout(timeout):
        while True:
            held = [metrics.get("billing_reports_live_subscribers", 0) for metrics in await scrape_all(deployment)]
            if sorted(held) == [0, 1]:
                return deployment.workers[held.index(1)].name
            await asyncio.sleep(0.2)


def landed_on(
    deployment: Deployment, before: list[dict[str, float]], after: list[dict[str, float]], operation: str
) -> str:
    """The one API whose count of ``operation`` went up by one."""
    sample = REQUESTS_OK.format(operation)
    grown = [
        api.name
        for api, was, now in zip(deployment.workers, before, after, strict=True)
        if now.get(sample, 0) - was.get(sample, 0) == 1
    ]
    assert len(grown) == 1, f"{operation}: counted by {grown}"
    return grown[0]


@live
async def test_the_apis_see_the_host_the_client_asked_for_port_included(
    proxy: Proxy, channel: Channel, client: httpx.AsyncClient
) -> None:
    # A page of the proxy's own address is same-origin: the API compares the Origin with the Host.
    async with Dashboard.connect(proxy.ws_url, origin=proxy.http_url) as dashboard:
        await dashboard.init({"Authorization": f"Bearer {channel.north.token}"})
        assert (await dashboard.next_message(""))["type"] == "connection_ack"
    # Another origin's is refused, through the proxy as directly (unless BILLING_REPORTS_ALLOWED_ORIGINS lists it).
    with pytest.raises(InvalidStatus) as refused:
        async with Dashboard.connect(proxy.ws_url, origin="http://elsewhere.example"):
            pass
    assert refused.value.response.status_code == 403

    redirected = await client.get("/health/")  # Starlette's redirect, built from the Host
    assert (redirected.status_code, redirected.headers["location"]) == (307, f"{proxy.http_url}/health")


@live
async def test_every_answer_carries_the_request_id_nginx_made_or_the_clients_own(
    deployment: Deployment, proxy: Proxy, channel: Channel, client: httpx.AsyncClient
) -> None:
    async def ask(headers: dict[str, str]) -> str:
        answer = await client.post("/graphql", json={"query": VIEWER}, headers=bearer(channel.alpha.token) | headers)
        assert answer.status_code == 200, answer.text
        return answer.headers["x-request-id"]

    made_by_nginx = await ask({})
    logged = proxy.logged(made_by_nginx)  # nginx's $request_id of that request
    assert (logged.status, logged.request) == (200, "POST /graphql HTTP/1.1"), logged
    assert logged.upstream in {f"127.0.0.1:{api.port}" for api in deployment.workers}, logged  # an API answered

    assert await ask({"X-Request-ID": "client-7.trace:42"}) == "client-7.trace:42"  # sane: kept end to end

    replaced = await ask({"X-Request-ID": "not sane!"})  # the API replaces it with a fresh one
    assert re.fullmatch("[0-9a-f]{32}", replaced), replaced


@live
async def test_metrics_are_refused_through_the_proxy_and_answered_by_each_api_directly(
    deployment: Deployment, proxy: Proxy
) -> None:
    # As sent (httpx would tidy them): each names /metrics once nginx has normalized it.
    for path in ("/metrics", "/metrics/", "//metrics", "/graphql/../metrics", "/%6Detrics", "/metrics?x=1"):
        status, body = await raw_get(proxy, path, bearer(METRICS_TOKEN))
        assert (status, b"nginx" in body) == (404, True), (path, status, body)

    for metrics in await scrape_all(deployment):  # each API's own, with the token
        assert metrics["billing_reports_workers"] == 1


async def raw_get(proxy: Proxy, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (HTTP/1.1 by hand): the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{proxy.port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@live
async def test_a_body_over_1_mib_is_refused_with_413_and_one_of_1_mib_reaches_the_api(
    channel: Channel, client: httpx.AsyncClient
) -> None:
    query = json.dumps({"query": "query ProxyBig { viewer { organization { tier } } }"}).encode()
    headers = bearer(channel.alpha.token) | {"Content-Type": "application/json"}
    at_limit = query + b" " * (MAX_BODY_BYTES - len(query))  # JSON may end in white space

    answer = await client.post("/graphql", content=at_limit, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"data": {"viewer": {"organization": {"tier": "TIER2"}}}})

    answer = await client.post("/graphql", content=at_limit + b" ", headers=headers)
    assert answer.status_code == 413, answer.text

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(at_limit) + 1, 64 * 1024):
            yield (at_limit + b" ")[start : start + 64 * 1024]

    answer = await client.post("/graphql", content=chunks(), headers=headers)
    assert answer.status_code == 413, answer.text
