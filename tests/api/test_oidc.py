"""OpenID Connect access tokens (docs/contract.md §14) against a stand-in issuer served on the loopback.

The app is served for real (``tests.api.served``) with ``BILLING_REPORTS_OIDC_*`` pointing
at ``tests.identity_provider.StandInIssuer``: it finds the JWKS through the discovery
document and verifies tokens signed with the issuer's keys, rotated during a test. Every
refusal is the 401 ``UNAUTHENTICATED`` of a bad API token, over HTTP, exports and WebSockets.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from models import Principal
from schema import ids
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import gql, gql_errors
from tests.api.dashboards import Dashboard
from tests.api.served import ServedApp, serving
from tests.api.steps import detail, given_generated_reports, mutate, report_id_of
from tests.identity_provider import AUDIENCE, StandInIssuer, issuer  # noqa: F401 - the fixture
from tests.world import PERIOD, World
from workflow.access.oidc import OidcVerifier


def org_id(party: Any) -> str:
    return ids.encode(ids.ORGANIZATION, party.organization.id)


def settings_for(issuer: StandInIssuer, **overrides: Any) -> Settings:
    return Settings(oidc_issuer=issuer.issuer, oidc_audience=AUDIENCE, **overrides)


@pytest_asyncio.fixture
async def app(db: TortoiseContext, world: World, issuer: StandInIssuer) -> AsyncIterator[ServedApp]:
    async with serving(settings_for(issuer)) as served:
        yield served


def verifier(app: ServedApp) -> OidcVerifier:
    found = app.app.state.oidc
    assert isinstance(found, OidcVerifier)
    return found


async def test_a_person_signed_in_at_the_issuer_is_the_viewer_with_the_tiers_scopes(
    world: World, issuer: StandInIssuer, app: ServedApp
) -> None:
    token = issuer.token(org_id(world.tier2_a1), name="Ada Lovelace")
    data = await gql(app.http, token, op.VIEWER)
    assert data["viewer"]["name"] == "Ada Lovelace"
    assert data["viewer"]["organization"]["id"] == org_id(world.tier2_a1)
    # "openid" is nobody's, "reports:review" is not a Tier 2 scope: both dropped.
    assert sorted(data["viewer"]["scopes"]) == ["reports:read", "reports:write", "tokens:manage"]


@pytest.mark.parametrize(
    ("claims", "name"),
    [({}, "Ada Lovelace"), ({"name": None}, "ada@example.com"), ({"name": None, "email": None}, "person-1")],
)
async def test_the_person_is_named_by_name_else_email_else_subject(
    world: World, issuer: StandInIssuer, app: ServedApp, claims: dict[str, Any], name: str
) -> None:
    token = issuer.token(org_id(world.tier1_a), sub="person-1", **claims)
    data = await gql(app.http, token, op.VIEWER)
    assert data["viewer"]["name"] == name


async def test_the_history_names_the_person_who_acted(world: World, issuer: StandInIssuer, app: ServedApp) -> None:
    await given_generated_reports(world)
    report_id = await report_id_of(app.http, world.tier2_a1)
    person = dataclasses.replace(world.tier2_a1, token=issuer.token(org_id(world.tier2_a1), name="Grace Hopper"))
    await mutate(app.http, person, op.SUBMIT, reportId=report_id, version=1)
    report = await detail(app.http, world.tier1_a, report_id)
    assert report is not None
    names = [entry["actor"]["name"] for entry in report["history"] if entry["actor"]]
    assert names[-1] == "Grace Hopper"
    # One principal per person, however many tokens the issuer gives them.
    again = issuer.token(org_id(world.tier2_a1), sub="grace", name="Grace Hopper")
    for _ in range(2):
        await gql(app.http, again, op.VIEWER)
        await gql(app.http, issuer.token(org_id(world.tier2_a1), sub="grace", name="Grace B. Hopper"), op.VIEWER)
    assert await Principal.filter(subject="grace").count() == 1
    assert (await Principal.get(subject="grace")).name == "Grace B. Hopper"


def now() -> int:
    return int(time.time())  # when the test runs, not when it is collected


def _refusals() -> list[tuple[str, Callable[[StandInIssuer, str], str]]]:
    return [
        ("a bad signature", lambda i, o: i.forged_with_another_key(o)),
        ("alg none", lambda i, o: i.forged_unsigned(o)),
        ("HS256 signed with the public key", lambda i, o: i.forged_hmac_with_public_key(o)),
        ("ES256 under an RSA key's kid", lambda i, o: i.forged_with_an_ec_key(o)),
        ("another issuer", lambda i, o: i.token(o, iss=i.issuer + "-other")),
        ("the issuer with a trailing slash", lambda i, o: i.token(o, iss=i.issuer + "/")),
        ("another audience", lambda i, o: i.token(o, aud="another-service")),
        ("expired beyond the skew", lambda i, o: i.token(o, exp=now() - 120, nbf=now() - 600, iat=now() - 600)),
        ("not yet valid beyond the skew", lambda i, o: i.token(o, nbf=now() + 120)),
        ("no expiry", lambda i, o: i.token(o, exp=None)),
        ("an unknown organization", lambda i, o: i.token(ids.encode(ids.ORGANIZATION, 999_999))),
        ("a report ID as organization", lambda i, o: i.token(ids.encode("BillingReport", 1))),
        ("no organization", lambda i, o: i.token(o, billing_org=None)),
        ("no subject", lambda i, o: i.token(o, sub=None)),
        ("an unknown kid", lambda i, o: i.forged_with_another_key(o, kid="not-the-issuers")),
        ("garbage in three parts", lambda i, o: "abc.def.ghi"),
    ]


@pytest.mark.parametrize(("case", "make"), _refusals(), ids=[case for case, _ in _refusals()])
async def test_every_bad_token_is_unauthenticated_as_a_bad_api_token(
    world: World, issuer: StandInIssuer, app: ServedApp, case: str, make: Callable[[StandInIssuer, str], str]
) -> None:
    token = make(issuer, org_id(world.tier2_a1))
    status, errors, data = await gql_errors(app.http, token, op.VIEWER)
    bad_api_token = await gql_errors(app.http, "brt_not-a-real-token", op.VIEWER)
    assert (status, errors, data) == bad_api_token
    assert status == 401
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    export = await app.http.get(f"/exports/periods/{PERIOD}.csv", headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 401


async def test_a_token_of_an_unknown_kid_is_refused_and_fetches_the_jwks_at_most_once_a_minute(
    world: World, issuer: StandInIssuer, app: ServedApp
) -> None:
    organization = org_id(world.tier1_a)
    await gql(app.http, issuer.token(organization), op.VIEWER)
    assert verifier(app).jwks_fetches == 1
    old_kid = issuer.kid
    issuer.rotate()  # the issuer's new key: unknown to the service until it fetches the JWKS again
    fresh = issuer.token(organization)
    status, _, _ = await gql_errors(app.http, fresh, op.VIEWER)
    assert status == 401  # fetched less than a minute ago: not fetched again
    assert verifier(app).jwks_fetches == 1
    a_minute_later = time.monotonic() + 61
    verifier(app)._clock = lambda: a_minute_later
    data = await gql(app.http, fresh, op.VIEWER)  # now fetched again, and the new key found
    assert data["viewer"]["organization"]["id"] == organization
    assert verifier(app).jwks_fetches == 2
    assert old_kid not in issuer.jwks()["keys"]
    discovery = [path for path in issuer.requests if path.endswith("openid-configuration")]
    assert len(discovery) == 1  # the discovery document once; the JWKS again


async def test_a_verified_token_is_answered_from_the_cache(world: World, issuer: StandInIssuer, app: ServedApp) -> None:
    token = issuer.token(org_id(world.tier1_a))
    for _ in range(3):
        await gql(app.http, token, op.VIEWER)
    assert (verifier(app).misses, verifier(app).hits) == (1, 2)


async def test_up_to_60_seconds_of_clock_skew_are_tolerated(
    world: World, issuer: StandInIssuer, app: ServedApp
) -> None:
    at = now()
    organization = org_id(world.tier1_a)
    await gql(app.http, issuer.token(organization, exp=at - 30, iat=at - 300, nbf=at - 300), op.VIEWER)
    await gql(app.http, issuer.token(organization, nbf=at + 30), op.VIEWER)


async def test_a_scope_beyond_the_tier_is_dropped_not_granted(
    world: World, issuer: StandInIssuer, app: ServedApp
) -> None:
    token = issuer.token(org_id(world.tier2_a1), scope="reports:read usage:write reports:generate reports:review")
    data = await gql(app.http, token, op.VIEWER)
    assert data["viewer"]["scopes"] == ["reports:read"]
    listed = await gql(app.http, token, op.REPORTS, {"filter": {"period": PERIOD}})
    assert listed["reports"]["edges"] == []  # and it still sees only its own organization's reports


async def test_api_tokens_still_work_beside_the_issuers(world: World, app: ServedApp) -> None:
    data = await gql(app.http, world.tier1_a.token, op.VIEWER)
    assert data["viewer"]["organization"]["id"] == org_id(world.tier1_a)


async def test_without_an_issuer_configured_a_jwt_is_refused(
    world: World, issuer: StandInIssuer, served_app_without_oidc: ServedApp
) -> None:
    status, errors, _ = await gql_errors(served_app_without_oidc.http, issuer.token(org_id(world.tier1_a)), op.VIEWER)
    assert (status, errors[0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")


@pytest_asyncio.fixture
async def served_app_without_oidc(db: TortoiseContext, world: World) -> AsyncIterator[ServedApp]:
    async with serving(Settings()) as served:
        yield served


async def test_an_export_with_a_persons_token(world: World, issuer: StandInIssuer, app: ServedApp) -> None:
    await given_generated_reports(world)
    token = issuer.token(org_id(world.tier1_a))
    export = await app.http.get(f"/exports/periods/{PERIOD}.csv", headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 200


async def test_a_websocket_takes_the_token_and_closes_4403_when_it_expires(
    db: TortoiseContext, world: World, issuer: StandInIssuer
) -> None:
    async with serving(settings_for(issuer, oidc_clock_skew_seconds=0)) as served:
        async with Dashboard.connect(served.ws_url) as refused:
            await refused.init({"Authorization": f"Bearer {issuer.forged_unsigned(org_id(world.tier1_a))}"})
            assert await refused.close_code() == 4403
        token = issuer.token(org_id(world.tier1_a), exp=int(time.time()) + 2)
        async with Dashboard.open(served.ws_url, token) as dashboard:
            await dashboard.subscribe()
            await served.subscribers(1)
            assert await dashboard.close_code(timeout=10) == 4403
        await served.subscribers(0)
