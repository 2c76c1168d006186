import { useEffect, useRef } from 'react';
import { CheckCircle2, XCircle } from 'lucide-react';
import { Link, useSearchParams } from 'react-router';
import { ApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import { useSession, useVerifyEmail } from '@/api/queries';
import { buttonClasses } from '@/components/ui/Button';
import { Spinner } from '@/components/ui/Spinner';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { paths } from '@/lib/paths';
import { useFocusOnMount, usePageTitle } from '@/lib/usePage';

function isTokenError(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    (err.code === 'validation_failed' ||
      err.code === 'invalid_request' ||
      err.code === 'not_found' ||
      err.status === 410)
  );
}

function Outcome({ ok, title, text }: { ok: boolean; title: string; text: string }) {
  const { data: user } = useSession();
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const Icon = ok ? CheckCircle2 : XCircle;
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-6 text-center shadow-xs">
      <div
        className={
          ok
            ? 'mx-auto mb-4 flex size-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-600'
            : 'mx-auto mb-4 flex size-12 items-center justify-center rounded-full bg-red-50 text-red-600'
        }
      >
        <Icon className="size-6" aria-hidden="true" />
      </div>
      <h2 ref={headingRef} tabIndex={-1} className="text-base font-semibold text-slate-900">
        {title}
      </h2>
      <p className="mt-2 text-sm text-slate-600" role={ok ? 'status' : 'alert'}>
        {text}
      </p>
      <Link to={user ? paths.home : paths.login} className={buttonClasses('primary', 'md', 'mt-5')}>
        {user ? t.auth.verify.goToApp : t.auth.verify.goToLogin}
      </Link>
    </div>
  );
}

export function VerifyEmailPage() {
  usePageTitle(t.auth.verify.title);
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const verify = useVerifyEmail();
  const started = useRef(false);

  useEffect(() => {
    // Once per page load (StrictMode mounts effects twice in development).
    if (!token || started.current) return;
    started.current = true;
    verify.mutate(token);
  }, [token, verify]);

  let body;
  if (!token) {
    body = <Outcome ok={false} title={t.auth.verify.failedTitle} text={t.auth.verify.missingToken} />;
  } else if (verify.isSuccess) {
    body = <Outcome ok title={t.auth.verify.doneTitle} text={t.auth.verify.done} />;
  } else if (verify.isError) {
    body = (
      <Outcome
        ok={false}
        title={t.auth.verify.failedTitle}
        text={
          isTokenError(verify.error)
            ? t.auth.verify.invalidToken
            : verify.error instanceof ApiError && verify.error.code === 'conflict'
              ? t.auth.verify.conflict
              : errorMessage(verify.error)
        }
      />
    );
  } else {
    body = (
      <div className="flex items-center justify-center gap-3 rounded-xl border border-slate-200 bg-white p-8 text-sm text-slate-600 shadow-xs">
        <Spinner className="text-brand-600" />
        <span role="status">{t.auth.verify.verifying}</span>
      </div>
    );
  }

  return <AuthLayout heading={t.auth.verify.title}>{body}</AuthLayout>;
}
