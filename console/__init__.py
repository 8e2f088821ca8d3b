"""The reference console: the Billing Reports screen in a browser (docs/console.md).

Static files only — HTML, CSS and JavaScript modules in ``static/``, no build step and
nothing from a CDN (graphql-ws is vendored, pinned, with its licence, in
``static/vendor/``) — that speak to the service exactly as a front-end team's code would:
GraphQL over ``POST /graphql`` with the bearer token, and the ``reportEvents``
subscription over the ``graphql-transport-ws`` WebSocket. This package serves them
(``console.routes``) when the settings turn the console on (``server.app``), with, for
``make demo``, the demo's organizations to sign in as (``console.demo_picker``).

It imports nothing of the service (an import-linter contract keeps it so): a console that
read the database or the schema directly would not show what the public API makes possible.
"""

from console.routes import console_routes

__all__ = ["console_routes"]
