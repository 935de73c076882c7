// Follow-ups as the page groups them: overdue (past their due time) and due (within the
// coming week), soonest first.

/** How far ahead the Due section looks. */
export const DUE_WITHIN_DAYS = 7;

export interface Dated {
  dueAt: string;
}

/** Splits open follow-ups into overdue and due at `now`, each soonest first. */
export function splitDue<T extends Dated>(list: readonly T[], now: Date): { overdue: T[]; due: T[] } {
  const sorted = [...list].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return {
    overdue: sorted.filter((f) => Date.parse(f.dueAt) < now.getTime()),
    due: sorted.filter((f) => Date.parse(f.dueAt) >= now.getTime()),
  };
}

/** The end of the Due window. */
export function dueHorizon(now: Date): Date {
  return new Date(now.getTime() + DUE_WITHIN_DAYS * 24 * 60 * 60 * 1000);
}

/** An outcome in words. */
export function outcomeSentence(o: { contactMade: boolean; serviceStarted: boolean; needStillOpen: boolean }): string {
  return [
    o.contactMade ? 'contact made' : 'no contact made',
    o.serviceStarted ? 'service started' : 'service not started',
    o.needStillOpen ? 'the need is still open' : 'the need is met',
  ].join(', ');
}

/** A date and time in the person's own words ("Dec 3, 2026, 2:30 PM"). */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** A `datetime-local` input's value for a time (local time, minutes). */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
