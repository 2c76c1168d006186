import type { ReactNode } from 'react';
import { useFocusOnMount } from '@/lib/usePage';

/** The page's <h1>, focused on arrival so screen readers announce the page. */
export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  const ref = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        <h1
          ref={ref}
          tabIndex={-1}
          className="text-2xl font-semibold tracking-tight text-slate-900 sm:text-3xl"
        >
          {title}
        </h1>
        {description ? <p className="mt-2 text-sm text-slate-600 sm:text-base">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 gap-3">{actions}</div> : null}
    </div>
  );
}
