import type { ReactNode } from 'react';
import type { FormMessage } from './useVersionedForm';

/** A labelled text input (or textarea). */
export function TextField({ id, label, value, onChange, hint, multiline, type = 'text', disabled }: { id: string; label: string; value: string; onChange: (v: string) => void; hint?: ReactNode; multiline?: boolean; type?: string; disabled?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea id={id} rows={3} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? `${id}-hint` : undefined} disabled={disabled} />
      ) : (
        <input id={id} type={type} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? `${id}-hint` : undefined} disabled={disabled} />
      )}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A group of checkboxes for a set of values. */
export function CheckList<T extends string>({ id, legend, options, value, onChange, className }: { id: string; legend: string; options: { value: T; label: string }[]; value: T[]; onChange: (v: T[]) => void; className?: string }) {
  return (
    <fieldset className={`field ${className ?? ''}`}>
      <legend>{legend}</legend>
      {options.map((o) => (
        <div className="check" key={o.value}>
          <input
            type="checkbox"
            id={`${id}-${o.value}`}
            checked={value.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))}
          />
          <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** The outcome of saving a form: saved, someone else's change, or an error. */
export function FormStatus({ message }: { message: FormMessage | null }) {
  if (!message) return null;
  if (message.kind === 'saved') {
    return (
      <p className="success" role="status">
        {message.text}
      </p>
    );
  }
  return (
    <p className={message.kind === 'conflict' ? 'notice conflict' : 'error'} role="alert">
      {message.text}
    </p>
  );
}
