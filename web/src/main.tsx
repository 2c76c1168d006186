import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { refreshCsrfToken } from '@/api/client';
import { createQueryClient } from '@/api/queries';
import { createAppRouter } from '@/app/router';
import { ToastProvider } from '@/components/ui/Toast';
import './index.css';

// The CSRF token is fetched once at start (and again whenever it goes stale).
refreshCsrfToken().catch(() => undefined);

const queryClient = createQueryClient();
const router = createAppRouter(queryClient);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
