import { describe, expect, it } from 'vitest';
import { SHEET_LIMIT, loadSheet, phonesInOrder, printableLocation, saveSheet, toggle } from '../src/lib/sheet';

describe('the printable sheet', () => {
  it('never prints a confidential address, even when the reader may see it', () => {
    const line = printableLocation({
      confidential: true,
      name: 'Shelter (confidential location)',
      address: { street: '1357 Walnut St', city: 'Morehead City', state: 'NC', postalCode: '27377' },
      county: { name: 'Carteret' },
    });
    expect(line).toBe('Confidential location in Carteret County — call to arrange');
    expect(line).not.toMatch(/Walnut|27377|Morehead/);
  });

  it('prints an ordinary address in one line', () => {
    expect(printableLocation({ confidential: false, name: 'Main office', address: { street: '1 Main St', city: 'Raleigh', state: 'NC', postalCode: '27601' }, county: { name: 'Wake' } })).toBe(
      'Main office: 1 Main St, Raleigh, NC, 27601',
    );
    expect(printableLocation({ confidential: false, address: null, county: { name: 'Wake' } })).toBe('Wake County');
  });

  it('puts 24-hour lines first', () => {
    const phones = [
      { number: '1', twentyFourHour: false },
      { number: '2', twentyFourHour: true },
      { number: '3', twentyFourHour: false },
    ];
    expect(phonesInOrder(phones).map((p) => p.number)).toEqual(['2', '1', '3']);
  });

  it('ticks and unticks without duplicates, up to a limit', () => {
    let ids: string[] = [];
    ids = toggle(ids, 'a', true);
    ids = toggle(ids, 'a', true);
    ids = toggle(ids, 'b', true);
    expect(ids).toEqual(['a', 'b']);
    expect(toggle(ids, 'a', false)).toEqual(['b']);
    let many: string[] = [];
    for (let i = 0; i < SHEET_LIMIT + 5; i++) many = toggle(many, String(i), true);
    expect(many).toHaveLength(SHEET_LIMIT);
  });

  it('survives bad storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(loadSheet(storage)).toEqual([]);
    store.set('lantern:sheet', '{not json');
    expect(loadSheet(storage)).toEqual([]);
    saveSheet(['x', 'y'], storage);
    expect(loadSheet(storage)).toEqual(['x', 'y']);
  });
});
