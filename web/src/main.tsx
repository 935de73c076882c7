import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { Layout } from './components/Layout';
import { SearchPage } from './pages/Search';
import { LoginPage } from './pages/Login';
import { ProviderPage } from './pages/Provider';
import { SheetPage } from './pages/Sheet';
import { GapsPage } from './pages/Gaps';
import { CountyPage } from './pages/County';
import { NotFoundPage } from './pages/NotFound';
import type { ComponentType } from 'react';

/** A page loaded when first opened: the referral, listing and network pages stay out of
 *  the first page's download (members only, and most visits are searches). */
function later(load: () => Promise<ComponentType>) {
  return async () => ({ Component: await load() });
}
import { SessionProvider } from './api/session';

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <SearchPage /> },
      { path: '/login', element: <LoginPage /> },
      { path: '/providers/:id', element: <ProviderPage /> },
      { path: '/sheet', element: <SheetPage /> },
      { path: '/gaps', element: <GapsPage /> },
      { path: '/gaps/:fips', element: <CountyPage /> },
      { path: '/providers/:id/refer', lazy: later(async () => (await import('./pages/Refer')).ReferPage) },
      { path: '/providers/:id/capacity', lazy: later(async () => (await import('./pages/Capacity')).CapacityPage) },
      { path: '/providers/:id/edit', lazy: later(async () => (await import('./pages/EditListing')).EditListingPage) },
      { path: '/referrals', lazy: later(async () => (await import('./pages/Referrals')).ReferralsPage) },
      { path: '/referrals/:id', lazy: later(async () => (await import('./pages/Referral')).ReferralPage) },
      { path: '/clients', lazy: later(async () => (await import('./pages/Clients')).ClientsPage) },
      { path: '/clients/:id', lazy: later(async () => (await import('./pages/Clients')).ClientPage) },
      { path: '/follow-ups', lazy: later(async () => (await import('./pages/FollowUps')).FollowUpsPage) },
      { path: '/listings', lazy: later(async () => (await import('./pages/Listings')).ListingsPage) },
      { path: '/organization', lazy: later(async () => (await import('./pages/network/Organizations')).OwnOrganizationPage) },
      { path: '/network', lazy: later(async () => (await import('./pages/network/Organizations')).OrganizationsPage) },
      { path: '/network/organizations/:id', lazy: later(async () => (await import('./pages/network/Organizations')).OrganizationPage) },
      { path: '/network/settings', lazy: later(async () => (await import('./pages/network/Settings')).SettingsPage) },
      { path: '/network/county-teams', lazy: later(async () => (await import('./pages/network/CountyTeams')).CountyTeamsPage) },
      { path: '/network/webhooks', lazy: later(async () => (await import('./pages/network/Webhooks')).WebhooksPage) },
      { path: '/standards', lazy: later(async () => (await import('./pages/standards/Standards')).StandardsPage) },
      { path: '/standards/assessments/:id', lazy: later(async () => (await import('./pages/standards/Standards')).AssessmentPage) },
      { path: '/standards/review', lazy: later(async () => (await import('./pages/standards/Standards')).ReviewQueuePage) },
      { path: '/standards/checklist', lazy: later(async () => (await import('./pages/standards/Standards')).ChecklistPage) },
      { path: '/standards/aggregate', lazy: later(async () => (await import('./pages/standards/Standards')).AggregatePage) },
      { path: '/network/reviewers', lazy: later(async () => (await import('./pages/standards/Standards')).ReviewersPage) },
      { path: '/network/vetting', lazy: later(async () => (await import('./pages/standards/Standards')).VettingRulesPage) },
      { path: '/welcome', lazy: later(async () => (await import('./pages/Welcome')).WelcomePage) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

// A page brought back from the back/forward cache may hold a screen from before a
// sign-out: load it afresh, asking the API again who is signed in.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>
  </StrictMode>,
);
