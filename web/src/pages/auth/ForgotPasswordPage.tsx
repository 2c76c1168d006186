import { useRef, useState } from 'react';
import { ArrowLeft, MailCheck } from 'lucide-react';
import { Link } from 'react-router';
import { useForgotPassword } from '@/api/queries';
import { EmailField, FormAlert } from '@/components/form/fields';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths } from '@/lib/paths';
import { useFocusOnMount, usePageTitle } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';
import { validateEmail } from '@/lib/validate';

function BackToLogin() {
  return (
    <Link
      to={paths.login}
      className="inline-flex items-center gap-1.5 font-medium text-brand-700 hover:text-brand-800 hover:underline"
    >
      <ArrowLeft className="size-4" aria-hidden="true" />
      {t.auth.forgot.backToLogin}
    </Link>
  );
}

function Sent({ email, onAgain }: { email: string; onAgain: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-6 text-center shadow-xs">
      <div className="mx-auto mb-4 flex size-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-600">
        <MailCheck className="size-6" aria-hidden="true" />
      </div>
      <h2 ref={headingRef} tabIndex={-1} className="text-base font-semibold text-slate-900">
        {t.auth.forgot.sentTitle}
      </h2>
      <p className="mt-2 text-sm text-slate-600" role="status">
        {t.auth.forgot.sent(email)}
      </p>
      <p className="mt-3 text-xs text-slate-500">{t.auth.forgot.sentHint}</p>
      <Button variant="outline" className="mt-5" onClick={onAgain}>
        {t.auth.forgot.tryAgain}
      </Button>
    </div>
  );
}

export function ForgotPasswordPage() {
  usePageTitle(t.auth.forgot.title);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const forgot = useForgotPassword();
  const form = useForm({
    initial: { email: '' },
    validate: (v) => ({ email: validateEmail(v.email) }),
  });
  const inputRef = useRef<HTMLInputElement>(null);

  const onValid = ({ email }: typeof form.values) => {
    const address = email.trim();
    forgot.mutate(address, {
      // The answer is the same whether or not the account exists.
      onSuccess: () => setSentTo(address),
      onError: form.fail,
    });
  };

  return (
    <AuthLayout
      heading={t.auth.forgot.heading}
      subheading={sentTo ? undefined : t.auth.forgot.subheading}
      footer={<BackToLogin />}
    >
      {sentTo ? (
        <Sent
          email={sentTo}
          onAgain={() => {
            setSentTo(null);
            forgot.reset();
            form.reset({ email: form.values.email });
            window.setTimeout(() => inputRef.current?.focus(), 0);
          }}
        />
      ) : (
        <form {...form.formProps(onValid)} className="space-y-5">
          <FormAlert form={form} />
          <EmailField ref={inputRef} id="forgot-email" autoFocus {...form.field('email')} />
          <Button type="submit" size="lg" className="w-full" loading={forgot.isPending}>
            {forgot.isPending ? t.auth.forgot.submitting : t.auth.forgot.submit}
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
