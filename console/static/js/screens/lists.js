// What the two list screens share: a page of report rows, "Load more", the live mark.

import { h } from "../dom.js";

export const PAGE_SIZE = 50;

/** The reports of a connection, and a button that loads the next page while there is one. */
export class ReportPages {
  constructor({ query, document, variables, onChange }) {
    this.query = query;
    this.document = document;
    this.variables = variables;
    this.onChange = onChange;
    this.rows = [];
    this.pageInfo = { hasNextPage: false, endCursor: null };
    this.totalCount = 0;
  }

  take(connection) {
    this.rows = connection.edges.map((e) => e.node);
    this.pageInfo = connection.pageInfo;
    this.totalCount = connection.totalCount ?? this.rows.length;
  }

  /** How many to ask for on a refetch: what is shown, within a page's limit. */
  get shownCount() {
    return Math.min(100, Math.max(PAGE_SIZE, this.rows.length));
  }

  moreButton() {
    if (!this.pageInfo.hasNextPage) return null;
    return h(
      "button",
      {
        type: "button",
        class: "more",
        onclick: async (event) => {
          event.target.disabled = true;
          const data = await this.query(this.document, {
            ...this.variables,
            first: PAGE_SIZE,
            after: this.pageInfo.endCursor,
          });
          this.rows = [...this.rows, ...data.reports.edges.map((e) => e.node)];
          this.pageInfo = data.reports.pageInfo;
          this.onChange();
        },
      },
      `Load more (${this.rows.length} of ${this.totalCount} shown)`,
    );
  }
}

/** Reports that changed live in the last few seconds, to mark their rows. */
export class RecentChanges {
  constructor(seconds = 15) {
    this.ms = seconds * 1000;
    this.changed = new Map();
  }

  note(reportId) {
    this.changed.set(reportId, Date.now());
  }

  has(reportId) {
    const at = this.changed.get(reportId);
    return at !== undefined && Date.now() - at < this.ms;
  }
}
