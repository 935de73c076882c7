// The FUTURES need matrix as the app shows it: grouped by phase, searchable by words.
import type { Phase } from '../gql/graphql';

export interface Need {
  code: string;
  label: string;
  phase: Phase;
  position: number;
}

export interface PhaseGroup<T> {
  phase: Phase;
  title: string;
  items: T[];
}

/** The phases in the matrix's order, in plain words. */
export const PHASES: { phase: Phase; title: string }[] = [
  { phase: 'ACUTE', title: 'Acute / crisis needs' },
  { phase: 'TRANSITIONAL', title: 'Transitional needs' },
  { phase: 'LONG_TERM', title: 'Long-term stability' },
];

export function phaseTitle(phase: Phase): string {
  return PHASES.find((p) => p.phase === phase)?.title ?? phase;
}

/** Groups items by phase in the matrix's order (empty phases left out), each group
 *  in matrix position order. */
export function groupByPhase<T extends { phase: Phase; position: number }>(items: readonly T[]): PhaseGroup<T>[] {
  return PHASES.map(({ phase, title }) => ({
    phase,
    title,
    items: items.filter((n) => n.phase === phase).sort((a, b) => a.position - b.position),
  })).filter((g) => g.items.length > 0);
}

/** Words a person might use for a need that the matrix's wording lacks. */
const SYNONYMS: Record<string, string> = {
  'acute.housing': 'shelter emergency housing bed safe place',
  'acute.emergency_response_24h': 'hotline crisis emergency 24 hour',
  'acute.basic_needs': 'food clothes clothing toiletries hygiene',
  'acute.medical': 'doctor hospital health urgent care',
  'acute.legal_information': 'lawyer attorney legal',
  'transitional.legal': 'lawyer attorney immigration visa court',
  'transitional.mental_health': 'therapy therapist counselling counseling trauma',
  'transitional.substance_use': 'drugs alcohol addiction recovery rehab',
  'transitional.housing': 'shelter rent apartment',
  'transitional.transportation': 'bus ride car travel',
  'acute.interpretation': 'interpreter translator language spanish',
  'transitional.interpretation': 'interpreter translator language spanish',
  'long_term.employment': 'job work career',
  'long_term.child_care': 'childcare daycare kids children',
};

function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

/** Needs whose wording (or a common synonym, or the phase) contains every word typed,
 *  as a word prefix: "emerg hous" finds "Housing" (acute). Empty text matches all. */
export function searchNeeds<T extends Need>(needs: readonly T[], text: string): T[] {
  const query = words(text);
  if (query.length === 0) return [...needs];
  return needs.filter((n) => {
    const haystack = words(`${n.label} ${SYNONYMS[n.code] ?? ''} ${phaseTitle(n.phase)}`);
    return query.every((q) => haystack.some((w) => w.startsWith(q)));
  });
}

/** A need's label with its phase, for places where the phase is not shown beside it. */
export function needWithPhase(need: Need): string {
  return `${need.label} (${phaseTitle(need.phase).toLowerCase()})`;
}
