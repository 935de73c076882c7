import { useEffect, useRef, type ReactNode } from 'react';
import { useLocation } from 'react-router';

/** A page: sets the document title and, after a navigation, moves focus to the page's
 *  heading so screen-reader and keyboard users start at the new content. */
export function Page({ title, heading, children, className }: { title: string; heading?: ReactNode; children: ReactNode; className?: string }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  // The router's first location of a visit has the key "default": that page keeps the
  // browser's own focus (the top of the document, the skip link first).
  const navigated = useLocation().key !== 'default';
  useEffect(() => {
    document.title = `${title} · Lantern`;
  }, [title]);
  useEffect(() => {
    if (navigated && (document.activeElement === document.body || document.activeElement === null)) h1.current?.focus({ preventScroll: true });
  }, [navigated]);
  return (
    <div className={className}>
      <h1 ref={h1} tabIndex={-1}>
        {heading ?? title}
      </h1>
      {children}
    </div>
  );
}

/** An error sentence, announced when it appears. */
export function ErrorMessage({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="error" role="alert">
      {children}
    </p>
  );
}
