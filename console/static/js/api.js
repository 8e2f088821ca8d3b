// The API over HTTP, as any front end calls it: POST /graphql, JSON, the bearer token.
// Top-level errors (UNAUTHENTICATED, FORBIDDEN, a limit) become ApiError; a mutation's
// expected refusals are in its payload's `errors`, which the screens show.

// The console is served at <base>/console/, the API at <base>/graphql.
export const GRAPHQL_URL = new URL("../graphql", document.baseURI).href;
export const SOCKET_URL = GRAPHQL_URL.replace(/^http/, "ws");

export class ApiError extends Error {
  constructor(message, { code = null, status = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

export async function graphql(token, query, variables = {}) {
  let response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`The service could not be reached (${error.message}).`, { code: "NETWORK" });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: said below with the status
  }
  const first = body?.errors?.[0];
  if (first) {
    throw new ApiError(first.message, { code: first.extensions?.code ?? null, status: response.status });
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(`The service answered HTTP ${response.status}.`, { status: response.status });
  }
  return body.data;
}
