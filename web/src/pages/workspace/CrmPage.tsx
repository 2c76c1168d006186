/**
 * Configurações → CRM (owners and admins): the endpoint form, the secret
 * shown once when it is made (creation, rotation), "enviar teste", and the
 * delivery log with "reenviar" for failed and dead deliveries.
 */
import { useRef, useState } from 'react';
import { Copy, KeyRound, RefreshCw, Send, Trash2, Webhook } from 'lucide-react';
import { errorMessage } from '@/api/errors';
import {
  useCrm,
  useCrmDeliveries,
  useRedeliver,
  useRemoveCrm,
  useRotateCrm,
  useSaveCrm,
  useSendCrmTest,
} from '@/api/crmQueries';
import type { CrmDelivery, CrmEndpoint, CrmEvent } from '@/api/types';
import { useCurrentWorkspace } from '@/api/workspaceQueries';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { FormAlert } from '@/components/form/fields';
import { ListCard } from '@/components/ListCard';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { Dialog } from '@/components/ui/Dialog';
import { EmptyState } from '@/components/ui/EmptyState';
import { Checkbox, TextField } from '@/components/ui/Field';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';

const ID_FIELD = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,3}$/;

/** The checks the server makes too, so most mistakes are caught before a round trip. */
export function validateCrmUrl(url: string): string | null {
  const v = url.trim();
  if (!v) return t.validation.required;
  if (!/^https?:\/\/[^\s/?#]+/i.test(v) || v.length > 2048) return t.crm.urlInvalid;
  return null;
}

function SecretReveal({ secret, onDone }: { secret: string; onDone: () => void }) {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      toast.success(t.crm.copied);
    } catch {
      toast.error(t.crm.copyFailed);
    }
  };
  return (
    <Alert tone="success" title={t.crm.secretTitle}>
      <p>{t.crm.secretText}</p>
      <code
        data-testid="crm-secret"
        className="mt-2 block rounded-md bg-white px-3 py-2 font-mono text-sm break-all text-slate-900 ring-1 ring-emerald-200 select-all"
      >
        {secret}
      </code>
      <div className="mt-3 flex flex-wrap gap-2">
        <Button size="sm" variant="outline" onClick={() => void copy()}>
          <Copy className="size-4" aria-hidden="true" />
          {t.crm.copy}
        </Button>
        <Button size="sm" onClick={onDone}>
          {t.crm.secretDone}
        </Button>
      </div>
    </Alert>
  );
}

function EndpointForm({
  crm,
  onSecret,
}: {
  crm: CrmEndpoint | null;
  onSecret: (secret: string) => void;
}) {
  const ws = useCurrentWorkspace();
  const save = useSaveCrm(ws.id);
  const toast = useToast();
  const form = useForm({
    initial: {
      url: crm?.url ?? '',
      qualified: crm ? crm.events.includes('lead.qualified') : true,
      stageChanged: crm ? crm.events.includes('lead.stage_changed') : true,
      idField: crm && crm.idField !== 'id' ? crm.idField : '',
    },
    validate: (v) => ({
      url: validateCrmUrl(v.url),
      qualified: v.qualified || v.stageChanged ? null : t.crm.eventsRequired,
      idField: v.idField.trim() && !ID_FIELD.test(v.idField.trim()) ? t.crm.idFieldInvalid : null,
    }),
    rename: { events: 'qualified' },
    fieldMessage: (field, code) => {
      if (field === 'events') return t.crm.eventsRequired;
      if (field === 'idField') return t.crm.idFieldInvalid;
      if (field === 'url' && code === 'not_allowed') return t.crm.urlInvalid;
      return undefined;
    },
  });

  const onValid = (v: typeof form.values) => {
    const events: CrmEvent[] = [];
    if (v.qualified) events.push('lead.qualified');
    if (v.stageChanged) events.push('lead.stage_changed');
    const idField = v.idField.trim();
    save.mutate(
      { url: v.url.trim(), events, ...(idField ? { idField } : {}) },
      {
        onSuccess: (saved) => {
          form.reset({ url: saved.url });
          if (saved.secret) onSecret(saved.secret);
          toast.success(t.crm.saved);
        },
        onError: (err) => form.fail(err),
      },
    );
  };

  return (
    <form {...form.formProps(onValid)}>
      <SectionCard
        title={t.crm.title}
        description={t.crm.description}
        headingId="crm-heading"
        footer={
          <Button type="submit" loading={save.isPending}>
            <Webhook className="size-4" aria-hidden="true" />
            {save.isPending ? t.crm.saving : crm ? t.crm.save : t.crm.create}
          </Button>
        }
      >
        <div className="space-y-5">
          <FormAlert form={form} />
          {crm && !crm.enabled ? (
            <Alert tone="warning" title={t.crm.disabledTitle}>
              {t.crm.disabledText}
            </Alert>
          ) : null}
          <TextField
            id="crm-url"
            label={t.crm.url}
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://crm.suaempresa.com.br/webhooks/piloto"
            hint={t.crm.urlHint}
            required
            {...form.field('url')}
          />
          <fieldset aria-describedby={form.errors.qualified ? 'crm-events-error' : undefined}>
            <legend className="text-sm font-medium text-slate-800">{t.crm.events}</legend>
            <div className="mt-2 space-y-3">
              <Checkbox
                id="crm-ev-qualified"
                label={t.crm.eventQualified}
                hint={t.crm.eventQualifiedHint}
                {...form.checkbox('qualified')}
              />
              <Checkbox
                id="crm-ev-stage"
                label={t.crm.eventStageChanged}
                hint={t.crm.eventStageChangedHint}
                {...form.checkbox('stageChanged')}
              />
            </div>
            {form.errors.qualified ? (
              <p id="crm-events-error" className="mt-2 text-sm text-red-700" role="alert">
                {form.errors.qualified}
              </p>
            ) : null}
          </fieldset>
          <TextField
            id="crm-id-field"
            label={t.crm.idField}
            autoComplete="off"
            placeholder="id"
            hint={t.crm.idFieldHint}
            maxLength={64}
            {...form.field('idField')}
          />
        </div>
      </SectionCard>
    </form>
  );
}

function Actions({ crm, onSecret }: { crm: CrmEndpoint; onSecret: (secret: string) => void }) {
  const ws = useCurrentWorkspace();
  const toast = useToast();
  const sendTest = useSendCrmTest(ws.id);
  const rotate = useRotateCrm(ws.id);
  const remove = useRemoveCrm(ws.id);
  const [confirm, setConfirm] = useState<'rotate' | 'remove' | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  return (
    <SectionCard title={t.crm.actions} headingId="crm-actions-heading">
      <div className="space-y-4">
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          <span className="break-all">{crm.url}</span>
          {crm.enabled ? (
            <Badge tone="success">{t.crm.active}</Badge>
          ) : (
            <Badge tone="danger">{t.crm.disabled}</Badge>
          )}
        </p>
        {crm.previousSecretUntil ? (
          <p className="text-xs text-slate-500">
            {t.crm.rotating(formatDateTime(crm.previousSecretUntil))}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button
            variant="outline"
            loading={sendTest.isPending}
            disabled={!crm.enabled}
            onClick={() =>
              sendTest.mutate(undefined, {
                onSuccess: () => toast.success(t.crm.testQueued),
                onError: (err) => toast.error(errorMessage(err)),
              })
            }
          >
            <Send className="size-4" aria-hidden="true" />
            {sendTest.isPending ? t.crm.sendingTest : t.crm.sendTest}
          </Button>
          <Button variant="outline" onClick={() => setConfirm('rotate')}>
            <KeyRound className="size-4" aria-hidden="true" />
            {t.crm.rotate}
          </Button>
          <Button variant="danger-outline" onClick={() => setConfirm('remove')}>
            <Trash2 className="size-4" aria-hidden="true" />
            {t.crm.remove}
          </Button>
        </div>
      </div>
      <Dialog
        open={confirm === 'rotate'}
        onClose={() => setConfirm(null)}
        title={t.crm.rotateTitle}
        description={t.crm.rotateText}
        initialFocus={cancelRef}
        footer={
          <>
            <Button ref={cancelRef} variant="outline" onClick={() => setConfirm(null)}>
              {t.common.cancel}
            </Button>
            <Button
              loading={rotate.isPending}
              onClick={() =>
                rotate.mutate(undefined, {
                  onSuccess: (next) => {
                    setConfirm(null);
                    if (next.secret) onSecret(next.secret);
                  },
                  onError: (err) => toast.error(errorMessage(err)),
                })
              }
            >
              {t.crm.rotateConfirm}
            </Button>
          </>
        }
      />
      <ConfirmDialog
        open={confirm === 'remove'}
        onClose={() => {
          remove.reset();
          setConfirm(null);
        }}
        title={t.crm.removeTitle}
        text={t.crm.removeText}
        confirm={t.crm.removeConfirm}
        busy={remove.isPending}
        busyLabel={t.crm.removing}
        error={remove.error ? errorMessage(remove.error) : null}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => {
              setConfirm(null);
              toast.success(t.crm.removed);
            },
          })
        }
      />
    </SectionCard>
  );
}

function statusTone(status: string) {
  if (status === 'delivered') return 'success' as const;
  if (status === 'pending') return 'brand' as const;
  return 'danger' as const;
}

function eventName(event: string): string {
  return Object.hasOwn(t.crm.eventNames, event) ? t.crm.eventNames[event]! : event;
}

function When({ iso }: { iso: string | null }) {
  if (!iso) return <>{t.crm.none}</>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

function DeliveryRow({ d, canResend }: { d: CrmDelivery; canResend: boolean }) {
  const ws = useCurrentWorkspace();
  const redeliver = useRedeliver(ws.id);
  const toast = useToast();
  const resendable = canResend && (d.status === 'failed' || d.status === 'dead');
  return (
    <tr className="align-top">
      <td className="py-3 pr-3 pl-5 text-sm text-slate-900">
        <p className="font-medium">{eventName(d.event)}</p>
        <p className="text-xs text-slate-500">
          <When iso={d.createdAt} />
        </p>
      </td>
      <td className="px-3 py-3 text-sm">
        <Badge tone={statusTone(d.status)}>{t.crm.status[d.status] ?? d.status}</Badge>
      </td>
      <td className="px-3 py-3 text-sm text-slate-700">{d.attempts}</td>
      <td className="px-3 py-3 text-sm text-slate-700">
        <p>{d.lastStatus ?? (d.lastAttemptAt ? t.crm.noAnswer : t.crm.none)}</p>
        {d.lastError ? <p className="text-xs break-words text-slate-500">{d.lastError}</p> : null}
        <p className="text-xs text-slate-500">
          <When iso={d.lastAttemptAt} />
        </p>
      </td>
      <td className="px-3 py-3 text-sm text-slate-700">
        <When iso={d.nextAttemptAt} />
      </td>
      <td className="py-3 pr-5 pl-3 text-right">
        {resendable ? (
          <Button
            size="sm"
            variant="outline"
            loading={redeliver.isPending}
            aria-label={t.crm.redeliverLabel(eventName(d.event), formatDateTime(d.createdAt))}
            onClick={() =>
              redeliver.mutate(d.id, {
                onSuccess: () => toast.success(t.crm.redelivered),
                onError: (err) => toast.error(errorMessage(err)),
              })
            }
          >
            {t.crm.redeliver}
          </Button>
        ) : null}
      </td>
    </tr>
  );
}

function DeliveryLog({ enabled }: { enabled: boolean }) {
  const ws = useCurrentWorkspace();
  const log = useCrmDeliveries(ws.id, true);
  const rows = log.data?.pages.flatMap((p) => p.deliveries) ?? [];

  let content;
  if (log.isPending) {
    content = (
      <p className="px-5 py-4 text-sm text-slate-500" role="status">
        {t.app.loading}
      </p>
    );
  } else if (log.isError && rows.length === 0) {
    content = (
      <div className="p-5">
        <Alert tone="error" title={t.crm.logError}>
          {errorMessage(log.error)}
        </Alert>
      </div>
    );
  } else if (rows.length === 0) {
    content = <EmptyState icon={Webhook} title={t.crm.logEmpty} className="m-5 border-0 py-8" />;
  } else {
    content = (
      <>
        <div className="overflow-x-auto">
          <table className="w-full min-w-[44rem]" aria-labelledby="crm-log-heading">
            <thead>
              <tr className="border-b border-slate-100 text-left text-xs font-medium text-slate-500">
                <th scope="col" className="py-2 pr-3 pl-5">{t.crm.colEvent}</th>
                <th scope="col" className="px-3 py-2">{t.crm.colStatus}</th>
                <th scope="col" className="px-3 py-2">{t.crm.colAttempts}</th>
                <th scope="col" className="px-3 py-2">{t.crm.colLast}</th>
                <th scope="col" className="px-3 py-2">{t.crm.colNext}</th>
                <th scope="col" className="py-2 pr-5 pl-3">
                  <span className="sr-only">{t.crm.redeliver}</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((d) => (
                <DeliveryRow key={d.id} d={d} canResend={enabled} />
              ))}
            </tbody>
          </table>
        </div>
        {log.hasNextPage ? (
          <div className="border-t border-slate-100 px-5 py-4 text-center">
            <Button
              variant="outline"
              loading={log.isFetchingNextPage}
              onClick={() => void log.fetchNextPage()}
            >
              {log.isFetchingNextPage ? t.crm.loadingMore : t.crm.loadMore}
            </Button>
          </div>
        ) : null}
      </>
    );
  }

  return (
    <ListCard
      headingId="crm-log-heading"
      title={t.crm.log}
      description={t.crm.logDescription}
      action={
        <Button
          size="sm"
          variant="outline"
          loading={log.isRefetching}
          onClick={() => void log.refetch()}
        >
          <RefreshCw className="size-4" aria-hidden="true" />
          {t.crm.refresh}
        </Button>
      }
    >
      {content}
    </ListCard>
  );
}

export function CrmPage() {
  usePageTitle(t.crm.title);
  const ws = useCurrentWorkspace();
  const crm = useCrm(ws.id);
  // The secret lives only here, in memory, until the admin says it is kept.
  const [secret, setSecret] = useState<string | null>(null);

  if (crm.isPending) {
    return (
      <p className="text-sm text-slate-500" role="status">
        {t.app.loading}
      </p>
    );
  }
  if (crm.isError) {
    return (
      <Alert tone="error" title={t.crm.loadError}>
        {errorMessage(crm.error)}
      </Alert>
    );
  }
  const endpoint = crm.data;
  return (
    <>
      {secret ? <SecretReveal secret={secret} onDone={() => setSecret(null)} /> : null}
      <EndpointForm key={endpoint ? 'edit' : 'new'} crm={endpoint} onSecret={setSecret} />
      {endpoint ? <Actions crm={endpoint} onSecret={setSecret} /> : null}
      {endpoint ? <DeliveryLog enabled={endpoint.enabled} /> : null}
    </>
  );
}
