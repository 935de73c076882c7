// Capacity figures in words: what an advocate should make of a figure, and how old it is.
// The API decides the state (fresh, held, closed, call to confirm); this only words it.
import type { RoomState } from '../gql/graphql';

/** The state of a figure in words. */
export function stateLabel(state: RoomState): string {
  switch (state) {
    case 'ROOM_NOW':
      return 'Room now';
    case 'WAITLIST':
      return 'Waitlist';
    case 'NO_CAPACITY':
      return 'No room';
    case 'NOT_ACCEPTING':
      return 'Not accepting referrals';
    case 'CALL_TO_CONFIRM':
      return 'Call to confirm';
  }
}

/** How long ago a figure was set: "just now", "12 minutes ago", "3 hours ago", "2 days ago". */
export function ageText(seconds: number): string {
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.floor(hours / 24);
  return `${days} days ago`;
}

export interface FigureLike {
  unitName: string;
  state: RoomState;
  availableNow?: number | null;
  maximum?: number | null;
  ageSeconds: number;
  exact: boolean;
}

/** One line for a figure: "Bed: room now, 3 of 10 free — set 2 hours ago". Counts are
 *  shown only when the API gives them (never for a confidential shelter to outsiders). */
export function figureLine(f: FigureLike): string {
  let counts = '';
  if (f.exact && f.state === 'ROOM_NOW' && f.availableNow != null) {
    counts = f.maximum != null ? `, ${f.availableNow} of ${f.maximum} free` : `, ${f.availableNow} free`;
  }
  const age = f.exact ? `set ${ageText(f.ageSeconds)}` : `set about ${ageText(f.ageSeconds)}`;
  return `${f.unitName}: ${stateLabel(f.state).toLowerCase()}${counts} — ${age}`;
}
