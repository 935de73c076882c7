import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface Tab<K extends string> {
  key: K;
  label: string;
  /** Read after the label by assistive technology (e.g. "2 waiting for your answer"). */
  description?: string;
}

/** Tabs (WAI-ARIA): arrow keys, Home and End move between them; the chosen one's panel
 *  follows. The label is the tab's whole accessible name; the description is separate. */
export function Tabs<K extends string>({ label, tabs, selected, onSelect, children }: { label: string; tabs: Tab<K>[]; selected: K; onSelect: (key: K) => void; children: ReactNode }) {
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const move = (event: KeyboardEvent, index: number) => {
    const last = tabs.length - 1;
    const next = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[next]!;
    onSelect(tab.key);
    refs.current.get(tab.key)?.focus();
  };
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label}>
        {tabs.map((t, i) => (
          <button
            key={t.key}
            ref={(el) => {
              if (el) refs.current.set(t.key, el);
            }}
            type="button"
            role="tab"
            id={`tab-${t.key}`}
            aria-label={t.label}
            aria-selected={t.key === selected}
            aria-controls={`panel-${t.key}`}
            aria-describedby={t.description ? `tab-${t.key}-description` : undefined}
            tabIndex={t.key === selected ? 0 : -1}
            className={t.key === selected ? 'tab selected' : 'tab'}
            onClick={() => onSelect(t.key)}
            onKeyDown={(e) => move(e, i)}
          >
            <span>{t.label}</span>
            {t.description && (
              <span className="tab-count" id={`tab-${t.key}-description`}>
                {t.description}
              </span>
            )}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`} tabIndex={0}>
        {children}
      </div>
    </div>
  );
}
