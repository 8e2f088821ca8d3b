"""Entry points: settings, the Starlette app, token authentication, the CLI."""
