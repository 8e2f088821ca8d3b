"""Reports as they move: the actions of the partners, the one step writer, the history,
the Tier 1 partners' settings, and the deadline sweep."""
