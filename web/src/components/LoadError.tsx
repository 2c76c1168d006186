import { RefreshCw } from 'lucide-react';
import { errorMessage } from '@/api/errors';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';

/** A list or page that could not load: what failed, why, and "Tentar novamente". */
export function LoadError({
  title,
  error,
  onRetry,
  retrying,
  className,
}: {
  title: string;
  error: unknown;
  onRetry: () => void;
  retrying: boolean;
  className?: string;
}) {
  return (
    <div className={cn('space-y-4', className)}>
      <Alert tone="error" title={title}>
        {errorMessage(error)}
      </Alert>
      <Button variant="outline" onClick={onRetry} loading={retrying}>
        <RefreshCw className="size-4" aria-hidden="true" />
        {t.common.retry}
      </Button>
    </div>
  );
}
