/** What a failed call says, from its problem+json (RFC 9457) body: a sentence a person can act on. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ path?: string; message?: string }>;
}

const isProblem = (body: unknown): body is Problem => typeof body === 'object' && body !== null;

/** What to tell the person, by status, when the API's own words are not enough. */
const ADVICE: Record<number, string> = {
  401: 'Your sign-in has ended: sign in again.',
  403: 'You do not have permission for this: ask the project owner for the manager role.',
  404: 'Not found, or you do not have access to it.',
  413: 'Too large.',
  429: 'Too many attempts: wait a moment and retry.',
};

export function problemMessage(status: number, body: unknown): string {
  const problem = isProblem(body) ? body : {};
  const fields = (problem.errors ?? []).map((e) => `${e.path ?? ''} ${e.message ?? ''}`.trim()).filter(Boolean);
  const said = [problem.detail ?? problem.title, ...fields].filter(Boolean).join(' — ');
  if (said) return said;
  return ADVICE[status] ?? (status >= 500 ? 'The service failed; retry in a moment.' : `Request failed (${status}).`);
}
