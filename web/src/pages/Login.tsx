import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { signIn, type OrganizationChoice } from '../api/client';
import { ApiError, errorSentence } from '../api/errors';
import { ROLE_NAMES, useSession } from '../api/session';
import { ErrorMessage, Page } from '../components/Page';
import type { Role } from '../gql/graphql';

/** Where to go after signing in: only a path of this app, never another site. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [choices, setChoices] = useState<OrganizationChoice[] | null>(null);
  const [organization, setOrganization] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const ended = params.get('ended') === '1';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (choices && !organization) {
      setError('Choose the organization you are working for today.');
      return;
    }
    setBusy(true);
    try {
      const answer = await signIn(email, password, choices ? organization : undefined);
      if ('chooseOrganization' in answer) {
        setChoices(answer.chooseOrganization);
        return;
      }
      await refresh();
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'UNAUTHENTICATED') {
        setError('The email or password is not right. Check them and try again.');
      } else if (e instanceof ApiError && e.code === 'FORBIDDEN') {
        setError('Your account is not part of any organization yet. Ask your network administrator to add you.');
      } else {
        setError(errorSentence(e, 'sign in'));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Sign in" className="narrow">
      {ended && <p className="notice">Your session has ended. Sign in again to continue.</p>}
      <p>Network members sign in to see county gaps and worksheets. Anyone can search for help without signing in.</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {choices && (
          <fieldset className="field">
            <legend>Organization</legend>
            <p className="hint">You belong to several organizations. Choose the one you are working for now.</p>
            {choices.map((c) => (
              <div key={c.id} className="check">
                <input type="radio" id={`org-${c.id}`} name="organization" value={c.id} checked={organization === c.id} onChange={() => setOrganization(c.id)} />
                <label htmlFor={`org-${c.id}`}>
                  {c.name} ({ROLE_NAMES[c.role as Role] ?? c.role})
                </label>
              </div>
            ))}
          </fieldset>
        )}
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </Page>
  );
}
