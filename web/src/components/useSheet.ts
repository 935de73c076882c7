import { useCallback, useEffect, useState } from 'react';
import { loadSheet, saveSheet, toggle } from '../lib/sheet';

const CHANGED = 'lantern:sheet-changed';

/** The providers ticked for the printable sheet, shared by every page of the tab. */
export function useSheet(): { ids: string[]; set: (id: string, on: boolean) => void; clear: () => void } {
  const [ids, setIds] = useState<string[]>(() => loadSheet());
  useEffect(() => {
    const update = () => setIds(loadSheet());
    window.addEventListener(CHANGED, update);
    return () => window.removeEventListener(CHANGED, update);
  }, []);
  const set = useCallback((id: string, on: boolean) => {
    saveSheet(toggle(loadSheet(), id, on));
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  const clear = useCallback(() => {
    saveSheet([]);
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return { ids, set, clear };
}
