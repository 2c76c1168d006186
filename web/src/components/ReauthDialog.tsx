import { useState, type FormEvent, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { fieldErrorsOf, formErrorMessage } from '@/api/errors';
import { useCurrentUser, useReauth } from '@/api/queries';
import { GoogleButton } from '@/components/GoogleButton';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { Dialog } from '@/components/ui/Dialog';
import { PasswordField } from '@/components/ui/Field';
import { t } from '@/i18n';
import { useErrorFocus } from '@/lib/useErrorFocus';
import { validateRequired } from '@/lib/validate';

/**
 * Asks for the password again (POST /auth/reauth) when the server answers
 * 403 recent_auth_required, then lets the caller retry. An account with no
 * password (Google only) confirms by signing in with Google again, which
 * brings the browser back to this page.
 */
export function ReauthDialog({
  open,
  onClose,
  onConfirmed,
}: {
  open: boolean;
  onClose: () => void;
  onConfirmed: () => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const reauth = useReauth();
  const user = useCurrentUser();
  const location = useLocation();
  const { formRef, focusError } = useErrorFocus();

  const close = () => {
    setPassword('');
    setError(null);
    reauth.reset();
    onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateRequired(password);
    setError(found);
    if (found) {
      focusError();
      return;
    }
    reauth.mutate(password, {
      onSuccess: () => {
        setPassword('');
        setError(null);
        onConfirmed();
      },
      onError: (err) => {
        setError(fieldErrorsOf(err).password ?? null);
        focusError();
      },
    });
  };

  const formError = formErrorMessage(reauth.error, ['password']);

  if (!user.hasPassword) {
    return (
      <Dialog
        open={open}
        onClose={close}
        title={t.account.reauth.googleTitle}
        description={t.account.reauth.googleText}
      >
        <div className="mt-4 space-y-3">
          <GoogleButton next={location.pathname} />
          <Button variant="outline" className="w-full" onClick={close}>
            {t.common.cancel}
          </Button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={close} title={t.account.reauth.title} description={t.account.reauth.text}>
      <form ref={formRef} onSubmit={onSubmit} noValidate className="mt-4 space-y-4">
        {formError ? <Alert tone="error">{formError}</Alert> : null}
        <PasswordField
          id="reauth-password"
          label={t.account.reauth.password}
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={error}
        />
        <div className="flex flex-col-reverse gap-2 pt-1 sm:flex-row sm:justify-end">
          <Button variant="outline" onClick={close}>
            {t.common.cancel}
          </Button>
          <Button type="submit" loading={reauth.isPending}>
            {reauth.isPending ? t.account.reauth.submitting : t.account.reauth.submit}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * For an action the server may refuse with recent_auth_required: `ask()`
 * opens the dialog, and once the user confirms, `retry` runs again. Render
 * `dialog` next to the action.
 */
export function useReauthRetry(retry: () => void): { ask: () => void; dialog: ReactNode } {
  const [open, setOpen] = useState(false);
  const dialog = (
    <ReauthDialog
      open={open}
      onClose={() => setOpen(false)}
      onConfirmed={() => {
        setOpen(false);
        retry();
      }}
    />
  );
  return { ask: () => setOpen(true), dialog };
}
