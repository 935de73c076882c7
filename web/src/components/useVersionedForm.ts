import { useState } from 'react';
import { ApiError, errorSentence } from '../api/errors';
import { changesBetween, changesSentence, clashes, rebase } from '../lib/forms';

export interface FormMessage {
  kind: 'saved' | 'conflict' | 'error';
  text: string;
}

/** A form over a record with a `version`. Saving sends the version it was loaded at; when
 *  someone else saved first (`CONFLICT`), nothing is written: the newest record is
 *  fetched, what they changed is shown and taken into the form, the person's own edits
 *  stay on top of it, and they save again — never silently over the other change. */
export function useVersionedForm<R extends { version: number }, D extends object>(initial: R, toDraft: (r: R) => D, labels: Partial<Record<keyof D & string, string>>) {
  const [base, setBase] = useState(initial);
  const [draft, setDraft] = useState<D>(() => toDraft(initial));
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (run: (version: number, draft: D) => Promise<R>, latest: () => Promise<R | null>, doing: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const saved = await run(base.version, draft);
      setBase(saved);
      setDraft(toDraft(saved));
      setMessage({ kind: 'saved', text: 'Saved.' });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'CONFLICT') {
        const newest = await latest().catch(() => null);
        if (newest) {
          const [was, now] = [toDraft(base), toDraft(newest)];
          setMessage({ kind: 'conflict', text: changesSentence(changesBetween(was, now, labels), clashes(was, now, draft, labels)) });
          setDraft(rebase(was, now, draft));
          setBase(newest);
        } else {
          setMessage({ kind: 'conflict', text: 'Someone else removed this while you were editing it.' });
        }
      } else {
        setMessage({ kind: 'error', text: errorSentence(e, doing) });
      }
    } finally {
      setBusy(false);
    }
  };

  const set = <K extends keyof D>(key: K, value: D[K]) => setDraft((d) => ({ ...d, [key]: value }));
  return { base, draft, setDraft, set, message, setMessage, busy, save };
}
