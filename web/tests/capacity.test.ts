import { describe, expect, it } from 'vitest';
import { ageText, figureLine, stateLabel } from '../src/lib/capacity';

describe('capacity in words', () => {
  it('says how old a figure is', () => {
    expect(ageText(0)).toBe('just now');
    expect(ageText(59)).toBe('just now');
    expect(ageText(60)).toBe('1 minute ago');
    expect(ageText(3599)).toBe('59 minutes ago');
    expect(ageText(7200)).toBe('2 hours ago');
    expect(ageText(3 * 86400)).toBe('3 days ago');
  });

  it('shows counts only with room now and only when given', () => {
    expect(figureLine({ unitName: 'Bed', state: 'ROOM_NOW', availableNow: 3, maximum: 10, ageSeconds: 7200, exact: true })).toBe(
      'Bed: room now, 3 of 10 free — set 2 hours ago',
    );
    expect(figureLine({ unitName: 'Bed', state: 'CALL_TO_CONFIRM', availableNow: 0, maximum: 10, ageSeconds: 50000, exact: true })).toBe(
      'Bed: call to confirm — set 13 hours ago',
    );
    expect(figureLine({ unitName: 'Bed', state: 'ROOM_NOW', availableNow: null, ageSeconds: 3600, exact: false })).toBe(
      'Bed: room now — set about 1 hour ago',
    );
    expect(stateLabel('NOT_ACCEPTING')).toBe('Not accepting referrals');
  });
});
