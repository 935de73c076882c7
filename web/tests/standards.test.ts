import { describe, expect, it } from 'vitest';
import { answerProblem, areaList, firstOpenStep, parseRefs, reviewComplete, validity } from '../src/lib/standards';

describe('the standards in the app', () => {
  it('lists service areas in the document’s order', () => {
    expect(areaList(['SHELTER_HOUSING', 'HOTLINE'])).toBe('24-hour hotline, Shelter and housing');
    expect(areaList([])).toBe('');
  });
  it('opens a draft at its first unanswered standard', () => {
    expect(firstOpenStep([1, 2, 3, 47], [3, 47])).toBe(2);
    expect(firstOpenStep([1, 2], [])).toBe(0);
  });
  it('asks why a standard does not apply', () => {
    expect(answerProblem('NOT_APPLICABLE', '  ')).toMatch(/why/);
    expect(answerProblem('NOT_APPLICABLE', 'We run no shelter.')).toBe('');
    expect(answerProblem('MEETS', '')).toBe('');
  });
  it('reads document references one per line', () => {
    expect(parseRefs(' Policy 4.2 \n\nPolicy 4.2\nStaff handbook')).toEqual(['Policy 4.2', 'Staff handbook']);
  });
  it('completes a review only when every standard is decided', () => {
    expect(reviewComplete([])).toBe(true);
    expect(reviewComplete([12])).toBe(false);
  });
  it('says when vetting ends and when renewal is near', () => {
    const today = new Date('2027-05-01T09:00:00');
    expect(validity('2028-04-30', today)).toBe('until April 30, 2028');
    expect(validity('2027-05-11', today)).toBe('until May 11, 2027 (renewal due: 10 days left)');
    expect(validity('2027-05-01', today)).toBe('until May 1, 2027 (renewal due: ends today)');
  });
});
