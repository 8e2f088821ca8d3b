// Sign in by pasting a token; under `make demo`, or pick one of the demo's organizations.

import { h } from "../dom.js";
import { TIER_LABELS } from "../format.js";

/**
 * demo: null, or {period, organizations: [{id, name, tier, parentId, token}]} (console/config.json)
 * signIn(token): resolves once signed in; rejects with the reason the token was refused
 */
export function signInScreen({ demo, message, signIn }) {
  const error = h("p", { class: "form-error", id: "sign-in-error", role: "alert" }, message ?? "");
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help sign-in-error",
  });

  async function attempt(token) {
    error.textContent = "";
    try {
      await signIn(token);
    } catch (refused) {
      error.textContent = refused.message;
      input.focus();
    }
  }

  const form = h(
    "form",
    {
      class: "sign-in",
      id: "sign-in",
      onsubmit: (event) => {
        event.preventDefault();
        attempt(input.value.trim());
      },
    },
    h("label", { for: "token" }, "API token"),
    h(
      "p",
      { id: "token-help", class: "help" },
      "Paste a token of your organization: it is shown once, when it is made ",
      "(by the operator's billing-reports token create, or by your organization's own createApiToken). ",
      "It is kept in this browser tab only.",
    ),
    h("div", { class: "inline" }, input, h("button", { type: "submit" }, "Sign in")),
    error,
  );

  const element = h(
    "div",
    { class: "screen sign-in-screen" },
    h("h1", { tabindex: "-1" }, "Billing Reports console"),
    h(
      "p",
      { class: "lead" },
      "The partner portal's Billing Reports screen, built on the service's public GraphQL API only: ",
      "what a front end can do with it.",
    ),
    form,
    demo ? demoPicker(demo, attempt) : null,
  );
  return { element, title: "Sign in", focus: () => input.focus() };
}

function demoPicker(demo, attempt) {
  const byId = new Map(demo.organizations.map((o) => [o.id, o]));
  const group = (tier, title) => {
    const organizations = demo.organizations.filter((o) => o.tier === tier);
    if (!organizations.length) return null;
    return h(
      "section",
      { class: "demo-group", "aria-labelledby": `demo-${tier}` },
      h("h3", { id: `demo-${tier}` }, title),
      h(
        "ul",
        { class: "organizations" },
        organizations.map((o) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "organization", dataset: { tier: o.tier, name: o.name }, onclick: () => attempt(o.token) },
              h("span", { class: "name" }, o.name),
              h(
                "span",
                { class: "detail" },
                TIER_LABELS[o.tier],
                o.parentId && byId.has(o.parentId) ? ` · of ${byId.get(o.parentId).name}` : "",
              ),
            ),
          ),
        ),
      ),
    );
  };
  return h(
    "section",
    { class: "demo", "aria-labelledby": "demo-title" },
    h("h2", { id: "demo-title" }, "Or sign in as an organization of the demo"),
    h(
      "p",
      { class: "help" },
      `The world of make demo (period ${demo.period}), with each organization's token from its demo.json. `,
      "Offered only because this server was started with BILLING_REPORTS_CONSOLE_DEMO, and only to this machine.",
    ),
    h(
      "div",
      { class: "demo-groups" },
      group("TIER2", "Tier 2 partners: review, adjust and submit"),
      group("TIER1", "Tier 1 partners: approve or reject"),
      group("PLATFORM", "The platform: sees every report"),
    ),
  );
}
