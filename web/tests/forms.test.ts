import { describe, expect, it } from 'vitest';
import { changesBetween, changesSentence, clashes, FormKeys, rebase } from '../src/lib/forms';
import { dueHorizon, outcomeSentence, splitDue } from '../src/lib/followUps';

describe('idempotency keys', () => {
  it('are made once per form and reused on every retry', () => {
    let n = 0;
    const keys = new FormKeys(() => `key-${++n}`);
    expect(keys.get('createReferral')).toBe('key-1');
    expect(keys.get('recordConsent')).toBe('key-2');
    expect(keys.get('createReferral')).toBe('key-1'); // the retry
    expect(keys.get('recordConsent')).toBe('key-2');
    keys.reset(); // a new form
    expect(keys.get('createReferral')).toBe('key-3');
  });
  it('are random by default', () => {
    const a = new FormKeys().get('x');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(new FormKeys().get('x')).not.toBe(a);
  });
});

describe('someone else’s change', () => {
  const labels = { name: 'Name', cost: 'Cost', needs: 'Needs' };
  const base = { name: 'Shelter', cost: '', needs: ['acute.housing'] };
  const theirs = { name: 'Shelter', cost: 'Free', needs: ['acute.housing', 'transitional.legal'] };
  it('is listed field by field', () => {
    expect(changesBetween(base, theirs, labels)).toEqual([
      { field: 'cost', label: 'Cost', before: '(empty)', after: 'Free' },
      { field: 'needs', label: 'Needs', before: 'acute.housing', after: 'acute.housing, transitional.legal' },
    ]);
    expect(changesSentence(changesBetween(base, theirs, labels))).toMatch(/^Someone else changed this while you were editing: Cost from “\(empty\)” to “Free”; Needs from/);
  });
  it('is taken into the form, under the person’s own edits, never overwritten', () => {
    const mine = { name: 'Emergency shelter', cost: 'Sliding scale', needs: ['acute.housing'] };
    expect(rebase(base, theirs, mine)).toEqual({ name: 'Emergency shelter', cost: 'Sliding scale', needs: ['acute.housing', 'transitional.legal'] });
    expect(clashes(base, theirs, mine, labels)).toEqual(['Cost']);
    expect(changesSentence(changesBetween(base, theirs, labels), ['Cost'])).toMatch(/You changed Cost too: your version is in the form/);
  });
});

describe('follow-ups', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('split into overdue and due, soonest first', () => {
    const list = [{ dueAt: '2026-03-12T00:00:00Z' }, { dueAt: '2026-03-09T00:00:00Z' }, { dueAt: '2026-03-10T11:59:00Z' }];
    const { overdue, due } = splitDue(list, now);
    expect(overdue.map((f) => f.dueAt)).toEqual(['2026-03-09T00:00:00Z', '2026-03-10T11:59:00Z']);
    expect(due.map((f) => f.dueAt)).toEqual(['2026-03-12T00:00:00Z']);
    expect(dueHorizon(now).toISOString()).toBe('2026-03-17T12:00:00.000Z');
  });
  it('say their outcome in words', () => {
    expect(outcomeSentence({ contactMade: true, serviceStarted: false, needStillOpen: true })).toBe('contact made, service not started, the need is still open');
  });
});
