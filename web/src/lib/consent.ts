// Consent as the app explains and checks it before the API does (Standard 12, 40): in
// plain words, which fields go to which organization, for what and until when; how it
// was obtained (verbal only for phone or online contact); a guardian for a minor unless
// the network lets the minor consent alone to the service.
import type { ClientField, ConsentMethod, ContactChannel, ContactMode } from '../gql/graphql';

/** The parts of a client record consent can cover, in the order the app shows them. */
export const CLIENT_FIELDS: { field: ClientField; label: string; words: string }[] = [
  { field: 'NAME', label: 'Name', words: 'their name' },
  { field: 'CONTACT', label: 'Contact', words: 'how to reach them: phone, e-mail and safe-contact preferences' },
  { field: 'DATE_OF_BIRTH', label: 'Date of birth', words: 'their date of birth' },
  { field: 'NEEDS', label: 'Needs', words: 'what they need, as recorded' },
  { field: 'NOTES', label: 'Notes', words: 'your notes about them' },
  { field: 'LANGUAGE', label: 'Language', words: 'their preferred language' },
];

export function fieldLabel(field: ClientField): string {
  return CLIENT_FIELDS.find((f) => f.field === field)?.label ?? field;
}

/** Fields in the app's order, each once. */
export function inFieldOrder(fields: readonly ClientField[]): ClientField[] {
  return CLIENT_FIELDS.map((f) => f.field).filter((f) => fields.includes(f));
}

/** Lower-case field names joined as a sentence: "name, contact and date of birth". */
export function fieldList(fields: readonly ClientField[]): string {
  const words = inFieldOrder(fields).map((f) => fieldLabel(f).toLowerCase());
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export const CONTACT_MODES: { mode: ContactMode; label: string }[] = [
  { mode: 'IN_PERSON', label: 'In person' },
  { mode: 'PHONE', label: 'By phone' },
  { mode: 'ONLINE', label: 'Online (video, chat or e-mail)' },
];

export const CONSENT_METHODS: { method: ConsentMethod; label: string }[] = [
  { method: 'WRITTEN_SIGNED', label: 'Written and signed' },
  { method: 'VERBAL_DOCUMENTED', label: 'Verbal, documented by you' },
];

/** How consent may be obtained for a way of being in contact: verbal consent only over
 *  the phone or online; in person it must be written and signed. */
export function allowedMethods(mode: ContactMode): ConsentMethod[] {
  return mode === 'IN_PERSON' ? ['WRITTEN_SIGNED'] : ['WRITTEN_SIGNED', 'VERBAL_DOCUMENTED'];
}

export const CHANNELS: { channel: ContactChannel; label: string }[] = [
  { channel: 'PHONE', label: 'Phone call' },
  { channel: 'TEXT', label: 'Text message' },
  { channel: 'EMAIL', label: 'E-mail' },
  { channel: 'IN_PERSON', label: 'In person only' },
  { channel: 'NONE', label: 'No preference recorded' },
];

export function channelLabel(channel: ContactChannel): string {
  return CHANNELS.find((c) => c.channel === channel)?.label ?? channel;
}

/** Whether someone born on `dateOfBirth` (YYYY-MM-DD) is under 18 on `today`. */
export function isMinorOn(dateOfBirth: string, today: Date): boolean {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const eighteenth = new Date(Date.UTC(y + 18, m - 1, d));
  const day = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()));
  return day < eighteenth;
}

/** A client's minor status from a date of birth, else a declared answer; null when unknown. */
export function minorStatus(dateOfBirth: string | null | undefined, declared: boolean | null | undefined, today: Date): boolean | null {
  if (dateOfBirth) return isMinorOn(dateOfBirth, today);
  return declared ?? null;
}

/** Whether a guardian's consent is needed: for a minor, unless the network lets minors
 *  consent alone to the service. */
export function needsGuardian(minor: boolean | null, minorMayConsentAlone: boolean): boolean {
  return minor === true && !minorMayConsentAlone;
}

export interface NetworkConsentRules {
  consentDefaultDays: number;
  consentMaxDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a consent obtained at `obtainedAt` for `days` days expires; `days` is kept
 *  from 1 to the network's maximum. */
export function expiryFor(obtainedAt: Date, days: number, rules: NetworkConsentRules): Date {
  const kept = Math.min(Math.max(1, Math.round(days)), rules.consentMaxDays);
  return new Date(obtainedAt.getTime() + kept * DAY_MS);
}

export function formatDate(date: Date | string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  return d.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });
}

export interface ConsentDraft {
  fields: ClientField[];
  /** Who receives: the organization's name. */
  organization: string;
  /** Its listing and service, as the person chose them. */
  provider: string;
  service: string;
  purpose: string;
  days: number;
  obtainedAt: Date;
  mode: ContactMode;
  method: ConsentMethod;
  /** Whether a guardian consents too (a minor); null when not needed. */
  guardian: { relationship: string } | null;
  /** A minor consenting alone, as the network allows for the service. */
  minorConsentsAlone: boolean;
}

/** The consent in plain language, one sentence per line, as the client should hear it. */
export function consentSummary(draft: ConsentDraft, rules: NetworkConsentRules): string[] {
  const until = expiryFor(draft.obtainedAt, draft.days, rules);
  const what = inFieldOrder(draft.fields).map((f) => CLIENT_FIELDS.find((c) => c.field === f)!.words);
  const lines = [
    `${draft.organization} will be able to see ${joinWords(what)} — nothing else from the record.`,
    `Only for this purpose: ${draft.purpose.trim() || '(no purpose given yet)'}; only for referrals to ${draft.provider}, “${draft.service}”.`,
    `Until ${formatDate(until)} (${Math.min(Math.max(1, Math.round(draft.days)), rules.consentMaxDays)} days; the network allows at most ${rules.consentMaxDays}).`,
    'The client can take it back at any time, and then nobody there sees it any more. Saying no never changes the help they get: a referral can go without personal data.',
  ];
  const how = draft.method === 'WRITTEN_SIGNED' ? 'written and signed' : 'given verbally and documented by you';
  const contact = CONTACT_MODES.find((m) => m.mode === draft.mode)?.label.toLowerCase() ?? '';
  lines.push(`Consent ${how}, ${contact}.`);
  if (draft.guardian) lines.push(`A parent or guardian (${draft.guardian.relationship.trim() || 'relationship not given'}) consents as well, and you confirm they are not the suspected abuser.`);
  else if (draft.minorConsentsAlone) lines.push('The network lets a minor consent alone to this service.');
  return lines;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join('; ')}; and ${words[words.length - 1]}`;
}

/** What stops this consent from being recorded, as sentences a person can act on
 *  (empty when it may go). */
export function consentProblems(draft: ConsentDraft, minor: boolean | null, minorMayConsentAlone: boolean, guardianAttested: boolean): string[] {
  const problems: string[] = [];
  if (draft.fields.length === 0) problems.push('Choose at least one thing to share, or refer without personal data.');
  if (!draft.purpose.trim()) problems.push('Say what the information is shared for (the purpose).');
  if (!allowedMethods(draft.mode).includes(draft.method)) problems.push('Consent given in person must be written and signed.');
  if (minor === null) problems.push('Record the client’s date of birth, or whether they are under 18, before recording consent — or refer without personal data.');
  if (needsGuardian(minor, minorMayConsentAlone) && (!draft.guardian || !draft.guardian.relationship.trim() || !guardianAttested)) {
    problems.push(
      'A minor’s consent needs a parent’s or guardian’s consent as well, from someone who is not the suspected abuser. Record it, or refer without personal data.',
    );
  }
  return problems;
}

/** A client record as the consent screen reads it. */
export interface ClientRecord {
  name?: string | null;
  dateOfBirth?: string | null;
  phone?: string | null;
  email?: string | null;
  needs?: string | null;
  notes?: string | null;
  preferredLanguage?: string | null;
  safeContact?: { channel: ContactChannel; voicemailOk: boolean; mayNameAgency: boolean; doNotContact: boolean } | null;
}

/** Exactly what one field shares of a record, in words. */
export function describeFieldValue(field: ClientField, client: ClientRecord, languageName: (code: string) => string = (c) => c): string {
  const none = '(nothing recorded)';
  switch (field) {
    case 'NAME':
      return client.name?.trim() || none;
    case 'DATE_OF_BIRTH':
      return client.dateOfBirth || none;
    case 'NEEDS':
      return client.needs?.trim() || none;
    case 'NOTES':
      return client.notes?.trim() || none;
    case 'LANGUAGE':
      return client.preferredLanguage ? languageName(client.preferredLanguage) : none;
    case 'CONTACT': {
      const parts = [client.phone && `phone ${client.phone}`, client.email && `e-mail ${client.email}`].filter(Boolean) as string[];
      const s = client.safeContact;
      if (s) {
        if (s.doNotContact) parts.push('do not contact');
        else {
          parts.push(s.channel === 'NONE' ? 'no preferred way of contact recorded' : `contact by ${channelLabel(s.channel).toLowerCase()}`);
          parts.push(s.voicemailOk ? 'voicemail is OK' : 'no voicemail');
          parts.push(s.mayNameAgency ? 'the agency may be named' : 'do not name the agency');
        }
      }
      return parts.length ? parts.join('; ') : none;
    }
  }
}
