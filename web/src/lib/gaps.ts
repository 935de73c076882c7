// Gap statuses as the map, its legend and the county page show them. The codes are the
// API's (and the CSV/GeoJSON downloads'); the words are for people.
import type { GapStatus } from '../gql/graphql';

export interface StatusInfo {
  status: GapStatus;
  label: string;
  meaning: string;
  /** Fill colour on the map (a colour-blind-safe sequence, dark = worse). */
  color: string;
}

export const GAP_STATUSES: StatusInfo[] = [
  { status: 'NO_PROVIDER', label: 'No provider', meaning: 'No provider located in or serving the county meets this need.', color: '#7f2704' },
  { status: 'NO_PARTNER', label: 'No partner', meaning: 'Providers exist, but none with a contact or an MOU in force.', color: '#d94801' },
  { status: 'UNTRAINED', label: 'Not trained on HT', meaning: 'Partners exist, but none trained on human trafficking.', color: '#fdae6b' },
  { status: 'COVERED', label: 'Covered', meaning: 'A partner trained on human trafficking meets this need.', color: '#2b8cbe' },
];

export function statusInfo(status: GapStatus): StatusInfo {
  return GAP_STATUSES.find((s) => s.status === status) ?? GAP_STATUSES[0]!;
}

/** How many counties have each status, in legend order. */
export function countByStatus(statuses: readonly GapStatus[]): Record<GapStatus, number> {
  const counts = { NO_PROVIDER: 0, NO_PARTNER: 0, UNTRAINED: 0, COVERED: 0 } as Record<GapStatus, number>;
  for (const s of statuses) counts[s] += 1;
  return counts;
}

/** "2 of 3", or "—" when there is nothing to count. */
export function ofTotal(count: number, total: number): string {
  return total === 0 ? '—' : `${count} of ${total}`;
}

/** A suppressed demand count (1 to 4) is null: say so instead of showing a number. */
export function demandCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '1–4 (hidden for privacy)' : String(value);
}
