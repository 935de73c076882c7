import { useEffect } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { SESSION_ENDED_EVENT } from '../api/client';
import { ROLE_NAMES, useSession } from '../api/session';
import { useSheet } from './useSheet';

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
        navigate(`/login?ended=1&next=${encodeURIComponent(next)}`);
      }
    };
    window.addEventListener(SESSION_ENDED_EVENT, ended);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, ended);
  }, [forget, navigate]);

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
            <li>
              <NavLink to="/gaps">County gaps</NavLink>
            </li>
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
