import { describe, expect, it } from 'vitest';
import { movesFor, sideOf, waitingCounts, waitingSentence, whoMayMove, withheldSentence, STATUSES } from '../src/lib/referrals';

describe('moves', () => {
  it('are the recipient’s to answer and carry out, the sender’s to send and cancel', () => {
    expect(movesFor('SENT', 'RECIPIENT').map((m) => m.label)).toEqual(['Accept', 'Decline', 'Unable to reach']);
    expect(movesFor('SENT', 'SENDER').map((m) => m.label)).toEqual(['Cancel the referral']);
    expect(movesFor('DRAFT', 'SENDER').map((m) => m.label)).toEqual(['Send', 'Cancel the referral']);
    expect(movesFor('DRAFT', 'RECIPIENT')).toEqual([]);
    expect(movesFor('ACCEPTED', 'RECIPIENT').map((m) => m.label)).toEqual(['Start', 'Unable to reach']);
    expect(movesFor('IN_PROGRESS', 'RECIPIENT').map((m) => m.label)).toEqual(['Complete', 'Unable to reach']);
    for (const end of ['COMPLETED', 'CANCELLED', 'DECLINED', 'UNABLE_TO_REACH'] as const) {
      expect(movesFor(end, 'SENDER')).toEqual([]);
      expect(movesFor(end, 'RECIPIENT')).toEqual([]);
    }
  });

  it('mirror the API’s rule for every pair of statuses', () => {
    // The lifecycle of README.md: DRAFT → SENT → ACCEPTED | DECLINED → IN_PROGRESS → COMPLETED,
    // CANCELLED by the sender, UNABLE_TO_REACH by the recipient.
    const allowed = new Set([
      'DRAFT>SENT:SENDER', 'DRAFT>CANCELLED:SENDER', 'SENT>CANCELLED:SENDER', 'ACCEPTED>CANCELLED:SENDER', 'IN_PROGRESS>CANCELLED:SENDER',
      'SENT>ACCEPTED:RECIPIENT', 'SENT>DECLINED:RECIPIENT', 'ACCEPTED>IN_PROGRESS:RECIPIENT', 'IN_PROGRESS>COMPLETED:RECIPIENT',
      'SENT>UNABLE_TO_REACH:RECIPIENT', 'ACCEPTED>UNABLE_TO_REACH:RECIPIENT', 'IN_PROGRESS>UNABLE_TO_REACH:RECIPIENT',
    ]);
    for (const from of STATUSES) for (const to of STATUSES) {
      const side = whoMayMove(from, to);
      expect(side ? allowed.has(`${from}>${to}:${side}`) : [...allowed].every((a) => !a.startsWith(`${from}>${to}:`))).toBe(true);
    }
  });

  it('know which side the viewer is on', () => {
    const r = { senderOrganizationId: 'a', recipientOrganizationId: 'b' };
    expect([sideOf(r, 'a'), sideOf(r, 'b'), sideOf(r, 'c')]).toEqual(['SENDER', 'RECIPIENT', null]);
  });
});

describe('counts of referrals waiting on someone', () => {
  const counts = [
    { side: 'RECIPIENT' as const, status: 'SENT' as const, count: 3 },
    { side: 'RECIPIENT' as const, status: 'ACCEPTED' as const, count: 1 },
    { side: 'RECIPIENT' as const, status: 'COMPLETED' as const, count: 9 },
    { side: 'SENDER' as const, status: 'SENT' as const, count: 2 },
    { side: 'SENDER' as const, status: 'DRAFT' as const, count: 1 },
    { side: 'SENDER' as const, status: 'DECLINED' as const, count: 4 },
  ];
  it('count what waits on the viewer’s organization, and what it waits for', () => {
    const w = waitingCounts(counts);
    expect(w.received.map((x) => [x.status, x.count])).toEqual([['SENT', 3], ['ACCEPTED', 1], ['IN_PROGRESS', 0]]);
    expect(w.sent.map((x) => [x.status, x.count])).toEqual([['SENT', 2], ['DRAFT', 1]]);
    expect(waitingSentence(w.received)).toBe('3 waiting for your answer, 1 accepted, not started');
    expect(waitingSentence(waitingCounts([]).sent)).toBe('nothing waiting');
  });
  it('never count the other side’s referrals on this side', () => {
    const w = waitingCounts([{ side: 'SENDER', status: 'SENT', count: 5 }]);
    expect(w.received.every((x) => x.count === 0)).toBe(true);
  });
});

describe('what is withheld', () => {
  it('says which shared fields no consent covers now', () => {
    expect(withheldSentence(['NAME', 'DATE_OF_BIRTH'], { withheld: ['DATE_OF_BIRTH', 'NOTES'] })).toBe(
      'Withheld: date of birth — no active consent covers it (it may have been withdrawn or expired).',
    );
    expect(withheldSentence(['LANGUAGE', 'NAME'], null)).toBe('Withheld: name and language — no active consent covers them (it may have been withdrawn or expired).');
    expect(withheldSentence(['NAME'], { withheld: ['NOTES'] })).toBeNull();
    expect(withheldSentence([], null)).toBeNull();
  });
});
