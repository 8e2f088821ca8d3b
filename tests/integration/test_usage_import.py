"""Importing a CSV file of daily usage (``workflow.usage.importer``, the engine of
``billing-reports import-usage``): the rows of recordUsage, checked by the same rules,
streamed through a staging table, all or nothing unless asked to skip the refused rows.
On SQLite and on PostgreSQL (COPY)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from models import DailyUsage
from schema.ids import CUSTOMER, decode_as, encode
from tests.integration.scenarios import actor_with
from tests.world import World
from vocabulary.enums import Scope
from workflow.core.actors import SYSTEM, Actor
from workflow.core.errors import Forbidden
from workflow.usage.csv_format import CsvFormatError, StagedRow, staged_rows
from workflow.usage.importer import REFUSED_PAGE, SQLITE_BATCH, ImportResult, RefusedRow, import_usage
from workflow.usage.record import UsageRecord, record_usage

HEADER = "customer_id,solution_code,day,provisioned_units,used_units,allocated_credits"


def cid(world: World, n: int = 0) -> str:
    """The API ID of Alpha's customer ``n``."""
    return encode(CUSTOMER, world.tier2_a1.customers[n].id)


def row(
    world: World,
    day: str = "2026-10-07",
    *,
    n: int = 0,
    code: str = "EPP",
    provisioned: str = "12",
    used: str = "10",
    credits: str = "12.5",
) -> str:
    return ",".join([cid(world, n), code, day, provisioned, used, credits])


async def import_text(
    text: str, *, skip_invalid: bool = False, actor: Actor = SYSTEM
) -> tuple[ImportResult, list[RefusedRow]]:
    refused: list[RefusedRow] = []
    rows = staged_rows(io.StringIO(text, newline=""), lambda ref: decode_as(CUSTOMER, ref))
    result = await import_usage(actor, rows, skip_invalid=skip_invalid, on_refused=refused.append)
    return result, refused


def csv_of(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


async def stored() -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in await DailyUsage.all()
        .order_by("customer_id", "solution_id", "day")
        .values_list("customer_id", "solution__code", "day", "provisioned_units", "used_units", "credits_e4")
    ]


async def test_valid_rows_are_stored_with_their_credits_exact(world: World) -> None:
    result, refused = await import_text(
        csv_of(
            row(world, "2026-10-01", credits="12.3456"),
            row(world, "2026-10-02", code="MAIL", credits="0"),
        )
    )

    assert (result.rows, result.refused, result.days_written, result.committed, refused) == (2, 0, 2, True, [])
    customer = world.tier2_a1.customers[0].id
    assert await stored() == [
        (customer, "EPP", date(2026, 10, 1), 12, 10, 123_456),
        (customer, "MAIL", date(2026, 10, 2), 12, 10, 0),
    ]


NOT_PLAIN = (
    'allocated credits must be written as a plain decimal number such as "12.5" '
    "(ASCII digits and an optional point: no sign, exponent, spaces or separators)"
)
BAD_ROWS = [
    # (row with one bad value, column, reason)
    ({"code": "NOPE"}, "solution_code", "no such solution 'NOPE'"),
    ({"day": "2026-02-30"}, "day", "day must be an ISO date such as 2026-10-31"),
    ({"day": "20261007"}, "day", "day must be an ISO date such as 2026-10-31"),
    ({"day": "1999-12-31"}, "day", "day must be between 2000-01-01 and 2999-12-31"),
    ({"provisioned": "-1"}, "provisioned_units", "provisioned_units must be a whole number from 0 to 50000000"),
    ({"used": "50000001"}, "used_units", "used_units must be a whole number from 0 to 50000000"),
    ({"used": "1.5"}, "used_units", "used_units must be a whole number from 0 to 50000000"),
    ({"credits": "NaN"}, "allocated_credits", NOT_PLAIN),
    ({"credits": "Infinity"}, "allocated_credits", NOT_PLAIN),
    ({"credits": "-0.5"}, "allocated_credits", NOT_PLAIN),
    ({"credits": "1.00001"}, "allocated_credits", "allocated credits have at most 4 decimal places"),
    ({"credits": "1" + "0" * 30}, "allocated_credits", "allocated credits are too large"),
    ({"credits": "1,5"}, None, "expected 6 fields, found 7"),
]


@pytest.mark.parametrize(("bad", "column", "reason"), BAD_ROWS)
async def test_a_bad_row_is_reported_by_its_line_and_nothing_of_the_file_is_stored(
    world: World, bad: dict[str, str], column: str | None, reason: str
) -> None:
    result, refused = await import_text(csv_of(row(world, "2026-10-01"), row(world, **bad), row(world, "2026-10-03")))

    assert refused == [RefusedRow(3, column, reason)]
    assert (result.rows, result.refused, result.committed) == (3, 1, False)
    assert await stored() == []


@pytest.mark.parametrize(("bad", "column", "reason"), BAD_ROWS)
async def test_with_skip_invalid_the_valid_rows_are_stored_and_the_bad_one_listed(
    world: World, bad: dict[str, str], column: str | None, reason: str
) -> None:
    result, refused = await import_text(
        csv_of(row(world, "2026-10-01"), row(world, **bad), row(world, "2026-10-03")), skip_invalid=True
    )

    assert refused == [RefusedRow(3, column, reason)]
    assert (result.rows, result.refused, result.days_written, result.committed) == (3, 1, 2, True)
    assert [r[2] for r in await stored()] == [date(2026, 10, 1), date(2026, 10, 3)]


async def test_unknown_customers_and_solutions_are_found_in_the_database_and_listed_in_line_order(world: World) -> None:
    missing_customer = encode(CUSTOMER, 987_654)
    not_a_customer_id = encode("Solution", world.tier2_a1.customers[0].id)
    text = csv_of(
        row(world, code="GONE"),
        f"{missing_customer},EPP,2026-10-07,1,1,1",
        row(world, day="someday"),
        f"{not_a_customer_id},EPP,2026-10-07,1,1,1",
        "garbage,EPP,2026-10-07,1,1,1",
        row(world),
    )

    result, refused = await import_text(text)

    assert refused == [
        RefusedRow(2, "solution_code", "no such solution 'GONE'"),
        RefusedRow(3, "customer_id", "no such customer"),
        RefusedRow(4, "day", "day must be an ISO date such as 2026-10-31"),
        RefusedRow(5, "customer_id", "no such customer"),
        RefusedRow(6, "customer_id", "no such customer"),
    ]
    assert (result.rows, result.refused, result.committed) == (6, 5, False)
    assert await stored() == []


async def test_a_refused_file_leaves_the_usage_stored_before_it_unchanged(world: World) -> None:
    await import_text(csv_of(row(world, used="10")))

    result, _ = await import_text(csv_of(row(world, used="20"), row(world, code="NOPE")))

    assert not result.committed
    assert [r[4] for r in await stored()] == [10]


async def test_a_day_already_stored_is_replaced(world: World) -> None:
    await record_usage(
        world.platform.actor,
        [
            UsageRecord(world.tier2_a1.customers[0].id, "EPP", "2026-10-07", 5, 5, "1"),
        ],
    )

    result, _ = await import_text(csv_of(row(world, provisioned="30", used="25", credits="2.5")))

    assert result.days_written == 1
    assert await stored() == [(world.tier2_a1.customers[0].id, "EPP", date(2026, 10, 7), 30, 25, 25_000)]


async def test_within_a_file_the_last_line_of_a_customer_solution_and_day_wins(world: World) -> None:
    result, _ = await import_text(
        csv_of(
            row(world, used="1"),
            row(world, used="2"),
            row(world, code="MAIL", used="7"),
            row(world, used="3"),
        )
    )

    assert (result.rows, result.days_written, result.superseded) == (4, 2, 2)
    assert sorted((r[1], r[4]) for r in await stored()) == [("EPP", 3), ("MAIL", 7)]


async def test_a_refused_last_line_does_not_replace_an_earlier_valid_one(world: World) -> None:
    result, _ = await import_text(csv_of(row(world, used="4"), row(world, used="-4")), skip_invalid=True)

    assert (result.refused, result.days_written) == (1, 1)
    assert [r[4] for r in await stored()] == [4]


async def test_the_columns_may_come_in_any_order_and_quoted(world: World) -> None:
    customer = cid(world)
    text = (
        "\ufeffday,allocated_credits,used_units,provisioned_units,solution_code,customer_id\r\n"
        f'"2026-10-09","1.5","3","4","EPP","{customer}"\r\n'
    )

    result, refused = await import_text(text)

    assert (result.days_written, refused) == (1, [])
    assert await stored() == [(world.tier2_a1.customers[0].id, "EPP", date(2026, 10, 9), 4, 3, 15_000)]


async def test_line_numbers_count_empty_lines_and_the_lines_of_a_quoted_field(world: World) -> None:
    text = csv_of(row(world, "2026-10-01"), "", f'{cid(world)},"EP\nP",2026-10-02,1,1,1', row(world, day="x"))

    _, refused = await import_text(text)

    assert [r.line for r in refused] == [5, 6]  # the quoted field spans lines 4 and 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("customer_id,solution_code,day\n", "line 1 must be the header"),
        (HEADER + ",comment\n", "line 1 must be the header"),
        ("Q3VzdG9tZXI6MQ==,EPP,2026-10-01,1,1,1\n", "line 1 must be the header"),
    ],
)
def test_a_file_without_the_header_is_refused_before_anything_is_read(text: str, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message):
        staged_rows(io.StringIO(text, newline=""), lambda ref: None)


async def test_a_header_alone_imports_nothing(world: World) -> None:
    result, refused = await import_text(HEADER + "\n")

    assert (result.rows, result.days_written, result.committed, refused) == (0, 0, True, [])


async def test_more_rows_than_a_batch_and_more_refusals_than_a_page_are_all_handled(world: World) -> None:
    # SQLite stages in batches, refused rows are listed a page at a time: cross both edges.
    days = [(date(2000, 1, 1) + timedelta(days=n)).isoformat() for n in range(SQLITE_BATCH // 4 + 1)]
    good = [
        f"{cid(world, c)},{code},{day},{c + 2},1,{len(day)}.5"
        for day in days
        for c in (0, 1)
        for code in ("EPP", "MAIL")
    ]
    bad = [f"{cid(world)},BACKUP,2026-10-01,-{n},1,1" for n in range(1, REFUSED_PAGE + 2)]
    lines = [*good, *bad, good[0]]  # and the first good row again at the end: the last one wins

    result, refused = await import_text(csv_of(*lines), skip_invalid=True)

    assert len(good) > SQLITE_BATCH and len(bad) > REFUSED_PAGE
    assert [r.line for r in refused] == list(range(len(good) + 2, len(good) + len(bad) + 2))
    assert (result.rows, result.refused, result.days_written, result.superseded) == (len(lines), len(bad), len(good), 1)
    assert await DailyUsage.all().count() == len(good)


async def test_the_platform_imports_but_no_partner_may(world: World) -> None:
    result, _ = await import_text(csv_of(row(world)), actor=world.platform.actor)
    assert result.committed

    with pytest.raises(Forbidden):
        await import_text(csv_of(row(world, "2026-10-08")), actor=world.tier1_a.actor)
    reader = await actor_with(world, world.platform, [Scope.REPORTS_READ, Scope.REPORTS_GENERATE])
    with pytest.raises(Forbidden):
        await import_text(csv_of(row(world, "2026-10-08")), actor=reader)
    assert len(await stored()) == 1


CORPUS = {
    # text of each value -> whether recordUsage and the import both accept it
    "day": [
        "2026-10-07",
        "2026-02-29",
        "2028-02-29",
        "2026-10-7",
        "2026/10/07",
        "2999-12-31",
        "3000-01-01",
        "٢٠٢٦-١٠-٠٧",
        "２０２６-１０-０７",
    ],
    "credits": [
        "12.5",
        "0",
        "0.0001",
        "1e2",
        " 7 ",
        "1.23450",
        "-0",
        "1_000",
        ".5",
        "5.",
        "NaN",
        "-1",
        "1e-5",
        "10000000000000",
        "10000000000000.0001",
        "1e3",
        " 1",
        "١٢",
        "１２",
        "+1",
    ],
}
# Credits in any notation but plain decimal digits (docs/contract.md §3): refused, never reinterpreted.
OTHER_NOTATIONS = ["1e3", "-0", " 1", "1_000", "١٢", "١٢.٥", "+1", "1,5", "Infinity"]


@pytest.mark.parametrize("value", OTHER_NOTATIONS)
async def test_credits_in_another_notation_are_refused_by_both_ways_in_with_a_reason_per_record(
    world: World, value: str
) -> None:
    customer = world.tier2_a1.customers[0]
    records = [
        UsageRecord(customer.id, "EPP", "2026-10-06", 1, 1, "1"),
        UsageRecord(customer.id, "EPP", "2026-10-07", 1, 1, value),
    ]
    api = await record_usage(world.platform.actor, records)
    result, refused = await import_text(csv_of(row(world, day="2026-10-08"), row(world, credits=f'"{value}"')))

    assert api.accepted_count == 1
    assert [(p.index, p.field) for p in api.problems] == [(1, "allocatedCredits")]
    assert "plain decimal number" in api.problems[0].message
    assert not result.committed
    assert [(r.line, r.column) for r in refused] == [(3, "allocated_credits")]
    assert "plain decimal number" in refused[0].reason
    assert [r[2] for r in await stored()] == [date(2026, 10, 6)]  # only recordUsage's valid record


@pytest.mark.parametrize("value", CORPUS["credits"])
async def test_recordusage_and_the_import_accept_and_store_the_same_credits(world: World, value: str) -> None:
    customer = world.tier2_a1.customers[0]
    api = await record_usage(world.platform.actor, [UsageRecord(customer.id, "EPP", "2026-10-07", 1, 1, value)])
    via_api = await stored()
    await DailyUsage.all().delete()

    result, _ = await import_text(csv_of(row(world, provisioned="1", used="1", credits=f'"{value}"')))

    assert (api.accepted_count == 1) == result.committed
    assert await stored() == via_api


@pytest.mark.parametrize("value", CORPUS["day"])
async def test_recordusage_and_the_import_accept_and_store_the_same_days(world: World, value: str) -> None:
    customer = world.tier2_a1.customers[0]
    api = await record_usage(world.platform.actor, [UsageRecord(customer.id, "EPP", value, 1, 1, "1")])
    via_api = await stored()
    await DailyUsage.all().delete()

    result, _ = await import_text(csv_of(row(world, day=value, provisioned="1", used="1", credits="1")))

    assert (api.accepted_count == 1) == result.committed
    assert await stored() == via_api


async def test_a_file_that_breaks_off_while_being_read_stores_nothing(world: World) -> None:
    text = io.StringIO(csv_of(*(row(world, f"2026-10-{d:02d}") for d in range(1, 31))), newline="")
    rows = staged_rows(text, lambda ref: decode_as(CUSTOMER, ref))

    def breaking_off() -> Iterator[StagedRow]:
        for n, staged in enumerate(rows):
            if n == 20:
                raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
            yield staged

    with pytest.raises(UnicodeDecodeError):
        await import_usage(SYSTEM, breaking_off(), on_refused=lambda refused: None)
    assert await stored() == []
    # and the connection is usable again: the next import works
    result, _ = await import_text(csv_of(row(world)))
    assert result.days_written == 1
