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
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>
  </StrictMode>,
);
