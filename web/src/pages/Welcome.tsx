import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { gql } from '../api/client';
import { ApiError, errorSentence } from '../api/errors';
import { TextField } from '../components/Fields';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';

const Accept = graphql(`
  mutation AcceptInvitation($token: String!, $password: String!) {
    acceptInvitation(token: $token, password: $password)
  }
`);

/** Where an invitation link leads: the token travels in the fragment (never sent to the
 *  server, so never in a log), is read once and removed from the address bar. */
export function WelcomePage() {
  const [token] = useState(() => window.location.hash.slice(1));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(window.history.state, '', window.location.pathname);
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (password.length < 12) return setError('Choose a password of at least 12 characters.');
    if (password !== again) return setError('The two passwords differ. Type the same password twice.');
    try {
      await gql(Accept, { token, password });
      setDone(true);
    } catch (e) {
      setError(e instanceof ApiError && e.code === 'BAD_USER_INPUT' && e.field === 'token' ? 'This invitation link does not work any more: it was used, replaced by a newer one, or is older than 7 days. Ask your network administrator for a new one.' : errorSentence(e, 'accept this invitation'));
    }
  };
  if (done) return <Page title="Welcome"><p className="success">Your password is set. <Link to="/login">Sign in</Link>.</p></Page>;
  if (!token) return <Page title="Welcome"><p>Open the invitation link you were given to set your password.</p></Page>;
  return (
    <Page title="Welcome" className="narrow">
      <p>Choose your password for Lantern. No one else, not even the administrator who invited you, will know it.</p>
      <form onSubmit={submit} noValidate>
        <TextField id="new-password" label="Password" type="password" value={password} onChange={setPassword} hint="At least 12 characters." />
        <TextField id="new-password-again" label="The same password again" type="password" value={again} onChange={setAgain} />
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit">Set my password</button>
      </form>
    </Page>
  );
}
