import { useCombobox } from 'downshift';
import { useEffect, useMemo, useState } from 'react';
import { groupByPhase, searchNeeds, type Need } from '../lib/needs';

const ANY: Need = { code: '', label: 'Any need', phase: 'ACUTE', position: 0 };

/** The "Need" field: a combobox over the 33 FUTURES needs, grouped by phase and
 *  filtered by the words typed ("emergency housing", "lawyer", "counseling"). */
export function NeedPicker({ needs, value, onChange, id = 'need' }: { needs: Need[]; value: string; onChange: (code: string) => void; id?: string }) {
  const selected = needs.find((n) => n.code === value) ?? ANY;
  const [text, setText] = useState('');
  const filtered = useMemo(() => searchNeeds(needs, text), [needs, text]);
  const groups = useMemo(() => groupByPhase(filtered), [filtered]);
  // Downshift indexes the options in the order they are drawn: "Any need", then by group.
  // While words are typed, only matching needs are offered (the first is one arrow away).
  const items = useMemo(() => [...(text ? [] : [ANY]), ...groups.flatMap((g) => g.items)], [groups, text]);
  const display = (n: Need | null) => (n && n.code ? n.label : '');

  const { isOpen, getLabelProps, getMenuProps, getInputProps, getItemProps, getToggleButtonProps, highlightedIndex, selectItem, setInputValue } = useCombobox<Need>({
    id,
    inputId: id,
    items,
    selectedItem: selected,
    itemToString: display,
    onInputValueChange: ({ inputValue, type }) => {
      if (type === useCombobox.stateChangeTypes.InputChange) setText(inputValue ?? '');
    },
    onSelectedItemChange: ({ selectedItem }) => {
      setText('');
      onChange(selectedItem?.code ?? '');
    },
    onIsOpenChange: ({ isOpen: open }) => {
      if (!open) setText('');
    },
  });

  useEffect(() => {
    setInputValue(display(selected));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected.code]);

  let index = 0;
  const option = (n: Need) => {
    const i = index++;
    return (
      <li key={n.code || 'any'} className={i === highlightedIndex ? 'highlighted' : undefined} {...getItemProps({ item: n, index: i })}>
        {n.code ? n.label : <em>Any need</em>}
      </li>
    );
  };

  return (
    <div className="field need-picker">
      <label {...getLabelProps()}>Need</label>
      <div className="combo">
        <input type="text" {...getInputProps({ placeholder: 'Any need: type to find one, e.g. housing' })} />
        <button type="button" className="combo-toggle" aria-label="Show the list" {...getToggleButtonProps()}>
          ▾
        </button>
        {value && (
          <button type="button" className="combo-clear" aria-label="Clear the choice" onClick={() => selectItem(ANY)}>
            ×
          </button>
        )}
      </div>
      <ul {...getMenuProps({ 'aria-labelledby': undefined, 'aria-label': 'Choices' })} className={isOpen ? 'combo-menu open' : 'combo-menu'}>
        {isOpen && (
          <>
            {!text && option(ANY)}
            {groups.map((g) => (
              <li key={g.phase} role="presentation">
                <div className="group-title" id={`${id}-group-${g.phase}`} aria-hidden="true">
                  {g.title}
                </div>
                <ul role="group" aria-labelledby={`${id}-group-${g.phase}`}>
                  {g.items.map(option)}
                </ul>
              </li>
            ))}
            {filtered.length === 0 && (
              <li role="presentation" className="empty">
                No need matches “{text}”. Try other words.
              </li>
            )}
          </>
        )}
      </ul>
    </div>
  );
}
