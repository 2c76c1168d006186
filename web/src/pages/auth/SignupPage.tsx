import { Link, useNavigate, useSearchParams } from 'react-router';
import { useSignup } from '@/api/queries';
import { EmailField, FormAlert, NameField, NewPasswordField } from '@/components/form/fields';
import { GoogleButton, OrDivider } from '@/components/GoogleButton';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths, safeNextPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateEmail, validateName, validateNewPassword } from '@/lib/validate';

export function SignupForm({
  onDone,
  initialEmail = '',
}: {
  /** signedIn false: no session started (the address may already have an account). */
  onDone: (signedIn: boolean, email: string) => void;
  initialEmail?: string;
}) {
  const form = useForm({
    initial: { name: '', email: initialEmail, password: '' },
    validate: (v) => ({
      name: validateName(v.name),
      email: validateEmail(v.email),
      password: validateNewPassword(v.password),
    }),
  });
  const signup = useSignup();

  const onValid = ({ name, email, password }: typeof form.values) => {
    const address = email.trim();
    signup.mutate(
      { name: name.trim(), email: address, password },
      { onSuccess: ({ user }) => onDone(!!user, address), onError: form.fail },
    );
  };

  return (
    <form {...form.formProps(onValid)} className="space-y-5">
      <FormAlert form={form} />
      <NameField
        id="signup-name"
        autoComplete="name"
        placeholder={t.auth.namePlaceholder}
        autoFocus
        {...form.field('name')}
      />
      <EmailField id="signup-email" {...form.field('email')} />
      <NewPasswordField id="signup-password" {...form.field('password')} />
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
