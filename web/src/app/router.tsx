import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { setUnauthorizedHandler } from '@/api/client';
import { forgetEverything, queryKeys } from '@/api/queries';
import { setSignOutReason } from '@/api/signOut';
import { AppShell } from '@/layouts/AppShell';
import { loginPath, paths, wsSections } from '@/lib/paths';
import { AccountLayout } from '@/pages/account/AccountLayout';
import { ProfilePage } from '@/pages/account/ProfilePage';
import { SecurityPage } from '@/pages/account/SecurityPage';
import { SessionsPage } from '@/pages/account/SessionsPage';
import { HomePage } from '@/pages/app/HomePage';
import { NotFoundPage } from '@/pages/app/NotFoundPage';
import { InboxPage } from '@/pages/inbox/InboxPage';
import { ForgotPasswordPage } from '@/pages/auth/ForgotPasswordPage';
import { LoginPage } from '@/pages/auth/LoginPage';
import { ResetPasswordPage } from '@/pages/auth/ResetPasswordPage';
import { SignupPage } from '@/pages/auth/SignupPage';
import { LeadDetailPage } from '@/pages/leads/LeadDetailPage';
import { LeadsPage } from '@/pages/leads/LeadsPage';
import { VerifyEmailPage } from '@/pages/auth/VerifyEmailPage';
import { AcceptInvitationPage } from '@/pages/workspace/AcceptInvitationPage';
import { AgentsPage } from '@/pages/workspace/AgentsPage';
import { CrmPage } from '@/pages/workspace/CrmPage';
import { AuditPage } from '@/pages/workspace/AuditPage';
import { InvitationsPage } from '@/pages/workspace/InvitationsPage';
import { KnowledgePage } from '@/pages/workspace/KnowledgePage';
import { MembersPage } from '@/pages/workspace/MembersPage';
import { SettingsLayout } from '@/pages/workspace/SettingsLayout';
import { StartPage } from '@/pages/workspace/StartPage';
import { GuestOnly, RequireAuth } from './guards';
import { RequireRole, ToWorkspace, WorkspaceScope } from './workspaceGuards';
import { RouteError } from './RouteError';

/** A settings page's path relative to the settings route ("configuracoes/membros" -> "membros"). */
function leaf(section: 'members' | 'invitations' | 'audit' | 'crm'): string {
  return wsSections[section].slice(wsSections.settings.length + 1);
}

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
      { path: paths.acceptInvitation, element: <AcceptInvitationPage /> },
      {
        element: <RequireAuth />,
        children: [
          {
            element: <AppShell />,
            children: [
              // No workspace yet: the first step creates one; else the last one opens.
              { index: true, element: <StartPage /> },
              {
                path: '/w/:wid',
                element: <WorkspaceScope />,
                children: [
                  { index: true, element: <HomePage /> },
                  { path: wsSections.agents, element: <AgentsPage /> },
                  { path: wsSections.leads, element: <LeadsPage /> },
                  { path: `${wsSections.leads}/:leadId`, element: <LeadDetailPage /> },
                  // One route (optional :leadId): opening a conversation keeps the list and its stream.
                  { path: `${wsSections.conversations}/:leadId?`, element: <InboxPage /> },
                  {
                    path: wsSections.knowledge,
                    element: <KnowledgePage />,
                  },
                  {
                    path: wsSections.settings,
                    element: <SettingsLayout />,
                    children: [
                      { index: true, element: <Navigate to={leaf('members')} replace /> },
                      { path: leaf('members'), element: <MembersPage /> },
                      {
                        element: <RequireRole min="admin" />,
                        children: [
                          { path: leaf('invitations'), element: <InvitationsPage /> },
                          { path: leaf('audit'), element: <AuditPage /> },
                          { path: leaf('crm'), element: <CrmPage /> },
                        ],
                      },
                    ],
                  },
                  { path: '*', element: <NotFoundPage /> },
                ],
              },
              // Addresses from before workspaces: the same page of the last workspace.
              { path: paths.agents, element: <ToWorkspace section="agents" /> },
              { path: paths.leads, element: <ToWorkspace section="leads" /> },
              { path: paths.conversations, element: <ToWorkspace section="conversations" /> },
              { path: paths.knowledge, element: <ToWorkspace section="knowledge" /> },
              { path: paths.settings, element: <ToWorkspace section="settings" /> },
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
