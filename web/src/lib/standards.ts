// The Standards of Service in the app: names of service areas and levels, the order the
// assessment form walks, and what a review still needs. Pure, so it is unit-tested.
import type { StandardServiceArea, StandardsLevel } from '../gql/graphql';

export const AREA_NAMES: Record<StandardServiceArea, string> = {
  HOTLINE: '24-hour hotline',
  CRISIS_RESPONSE: 'Crisis response',
  CASE_MANAGEMENT: 'Case management',
  PEER_SUPPORT: 'Survivor peer support',
  SHELTER_HOUSING: 'Shelter and housing',
};

export const AREAS = Object.keys(AREA_NAMES) as StandardServiceArea[];

export const LEVEL_NAMES: Record<StandardsLevel, string> = {
  EXCEEDS: 'Exceeds the standard',
  MEETS: 'Meets the standard',
  DOES_NOT_MEET: 'Does not meet the standard',
  NOT_APPLICABLE: 'Does not apply to us',
};

/** "Shelter and housing, 24-hour hotline": areas in the document's order. */
export function areaList(areas: readonly StandardServiceArea[]): string {
  return AREAS.filter((a) => areas.includes(a)).map((a) => AREA_NAMES[a]).join(', ');
}

/** The step to open a draft at: the first applicable standard without a level, else the first. */
export function firstOpenStep(applicable: readonly number[], unanswered: readonly number[]): number {
  const i = applicable.findIndex((n) => unanswered.includes(n));
  return i < 0 ? 0 : i;
}

/** What an answer being written still lacks before it can be saved, in words; '' when nothing. */
export function answerProblem(level: StandardsLevel | '', reason: string): string {
  if (level === 'NOT_APPLICABLE' && !reason.trim()) return 'Say why the standard does not apply to you.';
  return '';
}

/** Document references typed one per line: trimmed, blanks and repeats dropped. */
export function parseRefs(text: string): string[] {
  const refs = text.split('\n').map((r) => r.trim()).filter(Boolean);
  return refs.filter((r, i) => refs.indexOf(r) === i);
}

/** Whether a reviewer may complete the review: every applicable standard decided, and
 *  returned ones carry a comment (the API checks this too). */
export function reviewComplete(undecided: readonly number[]): boolean {
  return undecided.length === 0;
}

/** "Valid until May 4, 2027" and how soon it ends, for a vetted area. */
export function validity(validUntil: string, today: Date = new Date()): string {
  const until = new Date(`${validUntil}T12:00:00`);
  const text = until.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });
  const days = Math.round((until.getTime() - new Date(today.toDateString()).getTime() - 12 * 3600 * 1000) / 86_400_000);
  return days <= 30 && days >= 0 ? `until ${text} (renewal due: ${days === 0 ? 'ends today' : `${days} days left`})` : `until ${text}`;
}
