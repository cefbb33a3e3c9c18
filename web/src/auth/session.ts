import type { components } from '../api/schema';
import { ProblemError, problemMessage } from '../api/problem';

type User = components['schemas']['User'];
type TokenPair = components['schemas']['TokenPair'];

/** A sign-in as this browser keeps it (localStorage, so every tab shares one). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch). */
  expiresAt: number;
  user: User;
}

const KEY = 'edge-tiles.session';
/** Refresh this long before the access token expires, so no request goes out with a dying one. */
const MARGIN_MS = 60_000;

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current = load();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;

function changed(next: Session | null, persist: boolean): void {
  current = next;
  if (persist) {
    if (next) localStorage.setItem(KEY, JSON.stringify(next));
    else localStorage.removeItem(KEY);
  }
  clearTimeout(timer);
  // A tab left open keeps a live token: refresh ahead of expiry (timers in background tabs may run
  // late; accessToken() refreshes on demand as well).
  if (next) timer = setTimeout(() => void refresh().catch(() => undefined), next.expiresAt - Date.now() - MARGIN_MS);
  for (const listener of listeners) listener();
}

// Another tab signed in, refreshed or signed out.
addEventListener('storage', (event) => {
  if (event.key === KEY) changed(load(), false);
});

export const session = (): Session | null => current;

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function post(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function failure(response: Response): Promise<Error> {
  const body: unknown = await response.json().catch(() => null);
  return new ProblemError(response.status, problemMessage(response.status, body));
}

async function start(pair: TokenPair): Promise<void> {
  const me = await fetch('/users/me', { headers: { authorization: `Bearer ${pair.access_token}` } });
  if (!me.ok) throw await failure(me);
  changed(
    {
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
      expiresAt: Date.now() + pair.expires_in * 1000,
      user: (await me.json()) as User,
    },
    true,
  );
}

export async function signIn(email: string, password: string): Promise<void> {
  const response = await post('/auth/token', { email, password });
  if (!response.ok) throw await failure(response);
  await start((await response.json()) as TokenPair);
}

export async function signUp(name: string, email: string, password: string): Promise<void> {
  const response = await post('/auth/register', { name, email, password });
  if (!response.ok) throw await failure(response);
  await signIn(email, password);
}

/**
 * Ends the sign-in here and on the server, under the refresh lock (so no refresh in another tab
 * writes a pair back). This browser forgets it whatever happens; if the server could not be told,
 * the error says so (the sign-in then ends by itself when its refresh token expires).
 */
export async function signOut(): Promise<void> {
  await navigator.locks.request(KEY, async () => {
    const ending = load();
    changed(null, true);
    if (!ending) return;
    const response = await post('/auth/logout', { refresh_token: ending.refreshToken }).catch(() => null);
    // 401: the server had already ended it.
    if (response && (response.ok || response.status === 401)) return;
    throw new Error(
      'Signed out in this browser, but the server could not be told: sign in and out again to end the sign-in there.',
    );
  });
}

/**
 * Exchanges the refresh token, once for all tabs: refresh tokens are single-use and a reused one
 * ends the whole sign-in, so two tabs must never send the same one. A Web Lock serialises them;
 * whoever comes second finds the fresh pair already stored.
 */
async function refresh(): Promise<void> {
  await navigator.locks.request(KEY, async () => {
    const stored = load();
    if (!stored) return changed(null, false);
    if (stored.expiresAt - Date.now() > MARGIN_MS) return changed(stored, false);
    const response = await post('/auth/refresh', { refresh_token: stored.refreshToken });
    if (response.status === 401) return changed(null, true);
    if (!response.ok) throw await failure(response);
    const pair = (await response.json()) as TokenPair;
    changed(
      {
        ...stored,
        accessToken: pair.access_token,
        refreshToken: pair.refresh_token,
        expiresAt: Date.now() + pair.expires_in * 1000,
      },
      true,
    );
  });
}

/** The access token to send now (refreshed first if it is about to expire), or null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (current.expiresAt - Date.now() <= MARGIN_MS) await refresh();
  return current?.accessToken ?? null;
}
