import { describe, expect, it } from 'vitest';
import { ApiError, errorFromBody, errorSentence, NOTE_WITH_CONTACT_DETAILS } from '../src/api/errors';
import { countByStatus, demandCount, ofTotal } from '../src/lib/gaps';
import { safeNext } from '../src/pages/Login';

describe('errors as sentences', () => {
  const sentence = (code: string, extra: Partial<{ status: number; field: string; message: string; retryAfter: number }> = {}) =>
    errorSentence(new ApiError(code, extra.message ?? '', extra.status ?? 200, extra.field, extra.retryAfter), 'edit this worksheet');

  it('never shows a code alone', () => {
    for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'BAD_USER_INPUT', 'INTERNAL', 'TIMEOUT', 'CONSENT_REQUIRED', 'VETTING_REQUIRED', 'UNAVAILABLE', 'SOMETHING_NEW']) {
      const s = sentence(code, { message: 'x' });
      expect(s).not.toContain(code);
      expect(s.length).toBeGreaterThan(10);
      expect(s.endsWith('.')).toBe(true);
    }
  });

  it('says what to do', () => {
    expect(sentence('FORBIDDEN')).toBe('Your account is not allowed to edit this worksheet. If you think it should be, ask your network administrator.');
    expect(sentence('CONFLICT')).toMatch(/Reload the page/);
    expect(sentence('RATE_LIMITED', { retryAfter: 42 })).toMatch(/Wait 42 seconds/);
    expect(sentence('UNAUTHENTICATED', { status: 401 })).toBe('Your session has ended. Sign in again to continue.');
    expect(sentence('BAD_USER_INPUT', { field: 'filter.radiusKm', message: 'radiusKm must be at most 1000' })).toBe('Check the distance: RadiusKm must be at most 1000.');
    expect(errorSentence(new TypeError('fetch failed'))).toMatch(/could not be reached/);
    // What the client makes of a failed fetch (a dropped connection, a lost answer).
    expect(errorSentence(new ApiError('NETWORK', 'network error', 0))).toMatch(/could not be reached/);
  });

  it('turns a refused note on a referral without personal data into what to do', () => {
    const s = sentence('BAD_USER_INPUT', { field: 'input.note', message: 'input.note must hold no personal data on a referral without a client; it holds what looks like a phone number' });
    expect(s).toBe(NOTE_WITH_CONTACT_DETAILS);
    expect(s).toMatch(/Take it out/);
    expect(sentence('BAD_USER_INPUT', { field: 'note', message: 'note must hold no personal data on a referral without a client; it holds what looks like an e-mail address' })).toBe(NOTE_WITH_CONTACT_DETAILS);
  });

  it('words the field a message starts with', () => {
    expect(sentence('BAD_USER_INPUT', { field: 'input.expiresAt', message: "input.expiresAt is beyond the network's maximum of 365 days" })).toBe(
      "Check the expiry date: The expiry date is beyond the network's maximum of 365 days.",
    );
    expect(sentence('BAD_USER_INPUT', { field: 'input.guardian', message: "input.guardian: a minor's consent needs a parent's or guardian's as well" })).toBe(
      "Check the parent’s or guardian’s consent: A minor's consent needs a parent's or guardian's as well.",
    );
    expect(sentence('CONSENT_REQUIRED')).toMatch(/refer without personal data/);
  });

  it('says why a referral may go only to a vetted provider, naming the area as people do', () => {
    const s = sentence('VETTING_REQUIRED', {
      message: 'this network sends referrals for acute.housing only to organizations vetted for SHELTER_HOUSING under the Standards of Service, and the organization keeping this listing is not vetted for it today; choose a vetted provider',
    });
    expect(s).toBe(
      'Only vetted providers can receive this referral: this network sends referrals for acute.housing only to organizations vetted for shelter and housing under the Standards of Service, and the organization keeping this listing is not vetted for it today; choose a vetted provider.',
    );
  });

  it('reads the API error body', () => {
    const e = errorFromBody({ errors: [{ message: 'not allowed', extensions: { code: 'FORBIDDEN' } }] }, 200);
    expect([e.code, e.sessionEnded]).toEqual(['FORBIDDEN', false]);
    expect(errorFromBody(null, 502).code).toBe('INTERNAL');
    expect(errorFromBody({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] }, 401).sessionEnded).toBe(true);
  });
});

describe('gap figures', () => {
  it('counts statuses and words suppressed counts', () => {
    expect(countByStatus(['COVERED', 'NO_PROVIDER', 'COVERED'])).toEqual({ NO_PROVIDER: 1, NO_PARTNER: 0, UNTRAINED: 0, COVERED: 2 });
    expect(ofTotal(1, 3)).toBe('1 of 3');
    expect(ofTotal(0, 0)).toBe('—');
    expect(demandCount(null)).toBe('1–4 (hidden for privacy)');
    expect(demandCount(0)).toBe('0');
  });
});

describe('after sign-in', () => {
  it('goes only to a path of this app', () => {
    expect(safeNext('/gaps/37183')).toBe('/gaps/37183');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
