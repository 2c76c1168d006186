import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { MailOpen } from 'lucide-react';
import { ApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import { useLogout, useSession } from '@/api/queries';
import {
  rememberWorkspace,
  useAcceptInvitation,
  useInvitationPreview,
} from '@/api/workspaceQueries';
import { FullPageSpinner } from '@/components/FullPageSpinner';
import { Alert } from '@/components/ui/Alert';
import { Button, buttonClasses } from '@/components/ui/Button';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { acceptPath, paths, withNext, wsPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { roleLabel } from './roles';

type Failure = 'invalid' | 'expired' | 'used' | 'wrongAccount' | 'other';

/** What went wrong with an accept, from the problem code (docs/api.md). */
export function failureOf(code: string | null | undefined): Failure | null {
  switch (code) {
    case null:
    case undefined:
      return null;
    case 'invitation_other_account':
      return 'wrongAccount';
    case 'invitation_expired':
      return 'expired';
    case 'invitation_used':
      return 'used';
    case 'invitation_invalid':
      return 'invalid';
    default:
      return 'other';
  }
}

export function acceptFailure(err: unknown): Failure {
  if (!(err instanceof ApiError)) return 'other';
  if (err.fieldErrors.some((f) => f.field === 'token')) return 'invalid';
  return failureOf(err.code) ?? 'other';
}

const FAILURE_TEXT: Record<'invalid' | 'expired' | 'used', string> = {
  invalid: t.accept.invalid,
  expired: t.accept.expired,
  used: t.accept.used,
};

/**
 * /convite?token=…, the link of the invitation mail. Signed out: sign in or
 * sign up, and come back here. Signed in: accept, as long as the account's
 * e-mail is the invited address; with another account, say so and offer to
 * switch.
 */
function Decline() {
  return (
    <Link
      to={paths.home}
      className="block text-center text-sm font-medium text-slate-600 hover:text-slate-900 hover:underline"
    >
      {t.accept.decline}
    </Link>
  );
}

export function AcceptInvitationPage() {
  usePageTitle(t.accept.title);
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const session = useSession();
  const preview = useInvitationPreview(token);
  const accept = useAcceptInvitation();
  const logout = useLogout();
  const navigate = useNavigate();
  const toast = useToast();
  const here = acceptPath(token);
  // A sign-up from this page that could not take the invitation says why.
  const location = useLocation();
  const signupError = (location.state as { invitationError?: string } | null)?.invitationError;

  if (session.isPending || (token && preview.isPending)) return <FullPageSpinner />;
  const user = session.data ?? null;
  const inv = preview.data ?? null;
  const mine = !!(user && inv && user.email.toLowerCase() === inv.email.toLowerCase());

  // What the preview already tells (a failed preview other than a bad token
  // leaves it to the accept answer).
  let known: Failure | null = null;
  if (preview.isError && acceptFailure(preview.error) === 'invalid') known = 'invalid';
  else if (inv?.status === 'revoked') known = 'invalid';
  else if (inv?.status === 'expired') known = 'expired';
  // Accepting again with the same account answers the same: let it through.
  else if (inv?.status === 'accepted' && !mine) known = 'used';
  else if (inv && user && !mine) known = 'wrongAccount';

  const failure = accept.isError
    ? acceptFailure(accept.error)
    : accept.isIdle
      ? (failureOf(signupError) ?? known)
      : null;
  const dead = failure === 'invalid' || failure === 'expired' || failure === 'used';

  let body;
  if (!token) {
    body = <Alert tone="error">{t.accept.missingToken}</Alert>;
  } else if (dead) {
    body = (
      <div className="space-y-5">
        <Alert tone="error">{FAILURE_TEXT[failure]}</Alert>
        <Link to={paths.home} className={buttonClasses('primary', 'lg', 'w-full')}>
          {t.accept.goToApp}
        </Link>
      </div>
    );
  } else if (!user) {
    const state = inv ? { invitedEmail: inv.email } : undefined;
    body = (
      <div className="space-y-5">
        <p className="text-sm text-slate-600">{t.accept.signedOut}</p>
        <Link
          to={withNext(paths.login, here)}
          state={state}
          className={buttonClasses('primary', 'lg', 'w-full')}
        >
          {t.accept.login}
        </Link>
        <Link
          to={withNext(paths.signup, here)}
          state={state}
          className={buttonClasses('outline', 'lg', 'w-full')}
        >
          {t.accept.signup}
        </Link>
      </div>
    );
  } else if (failure === 'wrongAccount') {
    const switchAccount = () =>
      logout.mutate(undefined, {
        onSettled: () =>
          navigate(withNext(paths.login, here), {
            replace: true,
            state: inv ? { invitedEmail: inv.email } : undefined,
          }),
      });
    body = (
      <div className="space-y-5">
        <Alert
          tone="error"
          title={inv ? t.accept.wrongAccountTo(inv.email, user.email) : t.accept.wrongAccount(user.email)}
        >
          {t.accept.wrongAccountHint}
        </Alert>
        <Button size="lg" className="w-full" loading={logout.isPending} onClick={switchAccount}>
          {logout.isPending ? t.accept.switching : t.accept.switchAccount}
        </Button>
        <Decline />
      </div>
    );
  } else {
    body = (
      <div className="space-y-5">
        {failure === 'other' ? (
          <Alert tone="error">{errorMessage(accept.error)}</Alert>
        ) : (
          <p className="text-sm text-slate-600">{t.accept.signedInAs(user.email)}</p>
        )}
        <Button
          size="lg"
          className="w-full"
          loading={accept.isPending}
          onClick={() =>
            accept.mutate(token, {
              onSuccess: (ws) => {
                rememberWorkspace(ws.id);
                toast.success(t.accept.accepted(ws.name));
                navigate(wsPath(ws.id), { replace: true });
              },
            })
          }
        >
          {accept.isPending ? t.accept.submitting : t.accept.submit}
        </Button>
        <Decline />
      </div>
    );
  }

  return (
    <AuthLayout
      heading={t.accept.heading}
      subheading={
        inv && !dead
          ? t.accept.about(inv.workspace.name, roleLabel(inv.role).toLowerCase(), inv.email)
          : t.accept.subheading
      }
    >
      <div className="mb-6 flex justify-center">
        <span className="flex size-12 items-center justify-center rounded-full bg-brand-50 text-brand-600">
          <MailOpen className="size-6" aria-hidden="true" />
        </span>
      </div>
      {body}
    </AuthLayout>
  );
}
