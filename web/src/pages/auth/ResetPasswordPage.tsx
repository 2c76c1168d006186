import { useState } from 'react';
import { CheckCircle2 } from 'lucide-react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '@/api/client';
import { useResetPassword } from '@/api/queries';
import { Alert } from '@/components/ui/Alert';
import { FormAlert, NewPasswordField } from '@/components/form/fields';
import { Button, buttonClasses } from '@/components/ui/Button';
import { PasswordField } from '@/components/ui/Field';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths } from '@/lib/paths';
import { useFocusOnMount, usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateConfirmation, validateNewPassword } from '@/lib/validate';

/** A token problem: the link itself is bad, whatever the user types. */
function isTokenError(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.fieldErrors.some((f) => f.field === 'token')) return true;
  return err.code === 'not_found' || err.code === 'invalid_request' || err.status === 410;
}

function InvalidLink({ message }: { message: string }) {
  return (
    <div className="space-y-5">
      <Alert tone="error">{message}</Alert>
      <Link to={paths.forgotPassword} className={buttonClasses('primary', 'lg', 'w-full')}>
        {t.auth.reset.requestNew}
      </Link>
    </div>
  );
}

function Done({ signedIn }: { signedIn: boolean }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-6 text-center shadow-xs">
      <div className="mx-auto mb-4 flex size-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-600">
        <CheckCircle2 className="size-6" aria-hidden="true" />
      </div>
      <h2 ref={headingRef} tabIndex={-1} className="text-base font-semibold text-slate-900">
        {t.auth.reset.doneTitle}
      </h2>
      <p className="mt-2 text-sm text-slate-600" role="status">
        {t.auth.reset.done}
      </p>
      <Link
        to={signedIn ? paths.home : paths.login}
        state={signedIn ? undefined : { passwordReset: true }}
        className={buttonClasses('primary', 'md', 'mt-5')}
      >
        {signedIn ? t.auth.reset.goToApp : t.auth.reset.goToLogin}
      </Link>
    </div>
  );
}

export function ResetPasswordPage() {
  usePageTitle(t.auth.reset.title);
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const [done, setDone] = useState<null | { signedIn: boolean }>(null);
  const reset = useResetPassword();
  const form = useForm({
    initial: { password: '', confirm: '' },
    validate: (v) => ({
      password: validateNewPassword(v.password),
      confirm: validateConfirmation(v.password, v.confirm),
    }),
  });

  const onValid = ({ password }: typeof form.values) =>
    reset.mutate(
      { token, password },
      {
        onSuccess: (res) => {
          const signedIn = !!(res && res.user);
          setDone({ signedIn });
          if (!signedIn) navigate(paths.login, { replace: true, state: { passwordReset: true } });
        },
        onError: form.fail,
      },
    );

  let body;
  if (!token) {
    body = <InvalidLink message={t.auth.reset.missingToken} />;
  } else if (done) {
    body = <Done signedIn={done.signedIn} />;
  } else if (isTokenError(form.serverError)) {
    body = <InvalidLink message={t.auth.reset.invalidToken} />;
  } else {
    body = (
      <form {...form.formProps(onValid)} className="space-y-5">
        <FormAlert form={form} />
        <NewPasswordField
          id="reset-password"
          label={t.auth.reset.newPassword}
          autoFocus
          {...form.field('password')}
        />
        <PasswordField
          id="reset-confirm"
          label={t.auth.reset.confirm}
          autoComplete="new-password"
          required
          {...form.field('confirm')}
        />
        <Button type="submit" size="lg" className="w-full" loading={reset.isPending}>
          {reset.isPending ? t.auth.reset.submitting : t.auth.reset.submit}
        </Button>
      </form>
    );
  }

  return (
    <AuthLayout heading={t.auth.reset.heading} subheading={t.auth.reset.subheading}>
      {body}
    </AuthLayout>
  );
}
