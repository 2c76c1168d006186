import { apiUrl } from '@/api/client';
import { buttonClasses } from '@/components/ui/Button';
import { t } from '@/i18n';

/**
 * The Google sign-in start URL; `next` is where to land afterwards (a path
 * of this app), `remember` the "Lembrar de mim" choice.
 */
export function googleStartUrl(next: string, remember = false): string {
  return apiUrl(
    `/auth/google/start?next=${encodeURIComponent(next)}${remember ? '&remember=1' : ''}`,
  );
}

/** A plain link: the OAuth flow is a full-page navigation handled by the API. */
export function GoogleButton({ next, remember = false }: { next: string; remember?: boolean }) {
  return (
    <a href={googleStartUrl(next, remember)} className={buttonClasses('outline', 'lg', 'w-full')}>
      <svg viewBox="0 0 24 24" className="size-5" aria-hidden="true">
        <path
          fill="#4285F4"
          d="M22.56 12.25c0-.78-.07-1.53-.2-2.25H12v4.26h5.92a5.06 5.06 0 0 1-2.2 3.32v2.77h3.57c2.08-1.92 3.27-4.74 3.27-8.1Z"
        />
        <path
          fill="#34A853"
          d="M12 23c2.97 0 5.46-.98 7.28-2.66l-3.57-2.77c-.98.66-2.23 1.06-3.71 1.06-2.86 0-5.29-1.93-6.16-4.53H2.18v2.84A11 11 0 0 0 12 23Z"
        />
        <path
          fill="#FBBC05"
          d="M5.84 14.1A6.6 6.6 0 0 1 5.5 12c0-.73.13-1.44.34-2.1V7.06H2.18A11 11 0 0 0 1 12c0 1.78.43 3.45 1.18 4.94l3.66-2.84Z"
        />
        <path
          fill="#EA4335"
          d="M12 5.38c1.62 0 3.06.56 4.21 1.64l3.15-3.15A10.56 10.56 0 0 0 12 1 11 11 0 0 0 2.18 7.06l3.66 2.84C6.71 7.3 9.14 5.38 12 5.38Z"
        />
      </svg>
      {t.auth.login.google}
    </a>
  );
}

export function OrDivider() {
  return (
    <div className="relative my-6" role="separator" aria-label={t.common.or}>
      <div className="absolute inset-0 flex items-center" aria-hidden="true">
        <div className="w-full border-t border-slate-200" />
      </div>
      <div className="relative flex justify-center text-xs uppercase" aria-hidden="true">
        <span className="bg-slate-50 px-3 text-slate-500">{t.common.or}</span>
      </div>
    </div>
  );
}
