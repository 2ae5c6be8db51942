// The logged-in session lives in sessionStorage: it ends with the browser tab, so a supervisor on a shared laptop
// does not leave a console open for the next person. Only api.js and the login view write it.

const KEY = 'sidak.console.session';

export function readSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return session && session.access_token && session.user ? session : null;
  } catch {
    return null;
  }
}

/** Store the answer of POST /api/auth/login or /api/auth/refresh. */
export function saveSession(tokens) {
  sessionStorage.setItem(KEY, JSON.stringify({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    user: tokens.user,
  }));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

export function currentUser() {
  return readSession()?.user ?? null;
}

export function isAdmin() {
  return currentUser()?.role === 'admin';
}
