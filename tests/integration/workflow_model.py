"""A plain-Python model of a billing report's workflow, for the stateful test
(``test_workflow_invariants.py``): what docs/contract.md §2, §4, §5 and §6 say an action should do,
written independently of ``workflow/`` so that the two can disagree.

It answers two questions. Before an action: would it be refused, and with which problem
codes, in the contract's order (not found, forbidden, version, transition, input)? After a
successful one: what do the report's status, version, history and lines become?
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from vocabulary.enums import ReportEventAction, ReportStatus, Scope, Tier
from workflow.core.actors import Actor
from workflow.core.errors import ErrorCode

P, U, R, A = ReportStatus.PREPARING, ReportStatus.UNDER_REVIEW, ReportStatus.REJECTED, ReportStatus.APPROVED
MAX_TEXT = 1000

# A problem as the test compares it: (code, line item, index in the adjustments).
Problem = tuple[ErrorCode, int | None, int | None]
# An adjustment as the test sends it: (line item, chargeable units, comment).
Wanted = tuple[int, int, str | None]

# docs/contract.md §6's table: action -> (the statuses it starts from, where it goes; None: unchanged).
TABLE: dict[str, tuple[frozenset[ReportStatus], ReportStatus | None]] = {
    "save": (frozenset({P, R}), None),
    "submit": (frozenset({P, R}), U),
    "approve": (frozenset({U}), A),
    "reject": (frozenset({U}), R),
    "auto_submit": (frozenset({P, R}), U),
    "auto_approve": (frozenset({U}), A),
}

ENTRY_OF: dict[str, ReportEventAction] = {
    "save": ReportEventAction.SAVED,
    "submit": ReportEventAction.SUBMITTED,
    "approve": ReportEventAction.APPROVED,
    "reject": ReportEventAction.REJECTED,
    "auto_submit": ReportEventAction.AUTO_SUBMITTED,
    "auto_approve": ReportEventAction.AUTO_APPROVED,
}

# Every (from, to) a history entry of each kind may record: the table, plus generation.
MOVES: dict[ReportEventAction, frozenset[tuple[ReportStatus | None, ReportStatus]]] = {
    ReportEventAction.GENERATED: frozenset({(None, P)}),
    ReportEventAction.REGENERATED: frozenset({(P, P), (R, R)}),
    **{
        ENTRY_OF[action]: frozenset((source, dest or source) for source in sources)
        for action, (sources, dest) in TABLE.items()
    },
}


def normalized(text: str | None) -> str | None:
    """A comment or reason as the service keeps it: stripped, blank is none."""
    return (text.strip() or None) if text is not None else None


@dataclass
class LineModel:
    id: int
    customer_id: int
    code: str
    figures: tuple[date | None, int, int, int]  # reference day, provisioned, used, credits (e4)
    chargeable: int
    comment: str | None

    @property
    def used(self) -> int:
        return self.figures[2]

    @property
    def lowered(self) -> bool:
        return self.chargeable < self.used


@dataclass(frozen=True)
class Change:
    """A line change as a history entry lists it."""

    line_item_id: int
    old_chargeable: int
    new_chargeable: int
    old_comment: str | None
    new_comment: str | None


@dataclass
class ReportModel:
    id: int
    partner_id: int
    parent_id: int
    status: ReportStatus = P
    version: int = 1
    entries: list[ReportEventAction] = field(default_factory=lambda: [ReportEventAction.GENERATED])
    lines: dict[int, LineModel] = field(default_factory=dict)
    ever_rejected: bool = False
    customer_ids: frozenset[int] = frozenset()  # the owner's customers

    def sees(self, actor: Actor) -> bool:
        """docs/contract.md §2: the owner, its Tier 1 partner and the platform; nobody else."""
        return actor.tier is Tier.PLATFORM or actor.organization_id in (self.partner_id, self.parent_id)

    def may(self, action: str, actor: Actor) -> bool:
        """docs/contract.md §6's "who", with the scopes of §2: a role and its scope, never one alone."""
        if action in ("save", "submit"):
            return (
                actor.tier is Tier.TIER2 and actor.organization_id == self.partner_id and actor.has(Scope.REPORTS_WRITE)
            )
        return actor.tier is Tier.TIER1 and actor.organization_id == self.parent_id and actor.has(Scope.REPORTS_REVIEW)

    def offered(self, actor: Actor) -> set[str]:
        """What a front end may offer ``actor`` now: allowed from this status, and theirs to do."""
        return {a for a in ("save", "submit", "approve", "reject") if self.status in TABLE[a][0] and self.may(a, actor)}

    # --- refusals ---------------------------------------------------------------------------

    def refusal(
        self, action: str, actor: Actor, version: int, note: str | None = None, adjustments: Sequence[Wanted] = ()
    ) -> list[Problem]:
        """The problems (code, line item, index) the action must be refused with; [] if it succeeds."""
        if not self.sees(actor):
            return [(ErrorCode.NOT_FOUND, None, None)]
        if not self.may(action, actor):
            return [(ErrorCode.FORBIDDEN, None, None)]
        if version != self.version:
            return [(ErrorCode.VERSION_CONFLICT, None, None)]
        if self.status not in TABLE[action][0]:
            return [(ErrorCode.INVALID_TRANSITION, None, None)]
        text = normalized(note)
        if action == "reject" and text is None:
            return [(ErrorCode.REASON_REQUIRED, None, None)]
        if text is not None and len(text) > MAX_TEXT:
            return [(ErrorCode.COMMENT_TOO_LONG, None, None)]
        return self._adjustment_problems(adjustments)

    def _adjustment_problems(self, adjustments: Sequence[Wanted]) -> list[Problem]:
        """docs/contract.md §5: every invalid adjustment, each with its first problem."""
        problems: list[Problem] = []
        seen: set[int] = set()
        for index, (line_id, chargeable, comment) in enumerate(adjustments):
            line = self.lines.get(line_id)
            text = normalized(comment)
            code = None
            if line is None:
                code = ErrorCode.UNKNOWN_LINE_ITEM
            elif line_id in seen:
                code = ErrorCode.INVALID_INPUT
            elif not 0 <= chargeable <= line.used:
                code = ErrorCode.CHARGEABLE_OUT_OF_RANGE
            elif text is not None and len(text) > MAX_TEXT:
                code = ErrorCode.COMMENT_TOO_LONG
            elif chargeable < line.used and text is None:
                code = ErrorCode.COMMENT_REQUIRED
            if line is not None:
                seen.add(line_id)
            if code is not None:
                problems.append((code, line_id, index))
        return problems

    # --- successful steps -------------------------------------------------------------------

    def step(self, action: str) -> None:
        """One successful step of the table: the status moves (or stays), the version grows by one."""
        sources, dest = TABLE[action]
        assert self.status in sources
        self.status = dest or self.status
        self.version += 1
        self.entries.append(ENTRY_OF[action])
        if action == "reject":
            self.ever_rejected = True

    def adjust(self, adjustments: Sequence[Wanted]) -> list[Change]:
        """Apply a valid set of adjustments; return the lines that really change."""
        changes = []
        for line_id, chargeable, comment in adjustments:
            line = self.lines[line_id]
            new = (chargeable, normalized(comment))
            if new != (line.chargeable, line.comment):
                changes.append(Change(line_id, line.chargeable, chargeable, line.comment, new[1]))
                line.chargeable, line.comment = new
        return changes

    def regenerate(
        self, metered: dict[tuple[int, str], tuple[date | None, int, int, int]]
    ) -> tuple[bool, list[Change], list[tuple[int, str]]]:
        """docs/contract.md §4 for an editable report: (regenerated?, dropped adjustments, new (customer, code) lines).

        ``metered`` holds the figures generation computes now, for the (customer, solution)
        pairs that received late usage.
        """
        if self.status not in (P, R):
            return False, [], []
        by_pair = {(line.customer_id, line.code): line for line in self.lines.values()}
        mine = {pair: figures for pair, figures in metered.items() if pair[0] in self.customer_ids}
        changed = [
            by_pair[pair] for pair, figures in mine.items() if pair in by_pair and by_pair[pair].figures != figures
        ]
        added = [pair for pair in mine if pair not in by_pair]
        dropped = []
        for line in changed:
            was_adjusted = line.chargeable != line.used
            line.figures = mine[(line.customer_id, line.code)]
            if not was_adjusted:
                line.chargeable = line.used
            elif line.chargeable > line.used:
                dropped.append(Change(line.id, line.chargeable, line.used, line.comment, None))
                line.chargeable, line.comment = line.used, None
        if not (changed or added):
            return False, [], []
        self.version += 1
        self.entries.append(ReportEventAction.REGENERATED)
        return True, dropped, added
