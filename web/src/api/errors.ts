import { AREA_NAMES } from '../lib/standards';
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
  'input.name': 'name',
  'input.kind': 'kind of organization',
  'input.website': 'website',
  'input.email': 'e-mail',
  'input.phones': 'phones',
  'input.phone': 'phone',
  'input.needs': 'needs',
  'input.languages': 'languages',
  'input.latitude': 'latitude',
  'input.longitude': 'longitude',
  'input.county': 'county',
  'input.street': 'street',
  'input.postalCode': 'ZIP code',
  'input.code': 'client code',
  'input.dateOfBirth': 'date of birth',
  'input.preferredLanguage': 'language',
  'input.purpose': 'purpose',
  'input.method': 'way consent was obtained',
  'input.expiresAt': 'expiry date',
  'input.obtainedAt': 'time consent was obtained',
  'input.recipients': 'organization receiving the data',
  'input.fields': 'what to share',
  'input.guardian': 'parent’s or guardian’s consent',
  'input.guardian.relationship': 'guardian’s relationship to the client',
  'input.guardian.notSuspectedAbuser': 'guardian confirmation',
  'input.clientId': 'client',
  'input.shareFields': 'what to share',
  'input.serviceId': 'service',
  'input.needCode': 'need',
  'input.language': 'language',
  'input.note': 'note',
  'input.url': 'address (URL)',
  'input.eventTypes': 'events',
  'input.label': 'label',
  'input.expiresOn': 'expiry date',
  'input.effectiveOn': 'effective date',
  'input.scopeNeeds': 'needs covered',
  'input.parties': 'parties',
  'input.trainedOn': 'training date',
  'input.staffSharePercent': 'share of staff',
  note: 'note',
  reason: 'reason',
  dueAt: 'new due date',
  userId: 'person',
  counties: 'counties',
  organizationIds: 'organizations',
  'filter.noOutcomeAfterDays': 'number of days',
};

/** The API's message without the field path it starts with ("input.expiresAt is …" →
 *  "the expiry date is …"; "input.guardian: a minor's …" → "a minor's …"). */
function detail(message: string, field: string | undefined, name: string | undefined): string {
  let text = message.trim();
  if (field && name && text.startsWith(field)) {
    const rest = text.slice(field.length);
    text = rest.startsWith(':') ? rest.slice(1).trim() : `the ${name}${rest}`;
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A note on a referral without personal data that looks like it holds a phone number or
 *  an e-mail address. */
export const NOTE_WITH_CONTACT_DETAILS =
  'This referral carries no personal data, so its note must not either: the note looks like it holds a phone number or an e-mail address. Take it out and describe the need instead, or refer with the client’s consent.';

/** What to tell a person about an error, and what they can do. */
export function errorSentence(error: unknown, doing = 'do that'): string {
  if (!(error instanceof ApiError) || error.code === 'NETWORK') {
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
      if ((error.field === 'input.note' || error.field === 'note') && /personal data/.test(error.message)) return NOTE_WITH_CONTACT_DETAILS;
      const field = error.field ? FIELD_NAMES[error.field] ?? error.field.split('.').pop() : undefined;
      const text = error.message ? detail(error.message, error.field, field) : '';
      return `${field ? `Check the ${field}` : 'Check what you entered'}: ${text}.`.replace(/\.\.$/, '.');
    }
    case 'CONSENT_REQUIRED':
      return 'No active consent lets them see what you chose to share. Record the client’s consent first, share less, or refer without personal data.';
    case 'VETTING_REQUIRED': {
      // The API names service areas by code; say them as people do.
      const reason = (error.message || 'this network sends referrals for this need only to providers vetted under the Standards of Service').replace(
        /\b[A-Z_]{6,}\b/g,
        (code) => AREA_NAMES[code as keyof typeof AREA_NAMES]?.toLowerCase() ?? code,
      );
      return `Only vetted providers can receive this referral: ${reason}.`.replace(/\.\.$/, '.');
    }
    case 'UNAVAILABLE':
      return 'Lantern cannot reach its database just now. Try again in a minute.';
    case 'TIMEOUT':
      return 'Lantern took too long to answer. Try again; if it keeps happening, narrow the search.';
    default:
      return 'Something went wrong on our side. Try again in a moment; if it keeps happening, tell your network administrator.';
  }
}
