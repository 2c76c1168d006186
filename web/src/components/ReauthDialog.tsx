import { useState, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { useCurrentUser, useReauth } from '@/api/queries';
import { CurrentPasswordField, FormAlert } from '@/components/form/fields';
import { GoogleButton } from '@/components/GoogleButton';
import { Button } from '@/components/ui/Button';
import { Dialog } from '@/components/ui/Dialog';
import { t } from '@/i18n';
import { useForm } from '@/lib/useForm';
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
  const reauth = useReauth();
  const user = useCurrentUser();
  const location = useLocation();
  const form = useForm({
    initial: { password: '' },
    validate: (v) => ({ password: validateRequired(v.password) }),
  });

  const close = () => {
    form.reset();
    reauth.reset();
    onClose();
  };

  const onValid = ({ password }: typeof form.values) =>
    reauth.mutate(password, {
      onSuccess: () => {
        form.reset();
        onConfirmed();
      },
      onError: form.fail,
    });

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
      <form {...form.formProps(onValid)} className="mt-4 space-y-4">
        <FormAlert form={form} />
        <CurrentPasswordField
          id="reauth-password"
          label={t.account.reauth.password}
          {...form.field('password')}
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
