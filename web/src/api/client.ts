// The app's one way to the API: same-origin JSON POSTs to /graphql with the session
// cookie (the browser sends it; no script ever sees the token).
import type { TypedDocumentString } from '../gql/graphql';
import { ApiError, errorFromBody } from './errors';

/** Fired when the API says the session cookie is dead (idle timeout, expiry, sign-out
 *  elsewhere); the app then returns to the sign-in page. */
export const SESSION_ENDED_EVENT = 'lantern:session-ended';

async function post(url: string, body: unknown, method = 'POST'): Promise<{ status: number; json: any }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK', 'network error', 0);
  }
  const json = await response.json().catch(() => null);
  if (response.status === 401) window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
  return { status: response.status, json };
}

/** Runs a typed GraphQL operation; any error becomes an `ApiError`. */
export async function gql<R, V>(document: TypedDocumentString<R, V>, ...[variables]: V extends Record<string, never> ? [] | [V] : [V]): Promise<R> {
  const { status, json } = await post('/graphql', { query: document.toString(), variables: variables ?? {} });
  if (status !== 200 || !json || json.errors?.length) throw errorFromBody(json, status);
  return json.data as R;
}

export interface SignedIn {
  user: { id: string; email: string; displayName: string };
  organization: { id: string; name: string | null };
  role: string;
  expiresAt: string;
}

export interface OrganizationChoice {
  id: string;
  name: string;
  role: string;
}

export type SignInAnswer = { session: SignedIn } | { chooseOrganization: OrganizationChoice[] };

/** Signs in; the server sets the session cookie. */
export async function signIn(email: string, password: string, organizationId?: string): Promise<SignInAnswer> {
  const { status, json } = await post('/session', { email, password, ...(organizationId ? { organizationId } : {}) });
  if (status !== 200 || !json) throw errorFromBody(json, status);
  return json as SignInAnswer;
}

/** Signs out: the server revokes the session and removes the cookie. */
export async function signOut(): Promise<void> {
  const { status, json } = await post('/session', undefined, 'DELETE');
  if (status !== 200) throw errorFromBody(json, status);
}
