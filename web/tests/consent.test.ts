import { describe, expect, it } from 'vitest';
import { allowedMethods, consentProblems, consentSummary, describeFieldValue, expiryFor, fieldList, isMinorOn, minorStatus, needsGuardian, type ConsentDraft } from '../src/lib/consent';

const rules = { consentDefaultDays: 90, consentMaxDays: 365 };
const draft = (over: Partial<ConsentDraft> = {}): ConsentDraft => ({
  fields: ['LANGUAGE', 'NAME'],
  organization: 'Haven House (test)',
  provider: 'Haven House Shelter (synthetic)',
  service: 'Emergency shelter',
  purpose: 'Shelter placement tonight',
  days: 90,
  obtainedAt: new Date('2026-03-01T12:00:00Z'),
  mode: 'IN_PERSON',
  method: 'WRITTEN_SIGNED',
  guardian: null,
  minorConsentsAlone: false,
  ...over,
});

describe('how consent may be obtained', () => {
  it('is written and signed in person; verbal only by phone or online', () => {
    expect(allowedMethods('IN_PERSON')).toEqual(['WRITTEN_SIGNED']);
    expect(allowedMethods('PHONE')).toEqual(['WRITTEN_SIGNED', 'VERBAL_DOCUMENTED']);
    expect(allowedMethods('ONLINE')).toEqual(['WRITTEN_SIGNED', 'VERBAL_DOCUMENTED']);
  });

  it('refuses a verbal consent given in person', () => {
    expect(consentProblems(draft({ method: 'VERBAL_DOCUMENTED' }), false, false, false)).toEqual(['Consent given in person must be written and signed.']);
    expect(consentProblems(draft({ method: 'VERBAL_DOCUMENTED', mode: 'PHONE' }), false, false, false)).toEqual([]);
  });
});

describe('the consent summary', () => {
  it('says which fields go to which organization, for what and until when, in the app’s field order', () => {
    const lines = consentSummary(draft(), rules);
    expect(lines[0]).toBe('Haven House (test) will be able to see their name; and their preferred language — nothing else from the record.');
    expect(lines[1]).toBe('Only for this purpose: Shelter placement tonight; only for referrals to Haven House Shelter (synthetic), “Emergency shelter”.');
    expect(lines[2]).toBe('Until May 30, 2026 (90 days; the network allows at most 365).');
    expect(lines[3]).toMatch(/take it back at any time/);
    expect(lines[3]).toMatch(/Saying no never changes the help/);
    expect(lines[4]).toBe('Consent written and signed, in person.');
  });

  it('keeps the expiry within the network’s maximum', () => {
    expect(consentSummary(draft({ days: 999 }), rules)[2]).toBe('Until March 1, 2027 (365 days; the network allows at most 365).');
    expect(expiryFor(new Date('2026-03-01T12:00:00Z'), 999, rules).toISOString()).toBe('2027-03-01T12:00:00.000Z');
    expect(expiryFor(new Date('2026-03-01T12:00:00Z'), 0, rules).toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });

  it('names the guardian for a minor, or the network’s leave to consent alone', () => {
    expect(consentSummary(draft({ guardian: { relationship: 'aunt' } }), rules)).toContain('A parent or guardian (aunt) consents as well, and you confirm they are not the suspected abuser.');
    expect(consentSummary(draft({ minorConsentsAlone: true }), rules)).toContain('The network lets a minor consent alone to this service.');
  });

  it('describes exactly what each field shares', () => {
    const record = { name: 'Jordan Fake', phone: '919-555-0100', email: null, safeContact: { channel: 'TEXT' as const, voicemailOk: false, mayNameAgency: false, doNotContact: false } };
    expect(describeFieldValue('NAME', record)).toBe('Jordan Fake');
    expect(describeFieldValue('CONTACT', record)).toBe('phone 919-555-0100; contact by text message; no voicemail; do not name the agency');
    expect(describeFieldValue('DATE_OF_BIRTH', record)).toBe('(nothing recorded)');
    expect(describeFieldValue('CONTACT', { safeContact: { channel: 'NONE', voicemailOk: true, mayNameAgency: true, doNotContact: false } })).toBe(
      'no preferred way of contact recorded; voicemail is OK; the agency may be named',
    );
    expect(describeFieldValue('CONTACT', { phone: '919-555-0100', safeContact: { channel: 'PHONE', voicemailOk: true, mayNameAgency: true, doNotContact: true } })).toBe('phone 919-555-0100; do not contact');
    expect(fieldList(['DATE_OF_BIRTH', 'NAME', 'CONTACT'])).toBe('name, contact and date of birth');
  });
});

describe('minors', () => {
  const today = new Date(2026, 5, 15);
  it('are under 18 until their eighteenth birthday', () => {
    expect(isMinorOn('2008-06-16', today)).toBe(true);
    expect(isMinorOn('2008-06-15', today)).toBe(false);
    expect(minorStatus(null, true, today)).toBe(true);
    expect(minorStatus(null, null, today)).toBeNull();
    expect(minorStatus('1990-01-01', true, today)).toBe(false);
  });

  it('need a guardian unless the network lets them consent alone to the service', () => {
    expect(needsGuardian(true, false)).toBe(true);
    expect(needsGuardian(true, true)).toBe(false);
    expect(needsGuardian(false, false)).toBe(false);
    const refused = consentProblems(draft(), true, false, false);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^A minor’s consent needs a parent’s or guardian’s consent as well/);
    expect(consentProblems(draft({ guardian: { relationship: 'mother' } }), true, false, false)).toHaveLength(1);
    expect(consentProblems(draft({ guardian: { relationship: 'mother' } }), true, false, true)).toEqual([]);
    expect(consentProblems(draft(), true, true, false)).toEqual([]);
    expect(consentProblems(draft(), null, false, false)[0]).toMatch(/date of birth, or whether they are under 18/);
  });
});
