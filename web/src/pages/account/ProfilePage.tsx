import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { CheckCircle2, CircleAlert } from 'lucide-react';
import { fieldErrorsOf, formErrorMessage } from '@/api/errors';
import { useChangeEmail, useCurrentUser, useUpdateProfile } from '@/api/queries';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { PasswordField, TextField } from '@/components/ui/Field';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDate } from '@/lib/format';
import { paths } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useErrorFocus } from '@/lib/useErrorFocus';
import {
  hasErrors,
  validateEmail,
  validateName,
  validateRequired,
  type Errors,
} from '@/lib/validate';

export function ProfileForm() {
  const user = useCurrentUser();
  const [name, setName] = useState(user.name);
  const [error, setError] = useState<string | null>(null);
  const update = useUpdateProfile();
  const toast = useToast();
  const { formRef, focusError } = useErrorFocus();

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateName(name);
    setError(found);
    if (found) {
      focusError();
      return;
    }
    const trimmed = name.trim();
    if (trimmed === user.name) {
      setName(trimmed);
      toast.success(t.account.profile.unchanged);
      return;
    }
    update.mutate(
      { name: trimmed },
      {
        onSuccess: (res) => {
          setName(res.user.name);
          toast.success(t.account.profile.saved);
        },
        onError: (err) => {
          setError(fieldErrorsOf(err).name ?? null);
          focusError();
        },
      },
    );
  };

  const formError = formErrorMessage(update.error, ['name']);

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate>
      <SectionCard
        title={t.account.profile.title}
        description={t.account.profile.description}
        headingId="profile-heading"
        footer={
          <Button type="submit" loading={update.isPending}>
            {update.isPending ? t.common.saving : t.common.save}
          </Button>
        }
      >
        <div className="max-w-md space-y-5">
          {formError ? <Alert tone="error">{formError}</Alert> : null}
          <TextField
            id="profile-name"
            label={t.account.profile.name}
            autoComplete="name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={error}
          />
          <TextField
            id="profile-email"
            label={
              <span className="inline-flex items-center gap-2">
                {t.account.profile.email}
                {user.emailVerified ? (
                  <Badge tone="success">
                    <CheckCircle2 className="size-3" aria-hidden="true" />
                    {t.account.profile.verified}
                  </Badge>
                ) : (
                  <Badge tone="warning">
                    <CircleAlert className="size-3" aria-hidden="true" />
                    {t.account.profile.unverified}
                  </Badge>
                )}
              </span>
            }
            type="email"
            value={user.email}
            readOnly
            hint={t.account.profile.emailHelp}
          />
          <p className="text-xs text-slate-500">
            {t.account.profile.memberSince(formatDate(user.createdAt))}
          </p>
        </div>
      </SectionCard>
    </form>
  );
}

export function ChangeEmailForm() {
  const user = useCurrentUser();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors<'email' | 'password'>>({});
  const [sentTo, setSentTo] = useState<string | null>(null);
  const change = useChangeEmail();
  const { formRef, focusError } = useErrorFocus();

  if (!user.hasPassword) {
    return (
      <SectionCard title={t.account.email.title} headingId="email-heading">
        <Alert tone="info">
          {t.account.email.noPassword}{' '}
          <Link to={paths.accountSecurity} className="font-medium underline">
            {t.account.email.noPasswordLink}
          </Link>
        </Alert>
      </SectionCard>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    const found: Errors<'email' | 'password'> = {
      email: validateEmail(email),
      password: validateRequired(password),
    };
    if (!found.email && address.toLowerCase() === user.email.toLowerCase()) {
      found.email = t.account.email.same;
    }
    setErrors(found);
    if (hasErrors(found)) {
      focusError();
      return;
    }
    change.mutate(
      { email: address, password },
      {
        onSuccess: () => {
          setSentTo(address);
          setEmail('');
          setPassword('');
        },
        onError: (err) => {
          setErrors(fieldErrorsOf(err));
          focusError();
        },
      },
    );
  };

  const formError = formErrorMessage(change.error, ['email', 'password']);

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate>
      <SectionCard
        title={t.account.email.title}
        description={t.account.email.description}
        headingId="email-heading"
        footer={
          <Button type="submit" loading={change.isPending}>
            {change.isPending ? t.account.email.submitting : t.account.email.submit}
          </Button>
        }
      >
        <div className="max-w-md space-y-5">
          {formError ? <Alert tone="error">{formError}</Alert> : null}
          {sentTo && !change.isError ? (
            <Alert tone="success">{t.account.email.sent(sentTo)}</Alert>
          ) : null}
          <TextField
            id="email-new"
            label={t.account.email.newEmail}
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
            id="email-password"
            label={t.account.email.password}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.password}
          />
        </div>
      </SectionCard>
    </form>
  );
}

export function ProfilePage() {
  usePageTitle(t.account.profile.title);
  return (
    <>
      <ProfileForm />
      <ChangeEmailForm />
    </>
  );
}
