import { Link } from 'react-router';
import { Page } from '../components/Page';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. It may have moved, or the link may be wrong.</p>
      <p>
        <Link to="/">Find help</Link> or <Link to="/gaps">see county gaps</Link>.
      </p>
    </Page>
  );
}
