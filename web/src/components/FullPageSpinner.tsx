import { t } from '@/i18n';
import { Spinner } from './ui/Spinner';

export function FullPageSpinner() {
  return (
    <div className="flex min-h-dvh items-center justify-center text-brand-600">
      <Spinner className="size-6" label={t.app.loading} />
    </div>
  );
}
