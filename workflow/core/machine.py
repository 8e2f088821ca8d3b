"""The report workflow as one shared ``transitions`` machine (docs/contract.md §6).

The machine is built once with ``model=None``; every action triggers it on a
``ReportSubject`` (a report's status and owners, nothing else), so the same table
decides what happens and what ``availableActions`` offers.

``fire`` asks three things, in this order, each once:
- may this actor pull this trigger at all (``PERMISSIONS``: a role and a scope)? If not,
  ``Forbidden`` — whatever the status, so a stranger learns nothing from the error;
- does the machine's table have the trigger from the current status? If not
  (``MachineError``), ``InvalidTransition``;
- do the trigger's guards hold (``GUARDS``, the machine's ``conditions``)? If not, the
  first failing guard's own error: the corrections of an approved report (§11) are
  open only inside the Tier 1's window (``CorrectionWindowClosed``) and one at a time
  (``CorrectionPending``); only a pending one is decided (``InvalidTransition``).
The report step writer (``workflow.reports.steps``) asks the same two, with the client's
version in between (``ensure_permitted``, then ``move``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import cast

from transitions import EventData, Machine, MachineError, State

from vocabulary.enums import ReportAction, ReportStatus, Scope
from workflow.core.actors import Actor, ReportOwnership, Role, role_of
from workflow.core.corrections import NO_CORRECTIONS, CorrectionState
from workflow.core.errors import CorrectionPending, CorrectionWindowClosed, DomainError, Forbidden, InvalidTransition

P, U, R, A = (
    ReportStatus.PREPARING,
    ReportStatus.UNDER_REVIEW,
    ReportStatus.REJECTED,
    ReportStatus.APPROVED,
)

# trigger name -> (sources, destination or None for "unchanged")
TRANSITIONS: dict[str, tuple[list[ReportStatus], ReportStatus | None]] = {
    "save_draft": ([P, R], None),
    "submit": ([P, R], U),
    "approve": ([U], A),
    "reject": ([U], R),
    "auto_submit": ([P, R], U),
    "auto_approve": ([U], A),
    "regenerate": ([P, R], None),
    # Corrections after approval (§11): the report stays APPROVED; the guards below decide.
    "request_correction": ([A], None),
    "approve_correction": ([A], None),
    "reject_correction": ([A], None),
}

# trigger name -> the roles that may pull it, and the scope a principal needs for it
# (the system acts on its own authority and carries no scopes)
PERMISSIONS: dict[str, tuple[frozenset[Role], Scope | None]] = {
    "save_draft": (frozenset({Role.OWNER}), Scope.REPORTS_WRITE),
    "submit": (frozenset({Role.OWNER}), Scope.REPORTS_WRITE),
    "approve": (frozenset({Role.PARENT}), Scope.REPORTS_REVIEW),
    "reject": (frozenset({Role.PARENT}), Scope.REPORTS_REVIEW),
    "auto_submit": (frozenset({Role.SYSTEM}), None),
    "auto_approve": (frozenset({Role.SYSTEM}), None),
    # Late usage recomputes an editable report: the platform's generation, or the system's.
    "regenerate": (frozenset({Role.PLATFORM, Role.SYSTEM}), Scope.REPORTS_GENERATE),
    "request_correction": (frozenset({Role.OWNER}), Scope.REPORTS_WRITE),
    "approve_correction": (frozenset({Role.PARENT}), Scope.REPORTS_REVIEW),
    "reject_correction": (frozenset({Role.PARENT}), Scope.REPORTS_REVIEW),
}

# The actions a principal can be offered, by trigger.
OFFERED_ACTIONS: dict[ReportAction, str] = {
    ReportAction.SAVE_DRAFT: "save_draft",
    ReportAction.SUBMIT: "submit",
    ReportAction.APPROVE: "approve",
    ReportAction.REJECT: "reject",
    ReportAction.REQUEST_CORRECTION: "request_correction",
    ReportAction.APPROVE_CORRECTION: "approve_correction",
    ReportAction.REJECT_CORRECTION: "reject_correction",
}


@dataclass(slots=True)
class ReportSubject:
    """What the machine needs of a report; ``status`` is moved by the machine."""

    status: ReportStatus
    ownership: ReportOwnership
    corrections: CorrectionState = NO_CORRECTIONS


@dataclass(frozen=True, slots=True)
class Guard:
    """A condition a trigger needs besides its source status, and the error when it fails."""

    holds: Callable[[ReportSubject], bool]
    refusal: Callable[[], DomainError]


_NOT_PENDING = Guard(
    lambda s: s.corrections.pending, lambda: InvalidTransition("no correction of this report is pending")
)

# trigger name -> its guards, checked in order (the first failing one answers).
GUARDS: dict[str, tuple[Guard, ...]] = {
    "request_correction": (
        Guard(
            lambda s: s.corrections.window_open,
            lambda: CorrectionWindowClosed("the correction window of this report is closed"),
        ),
        Guard(
            lambda s: not s.corrections.pending,
            lambda: CorrectionPending("a correction of this report is already pending"),
        ),
    ),
    "approve_correction": (_NOT_PENDING,),
    "reject_correction": (_NOT_PENDING,),
}


def is_permitted(trigger: str, actor: Actor, ownership: ReportOwnership) -> bool:
    roles, scope = PERMISSIONS[trigger]
    if role_of(actor, ownership) not in roles:
        return False
    return scope is None or actor.is_system or actor.has(scope)


def _build() -> Machine:
    machine = Machine(
        model=None,
        states=ReportStatus,
        initial=ReportStatus.PREPARING,
        auto_transitions=False,
        model_attribute="status",
        send_event=True,  # conditions receive the event, and with it the subject
    )
    for trigger, (sources, dest) in TRANSITIONS.items():
        states: list[Enum | str | State] = [*sources]
        conditions: list[str | Callable[..., bool | None]] = [_condition(guard) for guard in GUARDS.get(trigger, ())]
        machine.add_transition(trigger, states, dest, conditions=conditions)
    return machine


def _condition(guard: Guard) -> Callable[[EventData], bool]:
    return lambda event: guard.holds(cast(ReportSubject, event.model))


MACHINE = _build()


def allows(trigger: str, status: ReportStatus) -> bool:
    """Whether the table has ``trigger`` from ``status`` at all, whoever asks."""
    return status.name in MACHINE.events[trigger].transitions


def ensure_permitted(trigger: str, actor: Actor, ownership: ReportOwnership) -> None:
    if not is_permitted(trigger, actor, ownership):
        raise Forbidden(f"you may not {trigger.replace('_', ' ')} this report")


def fire(trigger: str, subject: ReportSubject, actor: Actor) -> ReportStatus:
    """Run ``trigger`` on ``subject`` for ``actor``; return the new status or raise.

    Who may act is checked before the status, so that a principal who may never do
    this gets ``FORBIDDEN`` rather than learning the report's status from the error.
    """
    ensure_permitted(trigger, actor, subject.ownership)
    return move(trigger, subject)


def move(trigger: str, subject: ReportSubject) -> ReportStatus:
    """The machine alone: move ``subject`` by ``trigger``, or ``InvalidTransition``.

    Only after ``ensure_permitted``: the machine's table knows statuses, not people.
    """
    try:
        moved = MACHINE.events[trigger].trigger(subject)
    except MachineError:
        raise InvalidTransition(f"a report that is {subject.status.value} cannot be {_past(trigger)}") from None
    if not moved:  # a guard failed: the first failing one says why
        for guard in GUARDS[trigger]:
            if not guard.holds(subject):
                raise guard.refusal()
    return subject.status


def guards_hold(trigger: str, subject: ReportSubject) -> bool:
    return all(guard.holds(subject) for guard in GUARDS.get(trigger, ()))


def available_actions(
    status: ReportStatus,
    ownership: ReportOwnership,
    actor: Actor,
    corrections: CorrectionState = NO_CORRECTIONS,
) -> list[ReportAction]:
    """What ``actor`` may do now: permitted, from this status, and every guard holding.

    ``corrections`` is the report's correction state (``ReportView.corrections_at``); left
    out, no correction action is offered.
    """
    subject = ReportSubject(status, ownership, corrections)
    return [
        action
        for action, trigger in OFFERED_ACTIONS.items()
        if allows(trigger, status) and is_permitted(trigger, actor, ownership) and guards_hold(trigger, subject)
    ]


def _past(trigger: str) -> str:
    return {
        "save_draft": "saved",
        "submit": "submitted",
        "approve": "approved",
        "reject": "rejected",
        "auto_submit": "auto-submitted",
        "auto_approve": "auto-approved",
        "regenerate": "regenerated",
        "request_correction": "corrected",
        "approve_correction": "corrected",
        "reject_correction": "corrected",
    }[trigger]
