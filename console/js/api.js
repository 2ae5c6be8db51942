// The only module that calls fetch. Every failure becomes an ApiError: either the server's RFC 9457 problem
// (switch on `code`; `field` and `errors` name what to fix) or code "network" when no readable answer came back.
// An expired access token is refreshed once (POST /api/auth/refresh); when that fails the session ends and
// a "sidak:logged-out" event sends the user back to the login page.

import { clearSession, readSession, saveSession } from './session.js';

const TIMEOUT_MS = 60_000;
export const LOGGED_OUT_EVENT = 'sidak:logged-out';

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code || (status ? `http.${status}` : 'network');
    this.title = problem.title || null;
    this.detail = problem.detail || null;
    this.field = problem.field || null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

function apiUrl(path, query) {
  const url = new URL(`/api/${path.replace(/^\/+/, '')}`, globalThis.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  return url.href;
}

async function readProblem(response) {
  const type = response.headers.get('content-type') || '';
  if (!type.includes('json')) return { title: response.statusText };
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

async function send(method, path, { query, json, body, token, cache = 'no-store', accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(apiUrl(path, query), {
      method, headers, body, cache, credentials: 'omit', signal: controller.signal,
    });
  } catch (error) {
    throw new ApiError(0, { code: 'network', detail: error?.message || 'network' });
  } finally {
    clearTimeout(timer);
  }
}

async function readAnswer(response) {
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) return response.json();
  return response.blob();
}

// Several requests may fail with 401 at once; they all wait for the same refresh.
let refreshing = null;

async function refreshTokens() {
  const session = readSession();
  if (!session?.refresh_token) return false;
  refreshing ??= (async () => {
    try {
      const response = await send('POST', 'auth/refresh', { json: { refresh_token: session.refresh_token } });
      if (!response.ok) return false;
      saveSession(await response.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function endSession() {
  clearSession();
  globalThis.dispatchEvent(new CustomEvent(LOGGED_OUT_EVENT));
}

/** Call the API as the logged-in user; the answer's JSON (or a Blob for files, null for 204). */
export async function request(method, path, options = {}) {
  return readAnswer(await authorisedResponse(method, path, options));
}

async function authorisedResponse(method, path, options) {
  const session = readSession();
  let response = await send(method, path, { ...options, token: session?.access_token });
  if (response.status === 401 && session) {
    if (!(await refreshTokens())) {
      endSession();
      throw new ApiError(401, await readProblem(response));
    }
    response = await send(method, path, { ...options, token: readSession()?.access_token });
    if (response.status === 401) {
      endSession();
    }
  }
  return response;
}

export const get = (path, query) => request('GET', path, { query });

/** The server's own "/api/…" paths (photo URLs in answers) as the relative paths `request` takes. */
export const relativeApiPath = (serverPath) => serverPath.replace(/^\/?api\//, '');

/**
 * A stored photo variant (`urls.thumb` of an answer) as a Blob. Photos need the bearer token, so an <img src> cannot
 * load them; their answers are immutable and private, so the browser's own cache may keep them.
 */
export async function getPhoto(serverPath) {
  return request('GET', relativeApiPath(serverPath), { cache: 'default', accept: 'image/*' });
}

/** A file to save (an export): its Blob and the name the server suggests in Content-Disposition. */
export async function getFile(path, fallbackName) {
  const response = await authorisedResponse('GET', path, { accept: '*/*' });
  if (!response.ok) return readAnswer(response);
  const disposition = response.headers.get('content-disposition') || '';
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await response.blob(), filename: named ? decodeURIComponent(named[1]) : fallbackName };
}

/** A public route (published results), asked without the session's token: what it shows must not depend on it. */
export async function getPublic(path, query) {
  return readAnswer(await send('GET', path, { query }));
}

export const post = (path, json, query) => request('POST', path, { json, query });
export const patch = (path, json) => request('PATCH', path, { json });

/** Send a file as the one field of a multipart form; the server tells CSV, JSON and .xlsx apart itself. */
export function upload(path, file, query) {
  const form = new FormData();
  form.append('file', file, file.name);
  return request('POST', path, { body: form, query });
}

export async function login(username, password) {
  const response = await send('POST', 'auth/login', { json: { username, password } });
  const tokens = await readAnswer(response);
  saveSession(tokens);
  return tokens.user;
}

export async function logout() {
  const session = readSession();
  clearSession();
  if (session?.refresh_token) {
    // Revoking on the server is a courtesy: the local session is already gone whatever the answer.
    await send('POST', 'auth/logout', { json: { refresh_token: session.refresh_token } }).catch(() => null);
  }
}

// --- settings the server may publish -----------------------------------------------------------------------------

export const DEFAULT_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
let mapSettings = null;

/**
 * The map tile URL. The server's SIDAK_MAP_TILE_URL is read from GET /api/settings/map when that route exists;
 * otherwise OpenStreetMap's tiles are used.
 */
export async function getMapSettings() {
  mapSettings ??= request('GET', 'settings/map')
    .then((settings) => ({ tile_url: settings?.tile_url || DEFAULT_TILE_URL, attribution: settings?.attribution }))
    .catch(() => ({ tile_url: DEFAULT_TILE_URL }));
  return mapSettings;
}
