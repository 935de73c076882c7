import { describe, expect, it } from 'vitest';
import { countByRoomStatus, describeMonth, freshnessSentence, hoursText, limitText, monthsOf, roomStatusInfo } from '../src/lib/roomNow';

describe('the room-now view', () => {
  it('counts counties by status, an unknown status as the worst', () => {
    expect(countByRoomStatus(['ROOM_NOW', 'NO_ROOM', 'NO_ROOM', 'NO_PROVIDER', 'SOMETHING_NEW'])).toEqual({ NO_PROVIDER: 2, NO_ROOM: 2, ROOM_NOW: 1 });
    expect(roomStatusInfo('SOMETHING_NEW').status).toBe('NO_PROVIDER');
    expect(roomStatusInfo('NO_ROOM').label).toBe('No room now');
  });

  it('words staleness limits in the largest whole unit', () => {
    expect(limitText(720)).toBe('12 hours');
    expect(limitText(60)).toBe('1 hour');
    expect(limitText(1440)).toBe('1 day');
    expect(limitText(10080)).toBe('7 days');
    expect(limitText(90)).toBe('90 minutes');
    expect(limitText(1)).toBe('1 minute');
  });

  it('states when the figures were read and how long each kind counts', () => {
    const asOf = new Date(Date.UTC(2026, 11, 1, 2, 5));
    expect(freshnessSentence([{ name: 'Bed', staleAfterMinutes: 720 }, { name: 'Family room', staleAfterMinutes: 1440 }], asOf, 'America/New_York')).toBe(
      'Figures as of 9:05 PM. A figure counts as room only while it is fresh (bed 12 hours, family room 1 day); older ones are “call to confirm” and count as no room.',
    );
    expect(freshnessSentence([], asOf, 'UTC')).toBe('Figures as of 2:05 AM. A figure counts as room only while it is fresh; older ones are “call to confirm” and count as no room.');
  });
});

describe('hours without available emergency housing', () => {
  it('shows hours with their share, and says why a withheld one is missing', () => {
    expect(hoursText(724, 744)).toBe('724 of 744 hours (97%)');
    expect(hoursText(0, 743)).toBe('0 of 743 hours (0%)');
    expect(hoursText(null, 744)).toBe('withheld for privacy');
    expect(hoursText(undefined, 744)).toBe('withheld for privacy');
  });

  it('lists the months of a quarter, none of a year', () => {
    expect(monthsOf({ kind: 'QUARTER', year: 2024, number: 1 })).toEqual([
      { kind: 'MONTH', year: 2024, number: 1 },
      { kind: 'MONTH', year: 2024, number: 2 },
      { kind: 'MONTH', year: 2024, number: 3 },
    ]);
    expect(monthsOf({ kind: 'QUARTER', year: 2024, number: 4 }).map((m) => m.number)).toEqual([10, 11, 12]);
    expect(monthsOf({ kind: 'YEAR', year: 2024 })).toEqual([]);
    expect(describeMonth({ kind: 'MONTH', year: 2024, number: 2 })).toBe('February 2024');
  });
});
