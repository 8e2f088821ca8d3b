"""The report workflow as one shared ``transitions`` machine (docs/contract.md §6).

The machine is built once with ``model=None``; every action triggers it on a
``ReportSubject`` (a report's status and owners, nothing else), so the same table
decides what happens and what ``availableActions`` offers.

``fire`` asks two things, in this order, each once:
- may this actor pull this trigger at all (``PERMISSIONS``: a role and a scope)? If not,
  ``Forbidden`` — whatever the status, so a stranger learns nothing from the error;
- does the machine's table have the trigger from the current status? If not
  (``MachineError``), ``InvalidTransition``.
The report step writer (``workflow.reports.steps``) asks the same two, with the client's
version in between (``ensure_permitted``, then ``move``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from transitions import Machine, MachineError, State

from vocabulary.enums import ReportAction, ReportStatus, Scope
from workflow.core.actors import Actor, ReportOwnership, Role, role_of
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
    "regenerate": ([P, R], None),
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
    )
    for trigger, (sources, dest) in TRANSITIONS.items():
        states: list[Enum | str | State] = [*sources]
        machine.add_transition(trigger, states, dest)
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
    return move(trigger, subject)


def move(trigger: str, subject: ReportSubject) -> ReportStatus:
    """The machine alone: move ``subject`` by ``trigger``, or ``InvalidTransition``.

    Only after ``ensure_permitted``: the machine's table knows statuses, not people.
    """
    try:
        MACHINE.events[trigger].trigger(subject)
    except MachineError:
        raise InvalidTransition(f"a report that is {subject.status.value} cannot be {_past(trigger)}") from None
    return subject.status


def available_actions(status: ReportStatus, ownership: ReportOwnership, actor: Actor) -> list[ReportAction]:
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
        "regenerate": "regenerated",
    }[trigger]
