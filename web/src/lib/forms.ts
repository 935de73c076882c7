// Two rules every form of the app keeps: a retried submission reuses its idempotency
// key, so it never creates a second record; and an edit that meets someone else's newer
// version shows what they changed instead of overwriting it.

/** A new random idempotency key. */
export function newKey(): string {
  return crypto.randomUUID();
}

/** The idempotency keys of one form: each operation gets a key the first time it is
 *  asked for and the same key on every retry, until the form is `reset` (a new form). */
export class FormKeys {
  private keys = new Map<string, string>();
  constructor(private readonly make: () => string = newKey) {}

  /** The key of `operation` for this form. */
  get(operation: string): string {
    let key = this.keys.get(operation);
    if (!key) {
      key = this.make();
      this.keys.set(operation, key);
    }
    return key;
  }

  /** Forgets every key: the next submission is a new one. */
  reset(): void {
    this.keys.clear();
  }
}

/** A field someone else changed since the form was loaded. */
export interface Change {
  field: string;
  label: string;
  before: string;
  after: string;
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value)) return value.length ? value.map(shown).join(', ') : '(none)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if ((a === null || a === undefined || a === '') && (b === null || b === undefined || b === '')) return true;
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** The labelled fields that differ between the version a form was loaded from and the
 *  newer one someone else saved. */
export function changesBetween<T extends object>(base: T, latest: T, labels: Partial<Record<keyof T & string, string>>): Change[] {
  return (Object.keys(labels) as (keyof T & string)[])
    .filter((field) => !same(base[field], latest[field]))
    .map((field) => ({ field, label: labels[field]!, before: shown(base[field]), after: shown(latest[field]) }));
}

/** The form after someone else saved a newer version: their values wherever the person
 *  had not edited a field, the person's own edits wherever they had. (A three-way
 *  merge: `base` is what the form was loaded from.) */
export function rebase<T extends object>(base: T, latest: T, draft: T): T {
  const out = { ...draft };
  for (const key of Object.keys(latest) as (keyof T)[]) {
    if (same(draft[key], base[key])) out[key] = latest[key];
  }
  return out;
}

/** The fields both the person and someone else changed, differently. */
export function clashes<T extends object>(base: T, latest: T, draft: T, labels: Partial<Record<keyof T & string, string>>): string[] {
  return (Object.keys(labels) as (keyof T & string)[])
    .filter((f) => !same(draft[f], base[f]) && !same(latest[f], base[f]) && !same(draft[f], latest[f]))
    .map((f) => labels[f]!);
}

/** What someone else changed, as one sentence for a notice; `clashing` names the fields
 *  the person had changed too (their own version is kept in the form). */
export function changesSentence(changes: readonly Change[], clashing: readonly string[] = []): string {
  if (changes.length === 0) return 'Someone else saved this in the meantime, without changing what you see here. Save again to keep your edits.';
  const theirs = changes.map((c) => `${c.label} from “${c.before}” to “${c.after}”`).join('; ');
  const mine = clashing.length
    ? ` You changed ${clashing.join(', ')} too: your version is in the form, theirs is above — choose, then save again.`
    : ' The form now shows their changes with yours on top: check it, then save again.';
  return `Someone else changed this while you were editing: ${theirs}.${mine}`;
}
