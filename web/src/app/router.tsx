import type { QueryClient } from '@tanstack/react-query';
import { BookOpen, Bot, MessagesSquare, Settings, Users } from 'lucide-react';
import { createBrowserRouter, Link, Navigate, type RouteObject } from 'react-router';
import { setUnauthorizedHandler } from '@/api/client';
import { forgetEverything, queryKeys } from '@/api/queries';
import { setSignOutReason } from '@/api/signOut';
import { buttonClasses } from '@/components/ui/Button';
import { t } from '@/i18n';
import { AppShell } from '@/layouts/AppShell';
import { loginPath, paths } from '@/lib/paths';
import { AccountLayout } from '@/pages/account/AccountLayout';
import { ProfilePage } from '@/pages/account/ProfilePage';
import { SecurityPage } from '@/pages/account/SecurityPage';
import { SessionsPage } from '@/pages/account/SessionsPage';
import { HomePage } from '@/pages/app/HomePage';
import { NotFoundPage } from '@/pages/app/NotFoundPage';
import { PlaceholderPage } from '@/pages/app/PlaceholderPage';
import { ForgotPasswordPage } from '@/pages/auth/ForgotPasswordPage';
import { LoginPage } from '@/pages/auth/LoginPage';
import { ResetPasswordPage } from '@/pages/auth/ResetPasswordPage';
import { SignupPage } from '@/pages/auth/SignupPage';
import { VerifyEmailPage } from '@/pages/auth/VerifyEmailPage';
import { GuestOnly, RequireAuth } from './guards';
import { RouteError } from './RouteError';

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      {
        element: <GuestOnly />,
        children: [
          { path: paths.login, element: <LoginPage /> },
          { path: paths.signup, element: <SignupPage /> },
        ],
      },
      { path: paths.forgotPassword, element: <ForgotPasswordPage /> },
      { path: paths.resetPassword, element: <ResetPasswordPage /> },
      { path: paths.verifyEmail, element: <VerifyEmailPage /> },
      {
        element: <RequireAuth />,
        children: [
          {
            element: <AppShell />,
            children: [
              { index: true, element: <HomePage /> },
              {
                path: paths.agents,
                element: <PlaceholderPage icon={Bot} {...t.placeholders.agents} />,
              },
              {
                path: paths.leads,
                element: <PlaceholderPage icon={Users} {...t.placeholders.leads} />,
              },
              {
                path: paths.conversations,
                element: <PlaceholderPage icon={MessagesSquare} {...t.placeholders.conversations} />,
              },
              {
                path: paths.knowledge,
                element: <PlaceholderPage icon={BookOpen} {...t.placeholders.knowledge} />,
              },
              {
                path: paths.settings,
                element: (
                  <PlaceholderPage
                    icon={Settings}
                    title={t.placeholders.settings.title}
                    heading={t.placeholders.settings.heading}
                    text={t.placeholders.settings.text}
                    action={
                      <Link to={paths.accountProfile} className={buttonClasses('outline')}>
                        {t.placeholders.settings.accountLink}
                      </Link>
                    }
                  />
                ),
              },
              {
                path: paths.account,
                element: <AccountLayout />,
                children: [
                  { index: true, element: <Navigate to={paths.accountProfile} replace /> },
                  { path: paths.accountProfile, element: <ProfilePage /> },
                  { path: paths.accountSecurity, element: <SecurityPage /> },
                  { path: paths.accountSessions, element: <SessionsPage /> },
                ],
              },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
];

export function createAppRouter(queryClient: QueryClient) {
  const router = createBrowserRouter(routes);
  // A 401 anywhere: forget the user. Inside the signed-in area the auth
  // guard then sends them to the login page with ?next= (the current path);
  // elsewhere, go there directly.
  setUnauthorizedHandler((returnPath) => {
    const hadUser = !!queryClient.getQueryData(queryKeys.me);
    setSignOutReason('expired');
    forgetEverything(queryClient);
    if (!hadUser) {
      void router.navigate(loginPath(returnPath), { replace: true, state: { sessionEnded: true } });
    }
  });
  return router;
}
