// The only module that calls fetch. It speaks the sync contract of docs/contract.md and turns every failure into one of
// two errors: NetworkError (no answer worth reading: offline, timeout, a proxy's HTML page) or ProblemError
// (the server answered with an RFC 9457 problem; switch on `code`).

const JSON_TIMEOUT_MS = 30_000;
const PHOTO_MIN_TIMEOUT_MS = 120_000;
const SLOW_UPLOAD_BYTES_PER_S = 8_000; // a poor 2G link: a photo upload must not time out before it could finish

export class NetworkError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ProblemError';
    this.status = status;
    this.code = problem.code || null;
    this.title = problem.title || null;
    this.detail = problem.detail || null;
    this.field = problem.field || null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter_s = problem.retry_after_s ?? null;
  }

  /** True when sending the same request later may succeed: the server was busy or failed, not the request. */
  get isTransient() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

function apiUrl(path) {
  return new URL(`api/${path}`, globalThis.location.href).href;
}

async function readProblem(response) {
  const type = response.headers.get('content-type') || '';
  let problem = {};
  if (type.includes('json')) {
    try { problem = await response.json(); } catch { problem = {}; }
  }
  if (!problem.title) problem.title = response.statusText;
  const retryAfter = Number(response.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) problem.retry_after_s = retryAfter;
  return problem;
}

async function call(method, path, { token, json, body, contentType, timeout_ms = JSON_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (contentType) {
    headers['Content-Type'] = contentType;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout_ms);
  let response;
  try {
    response = await fetch(apiUrl(path), {
      method, headers, body, cache: 'no-store', credentials: 'omit', signal: controller.signal,
    });
  } catch (error) {
    throw new NetworkError(controller.signal.aborted ? 'timeout' : 'unreachable', error);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw new ProblemError(response.status, await readProblem(response));
  if (response.status === 204) return { status: 204, data: null };
  try {
    return { status: response.status, data: await response.json() };
  } catch (error) {
    // A captive portal or proxy answering 200 with HTML: the server was not reached.
    throw new NetworkError('unreadable answer', error);
  }
}

export async function login(username, password) {
  return (await call('POST', 'auth/login', { json: { username, password } })).data;
}

export async function refresh(refreshToken) {
  return (await call('POST', 'auth/refresh', { json: { refresh_token: refreshToken } })).data;
}

export async function myAssignments(token) {
  return (await call('GET', 'me/assignments', { token })).data;
}

export async function instrument(token, key, version) {
  const path = `instruments/${encodeURIComponent(key)}/${encodeURIComponent(version)}`;
  return (await call('GET', path, { token })).data;
}

/** PUT the visit document; resolves with `{status, receipt}` (201 new, 200 replay or new revision). */
export async function putVisit(token, visitId, document) {
  const { status, data } = await call('PUT', `visits/${visitId}`, { token, json: document });
  return { status, receipt: data };
}

export async function putPhoto(token, visitId, photoId, blob, contentType) {
  const timeout_ms = Math.max(PHOTO_MIN_TIMEOUT_MS, (blob.size / SLOW_UPLOAD_BYTES_PER_S) * 1000);
  const { data } = await call('PUT', `visits/${visitId}/photos/${photoId}`, {
    token, body: blob, contentType, timeout_ms,
  });
  return data;
}

export async function visit(token, visitId) {
  return (await call('GET', `visits/${visitId}`, { token })).data;
}

export async function returnedVisits(token) {
  return (await call('GET', 'me/visits?status=returned', { token })).data;
}
