import type { ReactNode } from 'react';
import { Check } from 'lucide-react';
import { Link } from 'react-router';
import { Logo } from '@/components/Logo';
import { t } from '@/i18n';
import { paths } from '@/lib/paths';

/** Sign-in pages: a brand panel on wide screens, the form card on the right. */
export function AuthLayout({
  heading,
  subheading,
  children,
  footer,
}: {
  heading: string;
  subheading?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <div className="flex min-h-dvh">
      <aside className="relative hidden w-[44%] max-w-xl overflow-hidden bg-linear-to-br from-brand-700 via-brand-600 to-indigo-500 p-12 text-white lg:flex lg:flex-col">
        <div
          className="absolute -top-24 -right-24 size-96 rounded-full bg-white/10 blur-3xl"
          aria-hidden="true"
        />
        <div
          className="absolute -bottom-32 -left-16 size-96 rounded-full bg-indigo-300/20 blur-3xl"
          aria-hidden="true"
        />
        <Link to={paths.home} className="relative rounded-lg">
          <Logo inverted />
        </Link>
        <div className="relative mt-auto mb-auto max-w-md">
          <p className="text-3xl leading-tight font-semibold tracking-tight">{t.auth.sideTitle}</p>
          <ul className="mt-8 space-y-4">
            {t.auth.sidePoints.map((point) => (
              <li key={point} className="flex items-start gap-3 text-brand-50">
                <span className="mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full bg-white/20">
                  <Check className="size-3.5" aria-hidden="true" />
                </span>
                <span>{point}</span>
              </li>
            ))}
          </ul>
        </div>
        <p className="relative text-sm text-brand-100">{t.app.tagline}</p>
      </aside>

      <main className="flex flex-1 flex-col items-center justify-center px-4 py-10 sm:px-6">
        <div className="w-full max-w-sm">
          <Link to={paths.home} className="mb-8 inline-flex rounded-lg lg:hidden">
            <Logo />
          </Link>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{heading}</h1>
          {subheading ? <p className="mt-2 text-sm text-slate-600">{subheading}</p> : null}
          <div className="mt-8">{children}</div>
          {footer ? <div className="mt-8 text-center text-sm text-slate-600">{footer}</div> : null}
        </div>
      </main>
    </div>
  );
}
