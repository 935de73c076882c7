// Who is signed in, for the whole app. The session itself is an HttpOnly cookie; the
// app only learns who it belongs to by asking the API (`me`).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';
import { gql, signOut as endSession } from './client';
import { ApiError } from './errors';

const MeQuery = graphql(`
  query Me {
    me {
      user { id displayName email }
      organization { id name }
      role
    }
  }
`);

export interface Me {
  userId: string;
  displayName: string;
  email: string;
  organizationId: string;
  organizationName: string;
  role: Role;
}

interface SessionValue {
  /** `undefined` while the first answer is awaited, `null` when nobody is signed in. */
  me: Me | null | undefined;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
  forget: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      const data = await gql(MeQuery);
      setMe({
        userId: data.me.user?.id ?? '',
        displayName: data.me.user?.displayName ?? '',
        email: data.me.user?.email ?? '',
        organizationId: data.me.organization?.id ?? '',
        organizationName: data.me.organization?.name ?? '',
        role: data.me.role,
      });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'UNAUTHENTICATED') setMe(null);
      else setMe((old) => (old === undefined ? null : old));
    }
  }, []);
  const signOut = useCallback(async () => {
    await endSession();
    setMe(null);
  }, []);
  const forget = useCallback(() => setMe(null), []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const value = useMemo(() => ({ me, refresh, signOut, forget }), [me, refresh, signOut, forget]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** Roles that work with clients and referrals (the API's `CLIENT_ROLES`). */
export const CLIENT_ROLES: Role[] = ['COORDINATOR', 'ADVOCATE', 'PROVIDER_STAFF'];

export function worksWithReferrals(me: Me | null | undefined): boolean {
  return !!me && CLIENT_ROLES.includes(me.role);
}

/** Whether the person may edit a listing kept by `organizationId`: network admins any,
 *  provider staff their own organization's. */
export function mayEditListing(me: Me | null | undefined, organizationId: string | null | undefined): boolean {
  if (!me) return false;
  return me.role === 'NETWORK_ADMIN' || (me.role === 'PROVIDER_STAFF' && !!organizationId && organizationId === me.organizationId);
}

export const ROLE_NAMES: Record<Role, string> = {
  NETWORK_ADMIN: 'Network administrator',
  COORDINATOR: 'Coordinator',
  ADVOCATE: 'Advocate',
  PROVIDER_STAFF: 'Provider staff',
  MDT_VIEWER: 'Multidisciplinary team member',
};
