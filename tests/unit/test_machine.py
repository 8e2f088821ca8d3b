"""The report workflow's whole table (docs/contract.md §6): every status x trigger x role.

``TABLE`` below is the specification written out cell by cell; the tests hold the
machine (``workflow.core.machine.fire``) and ``available_actions`` to it. Every actor
other than the "without" ones carries *every* scope, so a cell that says Forbidden
proves that the role, not a missing scope, is what refuses.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocabulary.enums import ReportAction, ReportStatus, Scope, Tier
from workflow.core.actors import SYSTEM, Actor, ReportOwnership, role_of
from workflow.core.corrections import CorrectionState
from workflow.core.errors import CorrectionPending, CorrectionWindowClosed, Forbidden, InvalidTransition
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
TRIGGERS = (
    "save_draft",
    "submit",
    "approve",
    "reject",
    "auto_submit",
    "auto_approve",
    "regenerate",
    "request_correction",
    "approve_correction",
    "reject_correction",
)
W = CorrectionWindowClosed  # a correction requested outside the Tier 1's window
C = CorrectionPending  # a correction requested while one is pending

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

# The correction triggers (§11) act on APPROVED reports only, and their guards read the
# report's corrections: whether the window is open, and whether one is pending.
CORRECTION_STATES = {
    "open": CorrectionState(window_open=True, pending=False),
    "open, pending": CorrectionState(window_open=True, pending=True),
    "closed": CorrectionState(window_open=False, pending=False),
    "closed, pending": CorrectionState(window_open=False, pending=True),
}
A_ = A  # stays APPROVED

# (trigger, who) -> outcome from  P  U  R  | APPROVED: open  open+pending  closed  closed+pending
CORRECTION_TABLE: dict[tuple[str, str], tuple[object, ...]] = {
    ("request_correction", "owner"):                         (X, X, X, A_, C, W, W),
    ("request_correction", "owner without reports:write"):   (F, F, F, F, F, F, F),
    ("request_correction", "parent"):                        (F, F, F, F, F, F, F),
    ("request_correction", "parent without reports:review"): (F, F, F, F, F, F, F),
    ("request_correction", "other tier 2"):                  (F, F, F, F, F, F, F),
    ("request_correction", "other tier 1"):                  (F, F, F, F, F, F, F),
    ("request_correction", "platform"):                      (F, F, F, F, F, F, F),
    ("request_correction", "system"):                        (F, F, F, F, F, F, F),

    ("approve_correction", "owner"):                         (F, F, F, F, F, F, F),
    ("approve_correction", "owner without reports:write"):   (F, F, F, F, F, F, F),
    ("approve_correction", "parent"):                        (X, X, X, X, A_, X, A_),
    ("approve_correction", "parent without reports:review"): (F, F, F, F, F, F, F),
    ("approve_correction", "other tier 2"):                  (F, F, F, F, F, F, F),
    ("approve_correction", "other tier 1"):                  (F, F, F, F, F, F, F),
    ("approve_correction", "platform"):                      (F, F, F, F, F, F, F),
    ("approve_correction", "system"):                        (F, F, F, F, F, F, F),

    ("reject_correction", "owner"):                          (F, F, F, F, F, F, F),
    ("reject_correction", "owner without reports:write"):    (F, F, F, F, F, F, F),
    ("reject_correction", "parent"):                         (X, X, X, X, A_, X, A_),
    ("reject_correction", "parent without reports:review"):  (F, F, F, F, F, F, F),
    ("reject_correction", "other tier 2"):                   (F, F, F, F, F, F, F),
    ("reject_correction", "other tier 1"):                   (F, F, F, F, F, F, F),
    ("reject_correction", "platform"):                       (F, F, F, F, F, F, F),
    ("reject_correction", "system"):                         (F, F, F, F, F, F, F),
}  # fmt: skip
# Each status (and each correction state of an approved report) the correction cells name.
CORRECTION_SUBJECTS: list[tuple[str, ReportStatus, CorrectionState]] = [
    *((s.value, s, CorrectionState()) for s in (P, U, R)),
    *((f"APPROVED {name}", A, state) for name, state in CORRECTION_STATES.items()),
]

CELLS = [
    pytest.param(trigger, who, status, CorrectionState(), outcome, id=f"{trigger}-{who}-{status.value}")
    for (trigger, who), outcomes in TABLE.items()
    for status, outcome in zip(STATUSES, outcomes, strict=True)
] + [
    pytest.param(trigger, who, status, state, outcome, id=f"{trigger}-{who}-{name}")
    for (trigger, who), outcomes in CORRECTION_TABLE.items()
    for (name, status, state), outcome in zip(CORRECTION_SUBJECTS, outcomes, strict=True)
]


def outcome_of(trigger: str, who: str, status: ReportStatus, corrections: CorrectionState | None = None) -> object:
    """What ``fire`` does: the new status, or the class of the error it raises."""
    subject = ReportSubject(status, OWNERSHIP, corrections or CorrectionState())
    try:
        return fire(trigger, subject, ACTORS[who])
    except (Forbidden, InvalidTransition, CorrectionWindowClosed, CorrectionPending) as error:
        assert subject.status is status, "a refused trigger must not move the report"
        return type(error)


def test_the_table_covers_every_trigger_and_every_role() -> None:
    assert set(TABLE) | set(CORRECTION_TABLE) == {(t, who) for t in TRIGGERS for who in ACTORS}


@pytest.mark.parametrize(("trigger", "who", "status", "corrections", "expected"), CELLS)
def test_machine_follows_the_table(
    trigger: str, who: str, status: ReportStatus, corrections: CorrectionState, expected: object
) -> None:
    assert outcome_of(trigger, who, status, corrections) == expected


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(("status", "corrections"), [(s, c) for _, s, c in CORRECTION_SUBJECTS], ids=lambda v: str(v))
def test_available_actions_are_exactly_the_triggers_that_would_succeed(
    who: str, status: ReportStatus, corrections: CorrectionState
) -> None:
    would_succeed = [
        action
        for action, trigger in OFFERED_ACTIONS.items()
        if isinstance(outcome_of(trigger, who, status, corrections), ReportStatus)
    ]
    assert available_actions(status, OWNERSHIP, ACTORS[who], corrections) == would_succeed


@pytest.mark.parametrize(
    ("who", "corrections", "offered"),
    [
        ("owner", CORRECTION_STATES["open"], [ReportAction.REQUEST_CORRECTION]),
        ("owner", CORRECTION_STATES["open, pending"], []),
        ("owner", CORRECTION_STATES["closed"], []),
        ("parent", CORRECTION_STATES["open"], []),
        (
            "parent",
            CORRECTION_STATES["open, pending"],
            [ReportAction.APPROVE_CORRECTION, ReportAction.REJECT_CORRECTION],
        ),
        (
            "parent",
            CORRECTION_STATES["closed, pending"],
            [ReportAction.APPROVE_CORRECTION, ReportAction.REJECT_CORRECTION],
        ),
        ("platform", CORRECTION_STATES["open, pending"], []),
    ],
)
def test_an_approved_report_offers_a_correction_only_while_one_could_succeed(
    who: str, corrections: CorrectionState, offered: list[ReportAction]
) -> None:
    assert available_actions(A, OWNERSHIP, ACTORS[who], corrections) == offered


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
@pytest.mark.parametrize("corrections", CORRECTION_STATES.values(), ids=list(CORRECTION_STATES))
def test_nothing_moves_an_approved_report_out_of_approved(trigger: str, who: str, corrections: CorrectionState) -> None:
    assert outcome_of(trigger, who, A, corrections) in (
        A,
        Forbidden,
        InvalidTransition,
        CorrectionWindowClosed,
        CorrectionPending,
    )


def test_regenerating_needs_the_platform_to_hold_reports_generate() -> None:
    without = Actor(8, "operator", 1, Tier.PLATFORM, ALL_SCOPES - {Scope.REPORTS_GENERATE})
    with pytest.raises(Forbidden):
        fire("regenerate", ReportSubject(P, OWNERSHIP), without)


def test_a_refusal_names_the_status_and_the_action() -> None:
    with pytest.raises(InvalidTransition) as refused:
        fire("submit", ReportSubject(U, OWNERSHIP), ACTORS["owner"])
    assert str(refused.value) == "a report that is UNDER_REVIEW cannot be submitted"
    assert refused.value.problems[0].code.value == "INVALID_TRANSITION"


@given(
    status=st.sampled_from(list(ReportStatus)),
    tier=st.sampled_from(list(Tier)),
    caller=st.integers(1, 4),
    partners=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    parents=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    window_open=st.booleans(),
    pending=st.booleans(),
)
def test_available_actions_depend_only_on_status_role_and_corrections(
    status: ReportStatus,
    tier: Tier,
    caller: int,
    partners: tuple[int, int],
    parents: tuple[int, int],
    window_open: bool,
    pending: bool,
) -> None:
    # resolvers.compiled.fields._actions computes them once per (status, role, corrections) in a request.
    actor = Actor(1, "someone", caller, tier, frozenset(Scope))
    corrections = CorrectionState(window_open=window_open, pending=pending)
    first, second = (ReportOwnership(partner_id=p, parent_id=q) for p, q in zip(partners, parents, strict=True))
    if role_of(actor, first) is role_of(actor, second):
        assert available_actions(status, first, actor, corrections) == available_actions(
            status, second, actor, corrections
        )
