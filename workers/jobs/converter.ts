import type { Bindings } from '../platform/env';

/** The converter, whichever way it is reached: paths and bodies are the same on both transports. */
export interface ConverterTransport {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export class ConverterUnavailable extends Error {}

/**
 * CONVERTER_URL (a local process: dev and tests) when set, else the Container binding (one
 * container per job). Every request carries the shared secret.
 */
export function converterFor(env: Bindings, jobId: string): ConverterTransport {
  const secret = env.CONVERTER_SECRET;
  if (!secret) throw new ConverterUnavailable('CONVERTER_SECRET is not set.');
  const withSecret = (init: RequestInit = {}): RequestInit => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${secret}`);
    return { ...init, headers };
  };
  if (env.CONVERTER_URL) {
    const base = env.CONVERTER_URL.replace(/\/$/, '');
    return { fetch: (path, init) => fetch(`${base}${path}`, withSecret(init)) };
  }
  if (env.CONVERTER) {
    const stub = env.CONVERTER.get(env.CONVERTER.idFromName(jobId));
    return { fetch: (path, init) => stub.fetch(new Request(`http://converter${path}`, withSecret(init))) };
  }
  throw new ConverterUnavailable(
    'No converter is configured: set CONVERTER_URL, or bind CONVERTER to the Container class.',
  );
}
