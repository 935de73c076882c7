// Errors from the API as sentences a person can act on. The codes are the API's
// (`extensions.code`); the sentences never show a code alone.

export class ApiError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  /** HTTP status (0 when the server could not be reached). */
  readonly status: number;

  constructor(code: string, message: string, status: number, field?: string, retryAfter?: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.field = field;
    this.retryAfter = retryAfter;
  }

  /** A dead session cookie (idle or expired): the app returns to sign-in. */
  get sessionEnded(): boolean {
    return this.status === 401 && this.code === 'UNAUTHENTICATED';
  }
}

interface WireError {
  message?: string;
  extensions?: { code?: string; field?: string; retryAfter?: number };
}

/** The first error of a GraphQL (or `/session`) error body as an `ApiError`. */
export function errorFromBody(body: { errors?: WireError[] } | null, status: number): ApiError {
  const first = body?.errors?.[0];
  const ext = first?.extensions ?? {};
  return new ApiError(ext.code ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), first?.message ?? `HTTP ${status}`, status, ext.field, ext.retryAfter);
}

/** Words for the API's field paths. */
const FIELD_NAMES: Record<string, string> = {
  email: 'email',
  password: 'password',
  organizationId: 'organization',
  'filter.near.lat': 'latitude',
  'filter.near.lon': 'longitude',
  'filter.radiusKm': 'distance',
  'filter.needs': 'need',
  'filter.languages': 'language',
  fips: 'county',
  'input.goal': 'goal',
};

/** What to tell a person about an error, and what they can do. */
export function errorSentence(error: unknown, doing = 'do that'): string {
  if (!(error instanceof ApiError)) {
    return 'Lantern could not be reached. Check your internet connection and try again.';
  }
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return error.sessionEnded
        ? 'Your session has ended. Sign in again to continue.'
        : 'You need to sign in to ' + doing + '.';
    case 'FORBIDDEN':
      return `Your account is not allowed to ${doing}. If you think it should be, ask your network administrator.`;
    case 'NOT_FOUND':
      return 'We could not find that. It may have been removed, or the link may be wrong.';
    case 'CONFLICT':
      return 'Someone else changed this while you were working on it. Reload the page to see their changes, then make yours again.';
    case 'RATE_LIMITED':
      return `Too many attempts in a short time. Wait ${error.retryAfter ?? 60} seconds, then try again.`;
    case 'BAD_USER_INPUT': {
      const field = error.field ? FIELD_NAMES[error.field] ?? error.field.split('.').pop() : undefined;
      const detail = error.message ? error.message.charAt(0).toUpperCase() + error.message.slice(1) : '';
      return `${field ? `Check the ${field}` : 'Check what you entered'}: ${detail}.`.replace(/\.\.$/, '.');
    }
    case 'TIMEOUT':
      return 'Lantern took too long to answer. Try again; if it keeps happening, narrow the search.';
    default:
      return 'Something went wrong on our side. Try again in a moment; if it keeps happening, tell your network administrator.';
  }
}
