import pytest

# Plain asserts in the scenario helpers explain their failures like the tests' own.
pytest.register_assert_rewrite("tests.integration.scenarios")
