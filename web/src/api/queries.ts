/** TanStack Query hooks over the endpoints: the server state of the dashboard. */
import { createContext, useContext } from 'react';
import {
  QueryClient,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { ApiError, NETWORK_ERROR, refreshCsrfToken, setCsrfToken } from './client';
import { accountApi, authApi } from './endpoints';
import { setSignOutReason } from './signOut';
import { workspaceKeys } from './workspaceQueries';
import type { User } from './types';

export const queryKeys = {
  me: ['me'] as const,
  account: ['me', 'account'] as const,
  sessions: ['me', 'sessions'] as const,
};

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retry only what may pass on a second try: the network, 5xx, 429.
        retry: (failureCount, err) => {
          if (failureCount >= 2) return false;
          if (!(err instanceof ApiError)) return false;
          return err.code === NETWORK_ERROR || err.status >= 500;
        },
      },
      mutations: { retry: false },
    },
  });
}

/** The signed-in user (null when signed out); undefined while the first probe runs. */
export { forgetEverything };

export function useSession() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: authApi.me,
    staleTime: 5 * 60_000,
  });
}

/**
 * The signed-in user, for pages inside the authenticated area: the auth
 * guard provides it, so it is never missing there.
 */
export const CurrentUserContext = createContext<User | null>(null);

export function useCurrentUser(): User {
  const user = useContext(CurrentUserContext);
  if (!user) throw new Error('useCurrentUser outside an authenticated route');
  return user;
}

/** Drops every cached server state but the (now null) session. */
function forgetEverything(qc: QueryClient) {
  qc.setQueryData(queryKeys.me, null);
  qc.removeQueries({
    predicate: (q) => !(q.queryKey.length === 1 && q.queryKey[0] === queryKeys.me[0]),
  });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: authApi.login,
    onSuccess: (res) => {
      setSignOutReason(null);
      qc.removeQueries({ queryKey: queryKeys.sessions });
      qc.setQueryData(queryKeys.me, res.user);
    },
  });
}

/**
 * Signs up. The answer looks the same when the address already has an
 * account, but then no session starts: `user` is null and the page says a
 * mail went to the address (which is true in both cases).
 */
export function useSignup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: {
      email: string;
      password: string;
      name: string;
      invitationToken?: string;
    }) => {
      const res = await authApi.signup(input);
      return {
        user: await authApi.me(),
        workspace: res.workspace ?? null,
        invitationError: res.invitationError ?? null,
      };
    },
    onSuccess: ({ user }) => {
      if (user) setSignOutReason(null);
      qc.removeQueries({ queryKey: queryKeys.sessions });
      // A new account starts with no workspace data, except one it may have joined.
      qc.removeQueries({ queryKey: workspaceKeys.list });
      qc.setQueryData(queryKeys.me, user);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await authApi.logout();
      } finally {
        // Whatever the answer, this tab is signed out; get a pre-session token.
        setCsrfToken(null);
        refreshCsrfToken().catch(() => undefined);
      }
    },
    onSettled: () => {
      // The auth guard sees the null user and shows the login page.
      setSignOutReason('logout');
      forgetEverything(qc);
    },
  });
}

export function useForgotPassword() {
  return useMutation({ mutationFn: authApi.forgotPassword });
}

export function useResetPassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: authApi.resetPassword,
    onSuccess: (res) => {
      qc.removeQueries({ queryKey: queryKeys.sessions });
      if (res && res.user) {
        setSignOutReason(null);
        qc.setQueryData(queryKeys.me, res.user);
      } else {
        // Every session of the user was revoked, this one included.
        qc.setQueryData(queryKeys.me, null);
      }
    },
  });
}

export function useVerifyEmail() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: authApi.verifyEmail,
    onSuccess: (res) => {
      // The link may be opened in a browser signed in as someone else (or
      // signed out): only refresh the user when it is the same account.
      const current = qc.getQueryData<User | null>(queryKeys.me);
      if (current && res?.user && res.user.id === current.id) {
        qc.setQueryData(queryKeys.me, res.user);
        void qc.invalidateQueries({ queryKey: queryKeys.account });
      }
    },
  });
}

/** Mails a new verification link; resolves false when the address was already verified. */
export function useResendVerification() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: authApi.resendVerification,
    onSuccess: (sent) => {
      if (!sent) void qc.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

/** GET /api/v1/me: the user and the linked sign-in methods. */
export function useAccount() {
  const qc = useQueryClient();
  return useQuery({
    queryKey: queryKeys.account,
    queryFn: async () => {
      const res = await accountApi.account();
      qc.setQueryData(queryKeys.me, res.user);
      return { user: res.user, identities: res.identities ?? [] };
    },
  });
}

export function useChangeEmail() {
  return useMutation({ mutationFn: accountApi.changeEmail });
}

/**
 * POST /api/v1/me/identities/google, then a full-page navigation to the
 * provider: the callback brings the browser back to the security page.
 */
export function useConnectGoogle() {
  return useMutation({
    mutationFn: accountApi.connectGoogle,
    onSuccess: (res) => window.location.assign(res.redirectUrl),
  });
}

export function useUnlinkIdentity() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: accountApi.unlinkIdentity,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.account }),
  });
}

/** POST /auth/reauth: the session counts as freshly authenticated for a while. */
export function useReauth() {
  return useMutation({ mutationFn: authApi.reauth });
}

export function useUpdateProfile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: accountApi.updateProfile,
    onSuccess: (res) => {
      qc.setQueryData(queryKeys.me, res.user);
      void qc.invalidateQueries({ queryKey: queryKeys.account });
    },
  });
}

/**
 * Changes the password. When the server wants a recent authentication
 * (403 recent_auth_required), the current password the user just typed
 * proves it: re-authenticate once and try again.
 */
export function useChangePassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { currentPassword: string; newPassword: string }) => {
      try {
        return await accountApi.changePassword(input);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'recent_auth_required') {
          try {
            await authApi.reauth(input.currentPassword);
          } catch (reauthErr) {
            if (
              reauthErr instanceof ApiError &&
              reauthErr.fieldErrors.some((f) => f.field === 'password')
            ) {
              // The password field of /auth/reauth is the form's current password.
              throw new ApiError({
                status: reauthErr.status,
                code: reauthErr.code,
                requestId: reauthErr.requestId,
                fieldErrors: reauthErr.fieldErrors.map((f) =>
                  f.field === 'password' ? { ...f, field: 'currentPassword' } : f,
                ),
              });
            }
            throw reauthErr;
          }
          return await accountApi.changePassword(input);
        }
        throw err;
      }
    },
    onSuccess: (res) => {
      qc.setQueryData(queryKeys.me, res.user);
      void qc.invalidateQueries({ queryKey: queryKeys.sessions });
      void qc.invalidateQueries({ queryKey: queryKeys.account });
    },
  });
}

export function useSessions() {
  return useQuery({ queryKey: queryKeys.sessions, queryFn: accountApi.sessions });
}

export function useRevokeSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: accountApi.revokeSession,
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
}

export function useRevokeOtherSessions() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: accountApi.revokeOtherSessions,
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
}
