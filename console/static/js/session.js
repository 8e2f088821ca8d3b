// Who is signed in: the token and what `viewer` said of it, kept for this browser tab only
// (sessionStorage: gone when the tab closes; never localStorage, never a cookie).

const KEY = "billing-reports-console";

export function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    return session?.token && session?.viewer ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}
