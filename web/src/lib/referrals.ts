// Referrals as the app shows them: statuses in words, the moves open to each side (the
// API's rule, mirrored so the page offers only those), counts of those waiting on
// someone, and what is withheld from the viewer.
import type { ClientField, DeclineReason, ReferralSide, ReferralStatus, Urgency } from '../gql/graphql';
import { fieldList, inFieldOrder } from './consent';

export const STATUS_LABELS: Record<ReferralStatus, string> = {
  DRAFT: 'Draft (not sent)',
  SENT: 'Sent, waiting for an answer',
  ACCEPTED: 'Accepted',
  DECLINED: 'Declined',
  IN_PROGRESS: 'In progress',
  COMPLETED: 'Completed',
  CANCELLED: 'Cancelled',
  UNABLE_TO_REACH: 'Unable to reach the client',
};

export const STATUSES = Object.keys(STATUS_LABELS) as ReferralStatus[];

export const URGENCIES: { value: Urgency; label: string }[] = [
  { value: 'EMERGENCY', label: 'Emergency (today)' },
  { value: 'URGENT', label: 'Urgent (within days)' },
  { value: 'ROUTINE', label: 'Routine' },
];

export function urgencyLabel(u: Urgency): string {
  return URGENCIES.find((x) => x.value === u)?.label ?? u;
}

export const DECLINE_REASONS: { value: DeclineReason; label: string }[] = [
  { value: 'NO_CAPACITY', label: 'No capacity' },
  { value: 'NOT_ELIGIBLE', label: 'Not eligible' },
  { value: 'SERVICE_NOT_OFFERED', label: 'Service not offered' },
  { value: 'OTHER', label: 'Other' },
];

export function declineReasonLabel(r: DeclineReason): string {
  return DECLINE_REASONS.find((x) => x.value === r)?.label ?? r;
}

/** A move a viewer can make, with the button's words. */
export interface Move {
  to: ReferralStatus;
  label: string;
}

/** Which side may move a referral from one status to another (the API's rule,
 *  `referrals::who_may_move`); null when no one may. */
export function whoMayMove(from: ReferralStatus, to: ReferralStatus): ReferralSide | null {
  if (from === 'DRAFT' && to === 'SENT') return 'SENDER';
  if (to === 'CANCELLED' && ['DRAFT', 'SENT', 'ACCEPTED', 'IN_PROGRESS'].includes(from)) return 'SENDER';
  if (from === 'SENT' && (to === 'ACCEPTED' || to === 'DECLINED')) return 'RECIPIENT';
  if (from === 'ACCEPTED' && to === 'IN_PROGRESS') return 'RECIPIENT';
  if (from === 'IN_PROGRESS' && to === 'COMPLETED') return 'RECIPIENT';
  if (to === 'UNABLE_TO_REACH' && ['SENT', 'ACCEPTED', 'IN_PROGRESS'].includes(from)) return 'RECIPIENT';
  return null;
}

const MOVE_LABELS: Move[] = [
  { to: 'SENT', label: 'Send' },
  { to: 'ACCEPTED', label: 'Accept' },
  { to: 'DECLINED', label: 'Decline' },
  { to: 'IN_PROGRESS', label: 'Start' },
  { to: 'COMPLETED', label: 'Complete' },
  { to: 'UNABLE_TO_REACH', label: 'Unable to reach' },
  { to: 'CANCELLED', label: 'Cancel the referral' },
];

/** The moves open to `side` on a referral in `status`, in the order the page shows them. */
export function movesFor(status: ReferralStatus, side: ReferralSide): Move[] {
  return MOVE_LABELS.filter((m) => whoMayMove(status, m.to) === side);
}

/** Which side of a referral an organization is on. */
export function sideOf(referral: { senderOrganizationId: string; recipientOrganizationId: string }, organizationId: string): ReferralSide | null {
  if (referral.senderOrganizationId === organizationId) return 'SENDER';
  if (referral.recipientOrganizationId === organizationId) return 'RECIPIENT';
  return null;
}

export interface Count {
  side: ReferralSide;
  status: ReferralStatus;
  count: number;
}

/** A count of referrals waiting on someone, in words. */
export interface Waiting {
  label: string;
  status: ReferralStatus;
  count: number;
}

/** What waits on someone, per side: received referrals waiting on the viewer's
 *  organization (an answer, a start, a completion); sent ones waiting on the recipient's
 *  answer, and drafts waiting to be sent. */
export function waitingCounts(counts: readonly Count[]): { received: Waiting[]; sent: Waiting[] } {
  const of = (side: ReferralSide, status: ReferralStatus) =>
    counts.filter((c) => c.side === side && c.status === status).reduce((n, c) => n + c.count, 0);
  return {
    received: [
      { label: 'waiting for your answer', status: 'SENT', count: of('RECIPIENT', 'SENT') },
      { label: 'accepted, not started', status: 'ACCEPTED', count: of('RECIPIENT', 'ACCEPTED') },
      { label: 'in progress', status: 'IN_PROGRESS', count: of('RECIPIENT', 'IN_PROGRESS') },
    ],
    sent: [
      { label: 'waiting for their answer', status: 'SENT', count: of('SENDER', 'SENT') },
      { label: 'drafts not sent', status: 'DRAFT', count: of('SENDER', 'DRAFT') },
    ],
  };
}

/** "3 waiting for your answer, 1 accepted, not started" (zeros left out; "nothing waiting"). */
export function waitingSentence(list: readonly Waiting[]): string {
  const parts = list.filter((w) => w.count > 0).map((w) => `${w.count} ${w.label}`);
  return parts.length ? parts.join(', ') : 'nothing waiting';
}

/** What of the shared client record the viewer does not see now, and why, as a
 *  sentence; null when nothing shared is withheld. `client` is null when no active
 *  consent lets the viewer see any of it. */
export function withheldSentence(sharedFields: readonly ClientField[], client: { withheld: readonly ClientField[] } | null): string | null {
  const withheld = client ? inFieldOrder(sharedFields.filter((f) => client.withheld.includes(f))) : inFieldOrder(sharedFields);
  if (withheld.length === 0) return null;
  const them = withheld.length === 1 ? 'it' : 'them';
  return `Withheld: ${fieldList(withheld)} — no active consent covers ${them} (it may have been withdrawn or expired).`;
}
