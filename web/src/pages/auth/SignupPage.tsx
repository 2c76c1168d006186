import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useSignup } from '@/api/queries';
import type { Workspace } from '@/api/types';
import { rememberWorkspace } from '@/api/workspaceQueries';
import { EmailField, FormAlert, NameField, NewPasswordField } from '@/components/form/fields';
import { GoogleButton, OrDivider } from '@/components/GoogleButton';
import { Button } from '@/components/ui/Button';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths, safeNextPath, withNext, wsPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateEmail, validateName, validateNewPassword } from '@/lib/validate';

export interface SignupOutcome {
  /** false: no session started (the address may already have an account). */
  signedIn: boolean;
  email: string;
  /** Signing up from an invitation: the workspace joined, or the problem code of why not. */
  workspace: Workspace | null;
  invitationError: string | null;
}

export function SignupForm({
  onDone,
  initialEmail = '',
  invitationToken,
}: {
  onDone: (outcome: SignupOutcome) => void;
  initialEmail?: string;
  invitationToken?: string;
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
      { name: name.trim(), email: address, password, invitationToken },
      {
        onSuccess: (res) =>
          onDone({
            signedIn: !!res.user,
            email: address,
            workspace: res.user ? res.workspace : null,
            invitationError: res.invitationError,
          }),
        onError: form.fail,
      },
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

/** The invitation token when sign-up comes from an acceptance page (?next=/convites/aceitar?token=…). */
export function invitationTokenOf(next: string): string | undefined {
  const url = new URL(next, 'http://app.invalid');
  if (url.pathname !== paths.acceptInvitation) return undefined;
  return url.searchParams.get('token') || undefined;
}

export function SignupPage() {
  usePageTitle(t.auth.signup.title);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const toast = useToast();
  const next = safeNextPath(params.get('next'));
  const invitationToken = invitationTokenOf(next);
  // The acceptance page passes the invited address along.
  const location = useLocation();
  const invitedEmail = (location.state as { invitedEmail?: string } | null)?.invitedEmail;

  const onDone = ({ signedIn, email, workspace, invitationError }: SignupOutcome) => {
    if (!signedIn) {
      navigate(withNext(paths.login, next), { replace: true, state: { signupEmail: email } });
    } else if (workspace) {
      rememberWorkspace(workspace.id);
      toast.success(t.accept.accepted(workspace.name));
      navigate(wsPath(workspace.id), { replace: true });
    } else {
      // Back to the acceptance page, which says why the invitation was not taken.
      navigate(next, { replace: true, state: invitationError ? { invitationError } : undefined });
    }
  };

  return (
    <AuthLayout
      heading={t.auth.signup.heading}
      subheading={invitationToken ? t.auth.signup.invitedSubheading : t.auth.signup.subheading}
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
        onDone={onDone}
        invitationToken={invitationToken}
        initialEmail={invitationToken ? invitedEmail : undefined}
      />
      <OrDivider />
      <GoogleButton next={next} />
    </AuthLayout>
  );
}
