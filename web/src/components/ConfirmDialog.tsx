import { useRef } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { Dialog } from '@/components/ui/Dialog';
import { t } from '@/i18n';

/**
 * "Are you sure?" for a destructive action: focus starts on Cancelar (Enter
 * does not destroy anything), the action button shows its progress, and an
 * error stays in the dialog.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  text,
  confirm,
  busy,
  busyLabel,
  onConfirm,
  error,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  text: string;
  confirm: string;
  busy: boolean;
  busyLabel: string;
  onConfirm: () => void;
  error?: string | null;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      description={text}
      initialFocus={cancelRef}
      footer={
        <>
          <Button ref={cancelRef} variant="outline" onClick={onClose}>
            {t.common.cancel}
          </Button>
          <Button variant="danger" loading={busy} onClick={onConfirm}>
            {busy ? busyLabel : confirm}
          </Button>
        </>
      }
    >
      {error ? (
        <Alert tone="error" className="mt-4">
          {error}
        </Alert>
      ) : null}
    </Dialog>
  );
}
