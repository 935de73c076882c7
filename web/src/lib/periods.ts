/**
 * Reporting periods of the demand figures. The API publishes demand only for calendar
 * quarters and years, once a quarter has been over for 30 days (its figures are frozen
 * then, so they can never be differenced over time); these helpers offer exactly the
 * periods it will answer.
 */

/** A period `countyDemand` accepts. */
export interface Period {
  kind: 'QUARTER' | 'YEAR';
  year: number;
  /** The quarter, 1–4; absent for a year. */
  number?: number;
}

/** Days after a quarter ends before its figures are published (as the API says). */
const PUBLISHED_AFTER_DAYS = 30;

/** The first day (UTC) a quarter's figures are published. */
function quarterPublishedOn(year: number, quarter: number): Date {
  const firstDayAfter = Date.UTC(year, quarter * 3, 1);
  return new Date(firstDayAfter + PUBLISHED_AFTER_DAYS * 86_400_000);
}

/** Whether a period's figures are published on `today`. */
export function isPublished(period: Period, today: Date): boolean {
  const lastQuarter = period.kind === 'YEAR' ? 4 : (period.number ?? 4);
  return quarterPublishedOn(period.year, lastQuarter).getTime() <= today.getTime();
}

/** The quarters and years published on `today`, newest first: `quarters` quarters back
 * (at least one). */
export function publishedPeriods(today: Date, quarters = 8): [Period, ...Period[]] {
  let year = today.getUTCFullYear();
  let quarter = Math.floor(today.getUTCMonth() / 3) + 1;
  const out: Period[] = [];
  while (out.filter((p) => p.kind === 'QUARTER').length < quarters) {
    const period: Period = { kind: 'QUARTER', year, number: quarter };
    if (isPublished(period, today)) {
      out.push(period);
      if (quarter === 4) out.push({ kind: 'YEAR', year });
    }
    quarter -= 1;
    if (quarter === 0) {
      quarter = 4;
      year -= 1;
    }
  }
  // A year is listed before its own quarters.
  const [newest, ...older] = out.sort(
    (a, b) => b.year - a.year || (a.kind === 'YEAR' ? -1 : b.kind === 'YEAR' ? 1 : (b.number ?? 0) - (a.number ?? 0)),
  );
  if (!newest) throw new Error('publishedPeriods needs quarters >= 1');
  return [newest, ...older];
}

/** "July–September 2026" or "2026". */
export function describePeriod(period: Period): string {
  if (period.kind === 'YEAR') return String(period.year);
  const months = ['January–March', 'April–June', 'July–September', 'October–December'];
  return `${months[(period.number ?? 1) - 1]} ${period.year}`;
}

/** A stable key for a period (for a select's value). */
export function periodKey(period: Period): string {
  return period.kind === 'YEAR' ? `${period.year}` : `${period.year}-Q${period.number}`;
}
