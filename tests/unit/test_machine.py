"""The report workflow's whole table (docs/contract.md §6): every status x trigger x role.

``TABLE`` below is the specification written out cell by cell; the tests hold the
machine (``workflow.core.machine.fire``) and ``available_actions`` to it. Every actor
other than the "without" ones carries *every* scope, so a cell that says Forbidden
proves that the role, not a missing scope, is what refuses.
"""

from __future__ import annotations

import pytest

from vocabulary.enums import ReportAction, ReportStatus, Scope, Tier
from workflow.core.actors import SYSTEM, Actor, ReportOwnership
from workflow.core.errors import Forbidden, InvalidTransition
from workflow.core.machine import OFFERED_ACTIONS, ReportSubject, available_actions, fire

P, U, R, A = ReportStatus.PREPARING, ReportStatus.UNDER_REVIEW, ReportStatus.REJECTED, ReportStatus.APPROVED
F = Forbidden  # who asks may never do this (checked first, whatever the status)
X = InvalidTransition  # who asks may, but not from this status

OWNERSHIP = ReportOwnership(partner_id=21, parent_id=11)
ALL_SCOPES = frozenset(Scope)

ACTORS: dict[str, Actor] = {
    "owner": Actor(1, "owner", 21, Tier.TIER2, ALL_SCOPES),
    "owner without reports:write": Actor(2, "reader", 21, Tier.TIER2, ALL_SCOPES - {Scope.REPORTS_WRITE}),
    "parent": Actor(3, "reviewer", 11, Tier.TIER1, ALL_SCOPES),
    "parent without reports:review": Actor(4, "viewer", 11, Tier.TIER1, ALL_SCOPES - {Scope.REPORTS_REVIEW}),
    "other tier 2": Actor(5, "other reseller", 22, Tier.TIER2, ALL_SCOPES),
    "other tier 1": Actor(6, "other distributor", 12, Tier.TIER1, ALL_SCOPES),
    "platform": Actor(7, "operator", 1, Tier.PLATFORM, ALL_SCOPES),
    "system": SYSTEM,
}

STATUSES = (P, U, R, A)
TRIGGERS = ("save_draft", "submit", "approve", "reject", "auto_submit", "auto_approve", "regenerate")

# (trigger, who) -> outcome from           PREPARING  UNDER_REVIEW  REJECTED  APPROVED
TABLE: dict[tuple[str, str], tuple[object, object, object, object]] = {
    ("save_draft", "owner"):                         (P, X, R, X),
    ("save_draft", "owner without reports:write"):   (F, F, F, F),
    ("save_draft", "parent"):                        (F, F, F, F),
    ("save_draft", "parent without reports:review"): (F, F, F, F),
    ("save_draft", "other tier 2"):                  (F, F, F, F),
    ("save_draft", "other tier 1"):                  (F, F, F, F),
    ("save_draft", "platform"):                      (F, F, F, F),
    ("save_draft", "system"):                        (F, F, F, F),

    ("submit", "owner"):                             (U, X, U, X),
    ("submit", "owner without reports:write"):       (F, F, F, F),
    ("submit", "parent"):                            (F, F, F, F),
    ("submit", "parent without reports:review"):     (F, F, F, F),
    ("submit", "other tier 2"):                      (F, F, F, F),
    ("submit", "other tier 1"):                      (F, F, F, F),
    ("submit", "platform"):                          (F, F, F, F),
    ("submit", "system"):                            (F, F, F, F),

    ("approve", "owner"):                            (F, F, F, F),
    ("approve", "owner without reports:write"):      (F, F, F, F),
    ("approve", "parent"):                           (X, A, X, X),
    ("approve", "parent without reports:review"):    (F, F, F, F),
    ("approve", "other tier 2"):                     (F, F, F, F),
    ("approve", "other tier 1"):                     (F, F, F, F),
    ("approve", "platform"):                         (F, F, F, F),
    ("approve", "system"):                           (F, F, F, F),

    ("reject", "owner"):                             (F, F, F, F),
    ("reject", "owner without reports:write"):       (F, F, F, F),
    ("reject", "parent"):                            (X, R, X, X),
    ("reject", "parent without reports:review"):     (F, F, F, F),
    ("reject", "other tier 2"):                      (F, F, F, F),
    ("reject", "other tier 1"):                      (F, F, F, F),
    ("reject", "platform"):                          (F, F, F, F),
    ("reject", "system"):                            (F, F, F, F),

    ("auto_submit", "owner"):                        (F, F, F, F),
    ("auto_submit", "owner without reports:write"):  (F, F, F, F),
    ("auto_submit", "parent"):                       (F, F, F, F),
    ("auto_submit", "parent without reports:review"): (F, F, F, F),
    ("auto_submit", "other tier 2"):                 (F, F, F, F),
    ("auto_submit", "other tier 1"):                 (F, F, F, F),
    ("auto_submit", "platform"):                     (F, F, F, F),
    ("auto_submit", "system"):                       (U, X, U, X),

    ("auto_approve", "owner"):                       (F, F, F, F),
    ("auto_approve", "owner without reports:write"): (F, F, F, F),
    ("auto_approve", "parent"):                      (F, F, F, F),
    ("auto_approve", "parent without reports:review"): (F, F, F, F),
    ("auto_approve", "other tier 2"):                (F, F, F, F),
    ("auto_approve", "other tier 1"):                (F, F, F, F),
    ("auto_approve", "platform"):                    (F, F, F, F),
    ("auto_approve", "system"):                      (X, A, X, X),

    ("regenerate", "owner"):                         (F, F, F, F),
    ("regenerate", "owner without reports:write"):   (F, F, F, F),
    ("regenerate", "parent"):                        (F, F, F, F),
    ("regenerate", "parent without reports:review"): (F, F, F, F),
    ("regenerate", "other tier 2"):                  (F, F, F, F),
    ("regenerate", "other tier 1"):                  (F, F, F, F),
    ("regenerate", "platform"):                      (P, X, R, X),
    ("regenerate", "system"):                        (P, X, R, X),
}  # fmt: skip

CELLS = [
    pytest.param(trigger, who, status, outcome, id=f"{trigger}-{who}-{status.value}")
    for (trigger, who), outcomes in TABLE.items()
    for status, outcome in zip(STATUSES, outcomes, strict=True)
]


def outcome_of(trigger: str, who: str, status: ReportStatus) -> object:
    """What ``fire`` does: the new status, or the class of the error it raises."""
    subject = ReportSubject(status, OWNERSHIP)
    try:
        return fire(trigger, subject, ACTORS[who])
    except (Forbidden, InvalidTransition) as error:
        assert subject.status is status, "a refused trigger must not move the report"
        return type(error)


def test_the_table_covers_every_trigger_and_every_role() -> None:
    assert set(TABLE) == {(t, who) for t in TRIGGERS for who in ACTORS}


@pytest.mark.parametrize(("trigger", "who", "status", "expected"), CELLS)
def test_machine_follows_the_table(trigger: str, who: str, status: ReportStatus, expected: object) -> None:
    assert outcome_of(trigger, who, status) == expected


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.value)
def test_available_actions_are_exactly_the_triggers_that_would_succeed(who: str, status: ReportStatus) -> None:
    would_succeed = [
        action
        for action, trigger in OFFERED_ACTIONS.items()
        if isinstance(outcome_of(trigger, who, status), ReportStatus)
    ]
    assert available_actions(status, OWNERSHIP, ACTORS[who]) == would_succeed


@pytest.mark.parametrize(
    ("who", "status", "offered"),
    [
        ("owner", P, [ReportAction.SAVE_DRAFT, ReportAction.SUBMIT]),
        ("owner", R, [ReportAction.SAVE_DRAFT, ReportAction.SUBMIT]),
        ("owner", U, []),
        ("parent", U, [ReportAction.APPROVE, ReportAction.REJECT]),
        ("parent", P, []),
        ("owner without reports:write", P, []),
        ("parent without reports:review", U, []),
        ("platform", U, []),
        ("system", P, []),  # the system's own triggers are never offered as buttons
    ],
)
def test_available_actions_offer_the_buttons_of_the_spec(
    who: str, status: ReportStatus, offered: list[ReportAction]
) -> None:
    assert available_actions(status, OWNERSHIP, ACTORS[who]) == offered


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_nothing_moves_an_approved_report(trigger: str, who: str) -> None:
    assert outcome_of(trigger, who, A) in (Forbidden, InvalidTransition)


def test_regenerating_needs_the_platform_to_hold_reports_generate() -> None:
    without = Actor(8, "operator", 1, Tier.PLATFORM, ALL_SCOPES - {Scope.REPORTS_GENERATE})
    with pytest.raises(Forbidden):
        fire("regenerate", ReportSubject(P, OWNERSHIP), without)


def test_a_refusal_names_the_status_and_the_action() -> None:
    with pytest.raises(InvalidTransition) as refused:
        fire("submit", ReportSubject(U, OWNERSHIP), ACTORS["owner"])
    assert str(refused.value) == "a report that is UNDER_REVIEW cannot be submitted"
    assert refused.value.problems[0].code.value == "INVALID_TRANSITION"
