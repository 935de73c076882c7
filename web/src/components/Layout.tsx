import { useEffect } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { SESSION_ENDED_EVENT, signOut as endSession } from '../api/client';
import { ROLE_NAMES, useSession, worksWithReferrals } from '../api/session';
import { useSheet } from './useSheet';

/** How long a signed-in screen may be left without any input. */
const IDLE_MS = 30 * 60 * 1000;

export function Layout() {
  const { me, signOut, forget } = useSession();
  const { ids } = useSheet();
  const navigate = useNavigate();
  const location = useLocation();

  // A dead session cookie (idle timeout, expiry) sends the person back to sign in,
  // and then back to where they were.
  useEffect(() => {
    const ended = () => {
      forget();
      if (window.location.pathname !== '/login') {
        const next = window.location.pathname + window.location.search;
        navigate(`/login?ended=1&next=${encodeURIComponent(next)}`, { replace: true });
      }
    };
    window.addEventListener(SESSION_ENDED_EVENT, ended);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, ended);
  }, [forget, navigate]);

  // Left alone as long as the server's idle limit (30 minutes by default), a signed-in
  // screen ends the session and clears itself, so no client data stays on show.
  useEffect(() => {
    if (!me) return;
    let timer = 0;
    const idle = () => {
      void endSession().catch(() => undefined);
      window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
    };
    const active = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(idle, IDLE_MS);
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    events.forEach((e) => window.addEventListener(e, active, { passive: true }));
    active();
    return () => {
      window.clearTimeout(timer);
      events.forEach((e) => window.removeEventListener(e, active));
    };
  }, [me]);

  const onSignOut = async () => {
    try {
      await signOut();
    } finally {
      navigate('/');
    }
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Lantern
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Find help
              </NavLink>
            </li>
            {worksWithReferrals(me) && (
              <>
                <li>
                  <NavLink to="/referrals">Referrals</NavLink>
                </li>
                <li>
                  <NavLink to="/follow-ups">Follow-ups</NavLink>
                </li>
                <li>
                  <NavLink to="/clients">Clients</NavLink>
                </li>
              </>
            )}
            {(me?.role === 'PROVIDER_STAFF' || me?.role === 'NETWORK_ADMIN') && (
              <li>
                <NavLink to="/listings">Your listings</NavLink>
              </li>
            )}
            <li>
              <NavLink to="/gaps">County gaps</NavLink>
            </li>
            {me && (
              <li>
                <NavLink to={me.role === 'MDT_VIEWER' ? '/standards/aggregate' : '/standards'}>Standards</NavLink>
              </li>
            )}
            {me?.role === 'NETWORK_ADMIN' && (
              <li>
                <NavLink to="/network">Network</NavLink>
              </li>
            )}
            {me?.role === 'COORDINATOR' && (
              <li>
                <NavLink to="/organization">Your organization</NavLink>
              </li>
            )}
            <li>
              <NavLink to="/sheet">Printable sheet ({ids.length})</NavLink>
            </li>
          </ul>
        </nav>
        <div className="who">
          {me ? (
            <>
              <span>
                {me.displayName}, {me.organizationName}
                <span className="role"> ({ROLE_NAMES[me.role]})</span>
              </span>
              <button type="button" className="link-button" onClick={onSignOut}>
                Sign out
              </button>
            </>
          ) : me === null && location.pathname !== '/login' ? (
            <Link to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>Sign in</Link>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>County boundaries: U.S. Census Bureau. Sample providers are invented (synthetic) and marked so.</p>
      </footer>
    </>
  );
}
