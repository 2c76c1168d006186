import { Link } from 'react-router';
import { buttonClasses } from '@/components/ui/Button';
import { t } from '@/i18n';
import { paths } from '@/lib/paths';
import { useFocusOnMount, usePageTitle } from '@/lib/usePage';

export function NotFoundPage() {
  usePageTitle(t.app.notFoundTitle);
  const ref = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="flex min-h-[60dvh] flex-col items-center justify-center px-4 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 ref={ref} tabIndex={-1} className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">
        {t.app.notFoundTitle}
      </h1>
      <p className="mt-2 text-sm text-slate-600">{t.app.notFoundText}</p>
      <Link to={paths.home} className={buttonClasses('primary', 'md', 'mt-6')}>
        {t.app.backHome}
      </Link>
    </div>
  );
}
