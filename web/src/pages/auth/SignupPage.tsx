import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { fieldErrorsOf, formErrorMessage } from '@/api/errors';
import { useSignup } from '@/api/queries';
import { GoogleButton, OrDivider } from '@/components/GoogleButton';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { PasswordField, TextField } from '@/components/ui/Field';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths, safeNextPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useErrorFocus } from '@/lib/useErrorFocus';
import {
  hasErrors,
  validateEmail,
  validateName,
  validateNewPassword,
  type Errors,
} from '@/lib/validate';

type Field = 'name' | 'email' | 'password';

export function SignupForm({
  onDone,
}: {
  /** signedIn false: no session started (the address may already have an account). */
  onDone: (signedIn: boolean, email: string) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const signup = useSignup();
  const { formRef, focusError } = useErrorFocus();

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const found: Errors<Field> = {
      name: validateName(name),
      email: validateEmail(email),
      password: validateNewPassword(password),
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusError();
      return;
    }
    const address = email.trim();
    signup.mutate(
      { name: name.trim(), email: address, password },
      {
        onSuccess: ({ user }) => onDone(!!user, address),
        onError: (err) => {
          setErrors(fieldErrorsOf(err));
          focusError();
        },
      },
    );
  };

  const formError = formErrorMessage(signup.error, ['name', 'email', 'password']);

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-5">
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      <TextField
        id="signup-name"
        label={t.auth.name}
        autoComplete="name"
        placeholder={t.auth.namePlaceholder}
        autoFocus
        required
        maxLength={200}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.name}
      />
      <TextField
        id="signup-email"
        label={t.auth.email}
        type="email"
        inputMode="email"
        autoComplete="email"
        placeholder={t.auth.emailPlaceholder}
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={errors.email}
      />
      <PasswordField
        id="signup-password"
        label={t.auth.password}
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={errors.password}
        hint={t.auth.passwordHint}
      />
      <Button type="submit" size="lg" className="w-full" loading={signup.isPending}>
        {signup.isPending ? t.auth.signup.submitting : t.auth.signup.submit}
      </Button>
      <p className="text-center text-xs text-slate-500">{t.auth.signup.terms}</p>
    </form>
  );
}

export function SignupPage() {
  usePageTitle(t.auth.signup.title);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNextPath(params.get('next'));

  return (
    <AuthLayout
      heading={t.auth.signup.heading}
      subheading={t.auth.signup.subheading}
      footer={
        <>
          {t.auth.signup.haveAccount}{' '}
          <Link
            to={next === paths.home ? paths.login : `${paths.login}?next=${encodeURIComponent(next)}`}
            className="font-semibold text-brand-700 hover:text-brand-800 hover:underline"
          >
            {t.auth.signup.loginLink}
          </Link>
        </>
      }
    >
      <SignupForm
        onDone={(signedIn, email) =>
          signedIn
            ? navigate(next, { replace: true })
            : navigate(paths.login, { replace: true, state: { signupEmail: email } })
        }
      />
      <OrDivider />
      <GoogleButton next={next} />
    </AuthLayout>
  );
}
