// The gap map's "room now" view and the hours without available emergency housing, in
// words. The API decides who has room now (`capacityRoomNow`: fresh figures only) and
// counts the hours (`emergencyHousingGaps`); this only words and colours them.
import type { Period } from './periods';

/** A county's status in the "room now" view, as `capacityRoomNow` gives it. */
export type RoomStatus = 'NO_PROVIDER' | 'NO_ROOM' | 'ROOM_NOW';

export interface RoomStatusInfo {
  status: RoomStatus;
  label: string;
  meaning: string;
  /** Fill colour on the map (the gap map's colour-blind-safe sequence, dark = worse). */
  color: string;
}

export const ROOM_STATUSES: RoomStatusInfo[] = [
  { status: 'NO_PROVIDER', label: 'No provider', meaning: 'No provider located in or serving the county meets this need.', color: '#7f2704' },
  { status: 'NO_ROOM', label: 'No room now', meaning: 'Providers exist, but none has a fresh figure with room: no room tonight.', color: '#d94801' },
  { status: 'ROOM_NOW', label: 'Room now', meaning: 'At least one provider has a fresh figure with room.', color: '#2b8cbe' },
];

/** The legend entry of a status; an unknown one reads as the worst. */
export function roomStatusInfo(status: string): RoomStatusInfo {
  return ROOM_STATUSES.find((s) => s.status === status) ?? ROOM_STATUSES[0]!;
}

/** How many counties have each status. */
export function countByRoomStatus(statuses: readonly string[]): Record<RoomStatus, number> {
  const counts: Record<RoomStatus, number> = { NO_PROVIDER: 0, NO_ROOM: 0, ROOM_NOW: 0 };
  for (const s of statuses) counts[roomStatusInfo(s).status] += 1;
  return counts;
}

/** A staleness limit in words: "90 minutes", "12 hours", "1 day", "7 days". */
export function limitText(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

/** What the view's figures are worth: when they were read and how long a figure counts. */
export function freshnessSentence(kinds: readonly { name: string; staleAfterMinutes: number }[], asOf: Date, timeZone?: string): string {
  const time = asOf.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone });
  const limits = kinds.map((k) => `${k.name.toLowerCase()} ${limitText(k.staleAfterMinutes)}`).join(', ');
  return `Figures as of ${time}. A figure counts as room only while it is fresh${limits ? ` (${limits})` : ''}; older ones are “call to confirm” and count as no room.`;
}

/** Hours without room in words: "724 of 744 hours (97%)", or why it is not shown. */
export function hoursText(without: number | null | undefined, total: number): string {
  if (without === null || without === undefined) return 'withheld for privacy';
  const percent = total === 0 ? 0 : Math.round((100 * without) / total);
  return `${without} of ${total} hours (${percent}%)`;
}

/** A month as `emergencyHousingGaps` takes it. */
export interface MonthPeriod {
  kind: 'MONTH';
  year: number;
  number: number;
}

/** The months of a quarter (a year has none listed: its quarters say more). */
export function monthsOf(period: Period): MonthPeriod[] {
  if (period.kind !== 'QUARTER' || !period.number) return [];
  const first = 3 * (period.number - 1) + 1;
  return [first, first + 1, first + 2].map((number) => ({ kind: 'MONTH', year: period.year, number }));
}

/** "February 2024". */
export function describeMonth(month: MonthPeriod): string {
  return new Date(Date.UTC(month.year, month.number - 1, 15)).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}
