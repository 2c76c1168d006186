import { useRef } from 'react';
import { Navigate, Outlet, useLocation, useSearchParams } from 'react-router';
import { errorMessage } from '@/api/errors';
import { CurrentUserContext, useSession } from '@/api/queries';
import { getSignOutReason } from '@/api/signOut';
import { FullPageSpinner } from '@/components/FullPageSpinner';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';
import { loginPath, paths, safeNextPath } from '@/lib/paths';

function SessionError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <div className="flex min-h-dvh items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-4">
        <Alert tone="error">{errorMessage(error)}</Alert>
        <Button variant="outline" onClick={retry} className="w-full">
          {t.common.retry}
        </Button>
      </div>
    </div>
  );
}

/** Signed-in routes: wait for the session probe, send strangers to the login page. */
export function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <FullPageSpinner />;
  if (session.isError && session.data === undefined) {
    return <SessionError error={session.error} retry={() => void session.refetch()} />;
  }
  if (!session.data) {
    const reason = getSignOutReason();
    if (reason === 'logout') {
      return <Navigate to={paths.login} replace state={{ loggedOut: true }} />;
    }
    return (
      <Navigate
        to={loginPath(location.pathname + location.search)}
        replace
        state={reason === 'expired' ? { sessionEnded: true } : undefined}
      />
    );
  }
  return (
    <CurrentUserContext.Provider value={session.data}>
      <Outlet />
    </CurrentUserContext.Provider>
  );
}

/**
 * Login and sign-up: a user who arrives signed in goes straight to where they
 * were heading. One who signs in here is sent on by the page itself (which
 * knows more: a workspace joined by the sign-up, say), not by this guard.
 */
export function GuestOnly() {
  const session = useSession();
  const [params] = useSearchParams();
  const signedInOnArrival = useRef<boolean | null>(null);
  if (session.isPending) return <FullPageSpinner />;
  signedInOnArrival.current ??= !!session.data;
  if (signedInOnArrival.current && session.data) {
    return <Navigate to={safeNextPath(params.get('next'))} replace />;
  }
  return <Outlet />;
}
