// The printable resource sheet: the providers an advocate ticked, on one page for a
// client. It never carries a confidential location's address, whoever prints it.

const KEY = 'lantern:sheet';
export const SHEET_LIMIT = 12;

/** Provider ids ticked for the sheet (kept for this browser tab only). */
export function loadSheet(storage: Pick<Storage, 'getItem'> = sessionStorage): string[] {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, SHEET_LIMIT) : [];
  } catch {
    return [];
  }
}

export function saveSheet(ids: string[], storage: Pick<Storage, 'setItem'> = sessionStorage): void {
  storage.setItem(KEY, JSON.stringify(ids.slice(0, SHEET_LIMIT)));
}

/** Adds or removes a provider. */
export function toggle(ids: readonly string[], id: string, on: boolean): string[] {
  const without = ids.filter((x) => x !== id);
  return on ? [...without, id].slice(0, SHEET_LIMIT) : without;
}

export interface SheetLocation {
  confidential: boolean;
  name?: string | null;
  address?: { street?: string | null; city?: string | null; state?: string | null; postalCode?: string | null } | null;
  county: { name: string };
}

/** The lines a location gets on the sheet: its address, or for a confidential location
 *  only that it is confidential and its county, even when the reader may see more. */
export function printableLocation(location: SheetLocation): string {
  if (location.confidential) {
    return `Confidential location in ${location.county.name} County — call to arrange`;
  }
  const a = location.address;
  const street = [a?.street, [a?.city, a?.state].filter(Boolean).join(', '), a?.postalCode].filter(Boolean).join(', ');
  const place = street || `${location.county.name} County`;
  return location.name ? `${location.name}: ${place}` : place;
}

/** 24-hour lines first, otherwise as listed. */
export function phonesInOrder<T extends { twentyFourHour: boolean }>(phones: readonly T[]): T[] {
  return [...phones].sort((a, b) => Number(b.twentyFourHour) - Number(a.twentyFourHour));
}
