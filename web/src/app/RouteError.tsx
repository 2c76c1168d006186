import { TriangleAlert } from 'lucide-react';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';

/** Last resort when a page throws while rendering. */
export function RouteError() {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center px-4 text-center">
      <span className="mb-4 flex size-12 items-center justify-center rounded-full bg-red-50 text-red-600">
        <TriangleAlert className="size-6" aria-hidden="true" />
      </span>
      <h1 className="text-xl font-semibold text-slate-900">{t.app.crashTitle}</h1>
      <p className="mt-2 max-w-sm text-sm text-slate-600">{t.app.crashText}</p>
      <Button className="mt-6" onClick={() => window.location.reload()}>
        {t.app.reload}
      </Button>
    </div>
  );
}
