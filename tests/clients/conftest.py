"""The client tests use the app served for real (``tests.api.served``) on the test world."""

from tests.api.served import served_app  # noqa: F401 - the fixture
