import { NavLink } from 'react-router';

/** The network admin's pages. */
export function NetworkNav() {
  return (
    <nav aria-label="Running the network" className="sub-nav">
      <ul>
        <li>
          <NavLink to="/network" end>
            Organizations
          </NavLink>
        </li>
        <li>
          <NavLink to="/network/settings">Settings</NavLink>
        </li>
        <li>
          <NavLink to="/network/county-teams">County teams</NavLink>
        </li>
        <li>
          <NavLink to="/network/webhooks">Webhooks</NavLink>
        </li>
        <li>
          <NavLink to="/network/vetting">Vetted referrals</NavLink>
        </li>
        <li>
          <NavLink to="/network/reviewers">Reviewers</NavLink>
        </li>
      </ul>
    </nav>
  );
}
