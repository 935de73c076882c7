import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { ROLE_NAMES, useSession, type Me } from '../api/session';
import type { Role } from '../gql/graphql';
import { Page } from './Page';

/** A page for signed-in members with one of `roles`: others see why not (and a sign-in
 *  link), never the page. The API refuses them anyway; this keeps the screen honest. */
export function Gate({ title, roles, what, children }: { title: string; roles?: Role[]; what: string; children: (me: Me) => ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Page title={title}><p role="status">Loading…</p></Page>;
  if (me === null) {
    return (
      <Page title={title}>
        <p>
          You need to sign in to {what}. <Link to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>Sign in</Link>
        </p>
      </Page>
    );
  }
  if (roles && !roles.includes(me.role)) {
    return (
      <Page title={title}>
        <p>
          As {article(ROLE_NAMES[me.role])} {ROLE_NAMES[me.role].toLowerCase()} you cannot {what}. If you think you should, ask your network administrator.
        </p>
      </Page>
    );
  }
  return <>{children(me)}</>;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
