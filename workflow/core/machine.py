"""The report workflow as one shared ``transitions`` machine (docs/contract.md §6).

The machine is built once with ``model=None``; every action triggers it on a
``ReportSubject`` (a report's status and owners, nothing else), so the same table
decides what happens and what ``availableActions`` offers.

A trigger either
- moves the subject (returns True),
- is refused by a guard because of who asks (returns False -> ``Forbidden``), or
- is impossible from the current status (``MachineError`` -> ``InvalidTransition``).
"""

from __future__ import annotations

from dataclasses import dataclass

from transitions import EventData, Machine, MachineError

from workflow.core.actors import Actor, ReportOwnership, Role, role_of
from workflow.core.enums import ReportAction, ReportStatus, Scope
from workflow.core.errors import Forbidden, InvalidTransition

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
}

# trigger name -> who may pull it, and with which scope (None: the system needs none)
PERMISSIONS: dict[str, tuple[Role, Scope | None]] = {
    "save_draft": (Role.OWNER, Scope.REPORTS_WRITE),
    "submit": (Role.OWNER, Scope.REPORTS_WRITE),
    "approve": (Role.PARENT, Scope.REPORTS_REVIEW),
    "reject": (Role.PARENT, Scope.REPORTS_REVIEW),
    "auto_submit": (Role.SYSTEM, None),
    "auto_approve": (Role.SYSTEM, None),
}

# The actions a principal can be offered, by trigger.
OFFERED_ACTIONS: dict[ReportAction, str] = {
    ReportAction.SAVE_DRAFT: "save_draft",
    ReportAction.SUBMIT: "submit",
    ReportAction.APPROVE: "approve",
    ReportAction.REJECT: "reject",
}


@dataclass(slots=True)
class ReportSubject:
    """What the machine needs of a report; ``status`` is moved by the machine."""

    status: ReportStatus
    ownership: ReportOwnership


def is_permitted(trigger: str, actor: Actor, ownership: ReportOwnership) -> bool:
    role, scope = PERMISSIONS[trigger]
    if role_of(actor, ownership) is not role:
        return False
    return scope is None or actor.has(scope)


def _guard(event: EventData) -> bool:
    subject: ReportSubject = event.model
    return is_permitted(event.event.name, event.kwargs["actor"], subject.ownership)


def _build() -> Machine:
    machine = Machine(
        model=None,
        states=ReportStatus,
        initial=ReportStatus.PREPARING,
        auto_transitions=False,
        send_event=True,
        model_attribute="status",
    )
    for trigger, (sources, dest) in TRANSITIONS.items():
        machine.add_transition(trigger, sources, dest, conditions=[_guard])
    return machine


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
    try:
        moved = MACHINE.events[trigger].trigger(subject, actor=actor)
    except MachineError:
        raise InvalidTransition(
            f"a report that is {subject.status.value} cannot be {_past(trigger)}"
        ) from None
    if not moved:  # the guard disagreed with is_permitted: never expected
        raise Forbidden(f"you may not {trigger.replace('_', ' ')} this report")
    return subject.status


def available_actions(
    status: ReportStatus, ownership: ReportOwnership, actor: Actor
) -> list[ReportAction]:
    return [
        action
        for action, trigger in OFFERED_ACTIONS.items()
        if allows(trigger, status) and is_permitted(trigger, actor, ownership)
    ]


def _past(trigger: str) -> str:
    return {
        "save_draft": "saved",
        "submit": "submitted",
        "approve": "approved",
        "reject": "rejected",
        "auto_submit": "auto-submitted",
        "auto_approve": "auto-approved",
    }[trigger]
