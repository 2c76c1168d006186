import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { KeyRound } from 'lucide-react';
import { ApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import {
  useAccount,
  useChangePassword,
  useConnectGoogle,
  useCurrentUser,
  useForgotPassword,
  useUnlinkIdentity,
} from '@/api/queries';
import type { Identity } from '@/api/types';
import { CurrentPasswordField, FormAlert, NewPasswordField } from '@/components/form/fields';
import { useReauthRetry } from '@/components/ReauthDialog';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { Dialog } from '@/components/ui/Dialog';
import { Spinner } from '@/components/ui/Spinner';
import { PasswordField } from '@/components/ui/Field';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDate } from '@/lib/format';
import { usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateConfirmation, validateNewPassword, validateRequired } from '@/lib/validate';

export function ChangePasswordForm() {
  const user = useCurrentUser();
  const change = useChangePassword();
  const toast = useToast();
  const form = useForm({
    initial: { currentPassword: '', newPassword: '', confirm: '' },
    validate: (v) => ({
      currentPassword: validateRequired(v.currentPassword),
      newPassword:
        validateNewPassword(v.newPassword) ??
        (v.currentPassword && v.newPassword === v.currentPassword
          ? t.account.password.sameAsCurrent
          : null),
      confirm: validateConfirmation(v.newPassword, v.confirm),
    }),
  });

  const onValid = ({ currentPassword, newPassword }: typeof form.values) =>
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          form.reset();
          toast.success(t.account.password.saved);
        },
        onError: form.fail,
      },
    );

  return (
    <form {...form.formProps(onValid)}>
      <SectionCard
        title={t.account.password.title}
        description={t.account.password.description}
        headingId="password-heading"
        footer={
          <Button type="submit" loading={change.isPending}>
            {change.isPending ? t.account.password.submitting : t.account.password.submit}
          </Button>
        }
      >
        <div className="max-w-md space-y-5">
          <FormAlert form={form} />
          {/* Lets password managers tie the new password to the account. */}
          <input
            type="text"
            name="username"
            autoComplete="username"
            value={user.email}
            readOnly
            hidden
          />
          <CurrentPasswordField
            id="password-current"
            label={t.account.password.current}
            {...form.field('currentPassword')}
          />
          <NewPasswordField
            id="password-new"
            label={t.account.password.next}
            {...form.field('newPassword')}
          />
          <PasswordField
            id="password-confirm"
            label={t.account.password.confirm}
            autoComplete="new-password"
            required
            {...form.field('confirm')}
          />
        </div>
      </SectionCard>
    </form>
  );
}

function GoogleMark() {
  return (
    <svg viewBox="0 0 24 24" className="size-5" aria-hidden="true">
      <path fill="#4285F4" d="M22.56 12.25c0-.78-.07-1.53-.2-2.25H12v4.26h5.92a5.06 5.06 0 0 1-2.2 3.32v2.77h3.57c2.08-1.92 3.27-4.74 3.27-8.1Z" />
      <path fill="#34A853" d="M12 23c2.97 0 5.46-.98 7.28-2.66l-3.57-2.77c-.98.66-2.23 1.06-3.71 1.06-2.86 0-5.29-1.93-6.16-4.53H2.18v2.84A11 11 0 0 0 12 23Z" />
      <path fill="#FBBC05" d="M5.84 14.1A6.6 6.6 0 0 1 5.5 12c0-.73.13-1.44.34-2.1V7.06H2.18A11 11 0 0 0 1 12c0 1.78.43 3.45 1.18 4.94l3.66-2.84Z" />
      <path fill="#EA4335" d="M12 5.38c1.62 0 3.06.56 4.21 1.64l3.15-3.15A10.56 10.56 0 0 0 12 1 11 11 0 0 0 2.18 7.06l3.66 2.84C6.71 7.3 9.14 5.38 12 5.38Z" />
    </svg>
  );
}

function GoogleIdentityRow({ identity }: { identity: Identity }) {
  const unlink = useUnlinkIdentity();
  const toast = useToast();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const reauth = useReauthRetry(() => run());
  const cancelRef = useRef<HTMLButtonElement>(null);

  const run = () =>
    unlink.mutate(identity.id, {
      onSuccess: () => {
        setConfirmOpen(false);
        toast.success(t.account.methods.unlinked);
      },
      onError: (err) => {
        setConfirmOpen(false);
        if (err instanceof ApiError && err.code === 'recent_auth_required') {
          reauth.ask();
        } else if (err instanceof ApiError && err.code === 'conflict') {
          toast.error(t.account.methods.onlyMethod);
        } else {
          toast.error(errorMessage(err));
        }
      },
    });

  return (
    <li className="flex flex-wrap items-center gap-3 px-4 py-3.5">
      <span className="flex size-9 items-center justify-center rounded-lg bg-slate-100">
        <GoogleMark />
      </span>
      <div className="min-w-0 flex-1">
        <p className="text-sm font-medium text-slate-900">{t.account.methods.google}</p>
        <p className="truncate text-xs text-slate-500">
          {t.account.methods.googleLinked(identity.email, formatDate(identity.createdAt))}
        </p>
      </div>
      <Badge tone="success">{t.account.methods.connected}</Badge>
      <Button
        variant="danger-outline"
        size="sm"
        loading={unlink.isPending}
        aria-label={t.account.methods.unlinkLabel(identity.email)}
        onClick={() => setConfirmOpen(true)}
      >
        {unlink.isPending ? t.account.methods.unlinking : t.account.methods.unlink}
      </Button>
      <Dialog
        open={confirmOpen}
        onClose={() => setConfirmOpen(false)}
        title={t.account.methods.unlinkTitle}
        description={t.account.methods.unlinkText(identity.email)}
        initialFocus={cancelRef}
        footer={
          <>
            <Button ref={cancelRef} variant="outline" onClick={() => setConfirmOpen(false)}>
              {t.common.cancel}
            </Button>
            <Button variant="danger" loading={unlink.isPending} onClick={run}>
              {t.account.methods.unlink}
            </Button>
          </>
        }
      />
      {reauth.dialog}
    </li>
  );
}

/** "Conectar": asks the API for the provider URL and leaves for it (after a reauth if needed). */
function ConnectGoogleButton() {
  const connect = useConnectGoogle();
  const toast = useToast();
  const reauth = useReauthRetry(() => run());

  const run = () =>
    connect.mutate(undefined, {
      onError: (err) => {
        if (err instanceof ApiError && err.code === 'recent_auth_required') {
          reauth.ask();
        } else if (err instanceof ApiError && err.status === 404) {
          toast.error(t.account.methods.connectUnavailable);
        } else {
          toast.error(errorMessage(err));
        }
      },
    });

  // Success navigates away: keep the button busy until the page goes, and
  // free it if the browser brings this page back from its cache (Back).
  const { reset } = connect;
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) reset();
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, [reset]);
  const busy = connect.isPending || connect.isSuccess;
  return (
    <>
      <Button
        variant="outline"
        size="sm"
        loading={busy}
        aria-label={t.account.methods.connectLabel}
        onClick={run}
      >
        {busy ? t.account.methods.connecting : t.account.methods.connect}
      </Button>
      {reauth.dialog}
    </>
  );
}

/**
 * The outcome of a connect, as the callback's redirect left it in the URL
 * (?google=conectado or ?erro=<code>): said once, then dropped from the URL.
 */
function useConnectOutcome() {
  const [params, setParams] = useSearchParams();
  const toast = useToast();
  const done = params.get('google') === 'conectado';
  const code = params.get('erro');
  const said = useRef(false);

  useEffect(() => {
    if ((!done && !code) || said.current) return;
    said.current = true;
    if (done) {
      toast.success(t.account.methods.connectDone);
    } else if (code) {
      const errors = t.account.methods.connectErrors;
      toast.error(Object.hasOwn(errors, code) ? errors[code]! : t.account.methods.connectFailed);
    }
    setParams({}, { replace: true });
  }, [done, code, setParams, toast]);
}

export function SignInMethods() {
  const user = useCurrentUser();
  const account = useAccount();
  const google = (account.data?.identities ?? []).filter((i) => i.provider === 'google');
  useConnectOutcome();

  return (
    <SectionCard
      title={t.account.methods.title}
      description={t.account.methods.description}
      headingId="methods-heading"
    >
      {account.isError ? (
        <Alert tone="error" title={t.account.methods.loadError} className="mb-4">
          {errorMessage(account.error)}
        </Alert>
      ) : null}
      <ul
        aria-busy={account.isPending || undefined}
        className="divide-y divide-slate-100 rounded-lg border border-slate-200"
      >
        <li className="flex flex-wrap items-center gap-3 px-4 py-3.5">
          <span className="flex size-9 items-center justify-center rounded-lg bg-slate-100 text-slate-600">
            <KeyRound className="size-4.5" aria-hidden="true" />
          </span>
          <div className="min-w-0 flex-1">
            <p className="text-sm font-medium text-slate-900">{t.account.methods.emailPassword}</p>
            <p className="truncate text-xs text-slate-500">
              {t.account.methods.emailPasswordDetail(user.email)}
            </p>
          </div>
          {user.hasPassword ? (
            <Badge tone="success">{t.account.methods.connected}</Badge>
          ) : (
            <Badge>{t.account.methods.notConnected}</Badge>
          )}
        </li>
        {google.map((identity) => (
          <GoogleIdentityRow key={identity.id} identity={identity} />
        ))}
        {google.length === 0 ? (
          <li className="flex flex-wrap items-center gap-3 px-4 py-3.5">
            <span className="flex size-9 items-center justify-center rounded-lg bg-slate-100">
              <GoogleMark />
            </span>
            <div className="min-w-0 flex-1">
              <p className="text-sm font-medium text-slate-900">{t.account.methods.google}</p>
              <p className="text-xs text-slate-500">{t.account.methods.googleDetail}</p>
            </div>
            <Badge>{t.account.methods.notConnected}</Badge>
            {account.isPending ? (
              <Spinner className="text-slate-400" label={t.app.loading} />
            ) : (
              <ConnectGoogleButton />
            )}
          </li>
        ) : null}
      </ul>
    </SectionCard>
  );
}

/**
 * A Google-only account has no password to change: it creates one through
 * the reset link (POST /auth/password/forgot), which proves it owns the
 * address, as a forgotten password would.
 */
function CreatePasswordCard() {
  const user = useCurrentUser();
  const forgot = useForgotPassword();
  const [sent, setSent] = useState(false);

  return (
    <SectionCard
      title={t.account.password.createTitle}
      headingId="password-heading"
      footer={
        sent ? null : (
          <Button
            loading={forgot.isPending}
            onClick={() => forgot.mutate(user.email, { onSuccess: () => setSent(true) })}
          >
            {forgot.isPending
              ? t.account.password.createSubmitting
              : t.account.password.createSubmit}
          </Button>
        )
      }
    >
      <div className="max-w-xl space-y-4">
        {sent ? (
          <Alert tone="success">{t.account.password.createSent(user.email)}</Alert>
        ) : (
          <p className="text-sm text-slate-600">{t.account.password.noPassword(user.email)}</p>
        )}
        {forgot.isError ? <Alert tone="error">{errorMessage(forgot.error)}</Alert> : null}
      </div>
    </SectionCard>
  );
}

export function SecurityPage() {
  usePageTitle(t.account.tabs.security);
  const user = useCurrentUser();
  return (
    <>
      {user.hasPassword ? <ChangePasswordForm /> : <CreatePasswordCard />}
      <SignInMethods />
    </>
  );
}
