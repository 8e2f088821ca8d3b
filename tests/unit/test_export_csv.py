"""The cells of the CSV exports (``server.export_csv``): formula injection and instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.export_csv import csv_text, iso_utc, text_cell


@pytest.mark.parametrize("text", ["=1+1", "+44 20 7946", "-5 seats", "@SUM(A1)", "\tindented", "\rcarriage"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(text: str) -> None:
    assert text_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Alpha MSP", "trial seats - not billable", "5 = five", "'quoted", " =spaced"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert text_cell(text) == text


def test_no_text_is_an_empty_cell() -> None:
    assert (text_cell(None), text_cell("")) == ("", "")


def test_instants_are_written_in_utc_with_a_z_to_the_second() -> None:
    paris = timezone(timedelta(hours=1))

    assert iso_utc(datetime(2026, 11, 3, 10, 15, 0, 987654, tzinfo=paris)) == "2026-11-03T09:15:00Z"
    assert iso_utc(datetime(2026, 11, 3, 9, 15, tzinfo=UTC)) == "2026-11-03T09:15:00Z"
    assert iso_utc(None) == ""


def test_rows_are_rfc_4180_quoted_with_crlf_line_ends() -> None:
    assert csv_text([["a,b", 'say "hi"', "two\nlines", 7]]) == '"a,b","say ""hi""","two\nlines",7\r\n'
