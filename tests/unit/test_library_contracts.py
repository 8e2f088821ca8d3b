"""What the service relies on in its libraries beyond their documented API, one test each.

Each test names the attribute it relies on and the module that uses it, so an upgrade
that removes or changes it fails here, loudly, rather than somewhere downstream.
"""

from __future__ import annotations

import inspect

from graphql import GraphQLSchema
from graphql.execution.executor import Executor
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper

from resolvers.root import schema
from schema.graphql_schema import graphql_schema_of


def test_strawberry_schema_keeps_its_graphql_core_schema_in_the_private_attribute_schema() -> None:
    # schema.graphql_schema.graphql_schema_of: validation and the report query path need it.
    built = graphql_schema_of(schema)
    assert isinstance(built, GraphQLSchema)
    assert built.query_type is not None and built.query_type.name == "Query"


def test_strawberry_validate_document_takes_a_schema_a_document_and_rules() -> None:
    # schema.validation: validation with the document limits first, then Strawberry's own.
    assert list(inspect.signature(validate_document).parameters) == ["schema", "document", "validation_rules"]


def test_strawberry_graphql_transport_ws_handler_keeps_its_operations_by_id_in_operations() -> None:
    # server.graphql_ws.SubscriptionsOnlyHandler: a pong after subscribe means it is registered.
    assert "self.operations" in inspect.getsource(BaseGraphQLTransportWSHandler.__init__)
    assert "self.operations[" in inspect.getsource(BaseGraphQLTransportWSHandler)


def test_strawberry_websocket_adapter_holds_the_starlette_socket_in_ws() -> None:
    # server.graphql_view.TextFrames sends text frames on adapter.ws.
    assert "self.ws = response" in inspect.getsource(ASGIWebSocketAdapter.__init__)


def test_strawberry_execution_context_is_graphql_cores_executor() -> None:
    # resolvers.event_sharing.SharedEventExecution overrides graphql-core 3.3's
    # Executor.execute_operation and reads its operation, variables, root and context values.
    assert issubclass(StrawberryGraphQLCoreExecutionContext, Executor)
    assert "serially" in inspect.signature(Executor.execute_operation).parameters
    source = inspect.getsource(Executor.__init__)
    assert all(f"self.{name} =" in source for name in ("root_value", "context_value", "operation", "variable_values"))


def test_tortoise_asyncpg_client_makes_transactions_in_in_transaction_with_pool_init_lock() -> None:
    # server.postgres_pool.BoundedPoolClient: a backend's transactions are made by
    # _in_transaction() (abstract in Tortoise's base client) from TransactionWrapper.
    source = inspect.getsource(AsyncpgDBClient._in_transaction)
    assert "TransactionContextPooled(TransactionWrapper(self), self._pool_init_lock)" in source
    assert inspect.iscoroutinefunction(TransactionWrapper.commit)
