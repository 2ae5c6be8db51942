// The phone's position: one watchPosition shared by whoever needs it (the assignment list for distances, the
// capture screen for the visit's position samples), stopped when nobody listens.

import { isoWithOffset } from './util.js';

const WATCH_OPTIONS = { enableHighAccuracy: true, maximumAge: 5_000, timeout: 60_000 };
const ERROR_KIND = { 1: 'denied', 2: 'unavailable', 3: 'timeout' };

export class PositionTracker extends EventTarget {
  #watchId = null;
  #users = 0;
  latest = null; // {lat, lon, accuracy_m, at}
  error = null; // 'denied' | 'unavailable' | 'timeout' | 'unsupported' | null

  /** Starts watching (if not yet) and returns a function that releases this user's interest. */
  acquire() {
    this.#users += 1;
    if (this.#users === 1) this.#start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#users -= 1;
      if (this.#users === 0) this.#stop();
    };
  }

  /** The latest fix if it is younger than `maxAge_ms`, else null. */
  recent(maxAge_ms = 120_000) {
    if (!this.latest) return null;
    return Date.now() - Date.parse(this.latest.at) <= maxAge_ms ? this.latest : null;
  }

  /** Asks the GPS for a fresh fix now; a still phone gets no watchPosition callbacks, yet a visit wants samples. */
  requestFix() {
    if (!('geolocation' in navigator) || this.#users === 0) return;
    navigator.geolocation.getCurrentPosition(
      (position) => this.#accept(position),
      (error) => this.#fail(ERROR_KIND[error.code] || 'unavailable'),
      { enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 },
    );
  }

  #start() {
    if (!('geolocation' in navigator)) {
      this.#fail('unsupported');
      return;
    }
    this.#watchId = navigator.geolocation.watchPosition(
      (position) => this.#accept(position),
      (error) => this.#fail(ERROR_KIND[error.code] || 'unavailable'),
      WATCH_OPTIONS,
    );
  }

  #stop() {
    if (this.#watchId !== null) navigator.geolocation.clearWatch(this.#watchId);
    this.#watchId = null;
  }

  #accept(position) {
    const { latitude, longitude, accuracy } = position.coords;
    this.latest = {
      lat: latitude,
      lon: longitude,
      accuracy_m: Math.min(100_000, Math.round(accuracy * 10) / 10), // the contract's ceiling
      at: isoWithOffset(new Date(position.timestamp || Date.now())),
    };
    this.error = null;
    this.dispatchEvent(new CustomEvent('position', { detail: this.latest }));
  }

  #fail(kind) {
    this.error = kind;
    this.dispatchEvent(new CustomEvent('position-error', { detail: kind }));
  }
}
