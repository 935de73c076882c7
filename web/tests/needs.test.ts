import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupByPhase, needWithPhase, searchNeeds, type Need } from '../src/lib/needs';

const seed = JSON.parse(readFileSync(new URL('../../seed-data/need-categories.json', import.meta.url), 'utf8')) as { needCategories: Need[] };
const needs = seed.needCategories;

describe('needs grouped by phase', () => {
  it('puts the 33 needs in three phases in matrix order', () => {
    const groups = groupByPhase([...needs].reverse());
    expect(groups.map((g) => [g.phase, g.items.length])).toEqual([
      ['ACUTE', 8],
      ['TRANSITIONAL', 15],
      ['LONG_TERM', 10],
    ]);
    expect(groups.flatMap((g) => g.items.map((n) => n.position))).toEqual(needs.map((n) => n.position));
  });

  it('leaves empty phases out', () => {
    expect(groupByPhase(needs.filter((n) => n.phase === 'LONG_TERM')).map((g) => g.phase)).toEqual(['LONG_TERM']);
  });
});

describe('searching needs by words', () => {
  const codes = (text: string) => searchNeeds(needs, text).map((n) => n.code);

  it('matches every word as a prefix, in any order', () => {
    expect(codes('emergency housing')).toEqual(['acute.housing']);
    expect(codes('hous acute')).toEqual(['acute.housing']);
  });
  it('knows the words people use', () => {
    expect(codes('shelter')).toContain('acute.housing');
    expect(codes('lawyer')).toEqual(expect.arrayContaining(['acute.legal_information', 'transitional.legal']));
    expect(codes('counseling')).toContain('transitional.mental_health');
  });
  it('matches both phases of a need that appears twice', () => {
    expect(codes('interpretation')).toEqual(['acute.interpretation', 'transitional.interpretation']);
  });
  it('returns everything for no words and nothing for nonsense', () => {
    expect(codes('  ')).toHaveLength(33);
    expect(codes('zzzz')).toEqual([]);
  });
  it('names the phase where it is not shown', () => {
    expect(needWithPhase(needs[2]!)).toBe('Housing (acute / crisis needs)');
  });
});

describe('who can meet each need in a county', () => {
  it('lists each provider once per need it meets, in the order found', async () => {
    const { namesByNeed } = await import('../src/pages/County');
    const byNeed = namesByNeed([
      { id: '1', name: 'Shelter A', services: [{ needs: [{ code: 'acute.housing' }] }, { needs: [{ code: 'acute.housing' }, { code: 'acute.medical' }] }] },
      { id: '2', name: 'Clinic B', services: [{ needs: [{ code: 'acute.medical' }] }] },
    ]);
    expect(byNeed.get('acute.housing')).toEqual([{ id: '1', name: 'Shelter A' }]);
    expect(byNeed.get('acute.medical')?.map((p) => p.name)).toEqual(['Shelter A', 'Clinic B']);
    expect(byNeed.get('long_term.child_care')).toBeUndefined();
  });
});
