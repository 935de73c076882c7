import { describe, expect, it } from 'vitest';
import { describePeriod, isPublished, periodKey, publishedPeriods } from '../src/lib/periods';

describe('reporting periods', () => {
  it('publishes a quarter 30 days after it ends, to the day', () => {
    const q3 = { kind: 'QUARTER' as const, year: 2026, number: 3 };
    expect(isPublished(q3, new Date(Date.UTC(2026, 9, 30)))).toBe(false); // 30 October
    expect(isPublished(q3, new Date(Date.UTC(2026, 9, 31)))).toBe(true); // 31 October
  });

  it('publishes a year with its last quarter', () => {
    expect(isPublished({ kind: 'YEAR', year: 2025 }, new Date(Date.UTC(2026, 0, 30)))).toBe(false);
    expect(isPublished({ kind: 'YEAR', year: 2025 }, new Date(Date.UTC(2026, 0, 31)))).toBe(true);
  });

  it('offers only published periods, newest first, each year before its quarters', () => {
    const periods = publishedPeriods(new Date(Date.UTC(2026, 11, 1)), 6).map(periodKey);
    expect(periods).toEqual(['2026-Q3', '2026-Q2', '2026-Q1', '2025', '2025-Q4', '2025-Q3', '2025-Q2']);
  });

  it('names periods in plain words', () => {
    expect(describePeriod({ kind: 'QUARTER', year: 2026, number: 3 })).toBe('July–September 2026');
    expect(describePeriod({ kind: 'YEAR', year: 2025 })).toBe('2025');
  });
});
