import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { fieldErrorsOf, formErrorMessage } from '@/api/errors';
import { useLogin } from '@/api/queries';
import { GoogleButton, OrDivider } from '@/components/GoogleButton';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { Checkbox, PasswordField, TextField } from '@/components/ui/Field';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths, safeNextPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useErrorFocus } from '@/lib/useErrorFocus';
import { hasErrors, validateEmail, validateRequired, type Errors } from '@/lib/validate';

type Field = 'email' | 'password';

export interface AuthNotice {
  sessionEnded?: boolean;
  passwordReset?: boolean;
  loggedOut?: boolean;
  /** Sign-up answered without a session: the address may already have an account. */
  signupEmail?: string;
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

  const [email, setEmail] = useState(notice.signupEmail ?? '');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const [errors, setErrors] = useState<Errors<Field>>({});
  const login = useLogin();
  const { formRef, focusError } = useErrorFocus();

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const found: Errors<Field> = {
      email: validateEmail(email),
      password: validateRequired(password),
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusError();
      return;
    }
    login.mutate(
      { email: email.trim(), password, remember },
      {
        onSuccess: () => navigate(next, { replace: true }),
        onError: (err) => {
          setErrors(fieldErrorsOf(err));
          focusError();
        },
      },
    );
  };

  const formError = formErrorMessage(login.error, ['email', 'password']);

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
      <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-5">
        {formError ? (
          <Alert tone="error">{formError}</Alert>
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

        <TextField
          id="login-email"
          label={t.auth.email}
          type="email"
          autoComplete="username"
          inputMode="email"
          placeholder={t.auth.emailPlaceholder}
          autoFocus={!notice.signupEmail}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
        />
        <PasswordField
          id="login-password"
          label={t.auth.password}
          autoComplete="current-password"
          required
          autoFocus={!!notice.signupEmail}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
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
          checked={remember}
          onChange={(e) => setRemember(e.target.checked)}
        />
        <Button type="submit" size="lg" className="w-full" loading={login.isPending}>
          {login.isPending ? t.auth.login.submitting : t.auth.login.submit}
        </Button>
      </form>

      <OrDivider />
      <GoogleButton next={next} remember={remember} />
    </AuthLayout>
  );
}
