import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useLogin } from '@/api/queries';
import { CurrentPasswordField, EmailField, FormAlert } from '@/components/form/fields';
import { GoogleButton, OrDivider } from '@/components/GoogleButton';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { Checkbox } from '@/components/ui/Field';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths, safeNextPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateEmail, validateRequired } from '@/lib/validate';

export interface AuthNotice {
  sessionEnded?: boolean;
  passwordReset?: boolean;
  loggedOut?: boolean;
  /** Sign-up answered without a session: the address may already have an account. */
  signupEmail?: string;
  /** Coming from an invitation link: the invited address. */
  invitedEmail?: string;
}

export function LoginPage() {
  usePageTitle(t.auth.login.title);
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const next = safeNextPath(params.get('next'));
  const notice = (location.state ?? {}) as AuthNotice;
  // The Google callback lands here with ?erro=<code> when the sign-in failed.
  const oauthCode = params.get('erro') ?? params.get('error');
  const oauthError = oauthCode
    ? Object.hasOwn(t.errors.google, oauthCode)
      ? t.errors.google[oauthCode]!
      : t.errors.googleFailed
    : null;

  const form = useForm({
    initial: {
      email: notice.signupEmail ?? notice.invitedEmail ?? '',
      password: '',
      remember: false,
    },
    validate: (v) => ({ email: validateEmail(v.email), password: validateRequired(v.password) }),
  });
  const login = useLogin();

  const onValid = ({ email, password, remember }: typeof form.values) =>
    login.mutate(
      { email: email.trim(), password, remember },
      { onSuccess: () => navigate(next, { replace: true }), onError: form.fail },
    );

  return (
    <AuthLayout
      heading={t.auth.login.heading}
      subheading={t.auth.login.subheading}
      footer={
        <>
          {t.auth.login.noAccount}{' '}
          <Link
            to={next === paths.home ? paths.signup : `${paths.signup}?next=${encodeURIComponent(next)}`}
            className="font-semibold text-brand-700 hover:text-brand-800 hover:underline"
          >
            {t.auth.login.signUpLink}
          </Link>
        </>
      }
    >
      <form {...form.formProps(onValid)} className="space-y-5">
        {form.formError ? (
          <FormAlert form={form} />
        ) : oauthError ? (
          <Alert tone="error">{oauthError}</Alert>
        ) : notice.signupEmail ? (
          <Alert tone="info">{t.auth.signup.checkEmail(notice.signupEmail)}</Alert>
        ) : notice.passwordReset ? (
          <Alert tone="success">{t.auth.login.passwordChanged}</Alert>
        ) : notice.sessionEnded ? (
          <Alert tone="info">{t.auth.login.sessionEnded}</Alert>
        ) : notice.loggedOut ? (
          <Alert tone="success">{t.auth.login.loggedOut}</Alert>
        ) : null}

        <EmailField
          id="login-email"
          autoComplete="username"
          autoFocus={!notice.signupEmail && !notice.invitedEmail}
          {...form.field('email')}
        />
        <CurrentPasswordField
          id="login-password"
          autoFocus={!!(notice.signupEmail || notice.invitedEmail)}
          {...form.field('password')}
          labelAside={
            <Link
              to={paths.forgotPassword}
              className="text-sm font-medium text-brand-700 hover:text-brand-800 hover:underline"
            >
              {t.auth.login.forgot}
            </Link>
          }
        />
        <Checkbox
          id="login-remember"
          label={t.auth.login.remember}
          hint={t.auth.login.rememberHint}
          {...form.checkbox('remember')}
        />
        <Button type="submit" size="lg" className="w-full" loading={login.isPending}>
          {login.isPending ? t.auth.login.submitting : t.auth.login.submit}
        </Button>
      </form>

      <OrDivider />
      <GoogleButton next={next} remember={form.values.remember} />
    </AuthLayout>
  );
}
