import { useState } from 'react';
import { Link } from 'react-router';
import { CheckCircle2, CircleAlert } from 'lucide-react';
import { useChangeEmail, useCurrentUser, useUpdateProfile } from '@/api/queries';
import { CurrentPasswordField, EmailField, FormAlert, NameField } from '@/components/form/fields';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { TextField } from '@/components/ui/Field';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDate } from '@/lib/format';
import { paths } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateEmail, validateName, validateRequired } from '@/lib/validate';

export function ProfileForm() {
  const user = useCurrentUser();
  const update = useUpdateProfile();
  const toast = useToast();
  const form = useForm({
    initial: { name: user.name },
    validate: (v) => ({ name: validateName(v.name) }),
  });

  const onValid = ({ name }: typeof form.values) => {
    const trimmed = name.trim();
    if (trimmed === user.name) {
      form.set('name', trimmed);
      toast.success(t.account.profile.unchanged);
      return;
    }
    update.mutate(
      { name: trimmed },
      {
        onSuccess: (res) => {
          form.set('name', res.user.name);
          toast.success(t.account.profile.saved);
        },
        onError: form.fail,
      },
    );
  };

  return (
    <form {...form.formProps(onValid)}>
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
          <FormAlert form={form} />
          <NameField
            id="profile-name"
            label={t.account.profile.name}
            autoComplete="name"
            {...form.field('name')}
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
  const [sentTo, setSentTo] = useState<string | null>(null);
  const change = useChangeEmail();
  const form = useForm({
    initial: { email: '', password: '' },
    validate: (v) => {
      const email =
        validateEmail(v.email) ??
        (v.email.trim().toLowerCase() === user.email.toLowerCase() ? t.account.email.same : null);
      return { email, password: validateRequired(v.password) };
    },
  });

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

  const onValid = ({ email, password }: typeof form.values) => {
    const address = email.trim();
    change.mutate(
      { email: address, password },
      {
        onSuccess: () => {
          setSentTo(address);
          form.reset();
        },
        onError: form.fail,
      },
    );
  };

  return (
    <form {...form.formProps(onValid)}>
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
          <FormAlert form={form} />
          {sentTo && !change.isError ? (
            <Alert tone="success">{t.account.email.sent(sentTo)}</Alert>
          ) : null}
          <EmailField id="email-new" label={t.account.email.newEmail} {...form.field('email')} />
          <CurrentPasswordField
            id="email-password"
            label={t.account.email.password}
            {...form.field('password')}
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
