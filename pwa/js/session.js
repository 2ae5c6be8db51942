// Who is signed in, and a valid access token when the network needs one. Knows nothing of the DOM.
// The user stays known after the tokens expire: capture never depends on a token, only sending does.

import * as api from './api.js';
import * as db from './db.js';

const EXPIRY_MARGIN_MS = 60_000;
const REFRESH_LOCK = 'sidak-session-refresh';

/** Sending needs the password again (the refresh token was refused); everything queued stays where it is. */
export class SignInRequired extends Error {
  constructor() {
    super('sign in required');
    this.name = 'SignInRequired';
  }
}

export class Session extends EventTarget {
  #record = null;
  #refreshing = null;

  async load() {
    this.#record = (await db.getMeta('session')) || null;
    return this.user;
  }

  get user() {
    return this.#record ? this.#record.user : null;
  }

  /** True when the phone holds no usable refresh token, so the next sync needs the password. */
  get needsSignIn() {
    return Boolean(this.#record) && !this.#record.refresh_token;
  }

  async login(username, password) {
    const tokens = await api.login(username, password);
    await this.#store(tokens);
    this.dispatchEvent(new CustomEvent('signed-in', { detail: this.user }));
    return this.user;
  }

  /** Forgets the tokens and the user; visits, photos and the outbox stay on the phone. */
  async logout() {
    this.#record = null;
    await db.deleteMeta('session');
    this.dispatchEvent(new CustomEvent('signed-out'));
  }

  /**
   * Runs `request(token)`; on a 401 it refreshes once and retries. Throws SignInRequired when the server no longer
   * accepts this phone's tokens, NetworkError/ProblemError as api.js raises them.
   */
  async call(request) {
    const token = await this.#accessToken();
    try {
      return await request(token);
    } catch (error) {
      if (!(error instanceof api.ProblemError) || error.status !== 401) throw error;
    }
    try {
      return await request(await this.#refresh());
    } catch (error) {
      if (!(error instanceof api.ProblemError) || error.status !== 401) throw error;
      // A token fresh from the server refused again: only the password can fix this.
      await this.#forgetTokens();
      throw new SignInRequired();
    }
  }

  async #accessToken() {
    if (!this.#record) throw new SignInRequired();
    if (this.#record.access_token && this.#record.access_expires_at - EXPIRY_MARGIN_MS > Date.now()) {
      return this.#record.access_token;
    }
    return this.#refresh();
  }

  #refresh() {
    if (!this.#refreshing) {
      this.#refreshing = oneAtATime(() => this.#doRefresh()).finally(() => { this.#refreshing = null; });
    }
    return this.#refreshing;
  }

  async #doRefresh() {
    // Another context of the app (the service worker's background pass, another tab) may have refreshed since this
    // one read the tokens: the refresh token it replaced is spent, and presenting it again would make the server end
    // the whole login. Its tokens are in IndexedDB.
    const stored = await db.getMeta('session');
    if (stored && stored.refresh_token && stored.refresh_token !== (this.#record && this.#record.refresh_token)) {
      this.#record = stored;
      if (stored.access_token && stored.access_expires_at - EXPIRY_MARGIN_MS > Date.now()) return stored.access_token;
    }
    const refreshToken = this.#record && this.#record.refresh_token;
    if (!refreshToken) throw new SignInRequired();
    let tokens;
    try {
      tokens = await api.refresh(refreshToken);
    } catch (error) {
      if (error instanceof api.ProblemError && (error.status === 401 || error.status === 403)) {
        await this.#forgetTokens();
        throw new SignInRequired();
      }
      throw error;
    }
    await this.#store(tokens);
    return this.#record.access_token;
  }

  async #forgetTokens() {
    this.#record = { ...this.#record, access_token: null, refresh_token: null, access_expires_at: 0 };
    await db.setMeta('session', this.#record);
    this.dispatchEvent(new CustomEvent('signin-required'));
  }

  async #store(tokens) {
    const user = tokens.user || (this.#record && this.#record.user);
    this.#record = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      access_expires_at: Date.now() + Number(tokens.expires_in || 0) * 1000,
      user,
    };
    await db.setMeta('session', this.#record);
  }
}

/** Runs `body` while no other context of the app refreshes (Web Locks reach the service worker and every tab). */
function oneAtATime(body) {
  if (!(globalThis.navigator && navigator.locks)) return body();
  return navigator.locks.request(REFRESH_LOCK, body);
}
