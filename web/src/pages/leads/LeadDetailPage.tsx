import { useState } from 'react';
import { ArrowLeft, MessagesSquare, UserX } from 'lucide-react';
import { Link, useParams } from 'react-router';
import { isApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import {
  STAGES,
  useAgentList,
  useLead,
  useLeadHistory,
  useLeadMessages,
  usePatchLead,
  usePipelineLive,
  type HistoryEntry,
  type Lead,
  type Stage,
} from '@/api/pipeline';
import { useCurrentWorkspace, useMembers } from '@/api/workspaceQueries';
import { LoadError } from '@/components/LoadError';
import { PageHeader } from '@/components/PageHeader';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button, buttonClasses } from '@/components/ui/Button';
import { Card } from '@/components/ui/Card';
import { EmptyState } from '@/components/ui/EmptyState';
import { SelectField } from '@/components/ui/Field';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/lib/format';
import { wsPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { stageLabel } from './LeadsPage';

const td = t.pipeline.detail;

export function LeadDetailPage() {
  const ws = useCurrentWorkspace();
  const { leadId = '' } = useParams();
  const lead = useLead(ws.id, leadId);
  usePipelineLive(ws.id);
  usePageTitle(lead.data ? lead.data.name || lead.data.phone : t.pipeline.title);

  const back = (
    <Link to={wsPath(ws.id, 'leads')} className="mb-4 inline-flex items-center gap-1.5 text-sm font-medium text-brand-700 hover:underline">
      <ArrowLeft className="size-4" aria-hidden="true" />
      {td.back}
    </Link>
  );

  if (lead.isPending) {
    return (
      <>
        {back}
        <div role="status" aria-label={t.pipeline.loading}>
          <SkeletonRows rows={3} />
        </div>
      </>
    );
  }
  if (lead.isError) {
    if (isApiError(lead.error) && lead.error.status === 404) {
      return (
        <>
          {back}
          <EmptyState icon={UserX} title={td.notFound}>
            {td.notFoundText}
          </EmptyState>
        </>
      );
    }
    return (
      <>
        {back}
        <LoadError title={td.loadError} error={lead.error} onRetry={() => void lead.refetch()} retrying={lead.isRefetching} />
      </>
    );
  }
  return (
    <>
      {back}
      <LeadView lead={lead.data} />
    </>
  );
}

function LeadView({ lead }: { lead: Lead }) {
  const ws = useCurrentWorkspace();
  const members = useMembers(ws.id);
  const agents = useAgentList(ws.id);
  const patch = usePatchLead(ws.id);
  const toast = useToast();
  const [error, setError] = useState<unknown>(null);
  const agentName = lead.agentId ? agents.data?.find((a) => a.id === lead.agentId)?.name : null;

  const save = (p: { stage?: Stage; ownerId?: string | null }, done: string) => {
    setError(null);
    patch.mutate(
      { id: lead.id, lead, patch: p },
      { onSuccess: () => toast.success(done), onError: (err) => setError(err) },
    );
  };

  return (
    <>
      <PageHeader
        title={lead.name || lead.phone}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span>{lead.phone}</span>
            <Badge tone="brand">{stageLabel(lead.stage)}</Badge>
            {lead.takenOver ? <Badge tone="warning">{t.pipeline.takenOverBadge}</Badge> : null}
          </span>
        }
        actions={
          <Link
            to={`${wsPath(ws.id, 'conversations')}?lead=${encodeURIComponent(lead.id)}`}
            className={buttonClasses('outline')}
          >
            <MessagesSquare className="size-4" aria-hidden="true" />
            {td.openInbox}
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-1">
          <Card className="p-5">
            <h2 className="mb-4 text-base font-semibold text-slate-900">{td.info}</h2>
            {error ? (
              <Alert tone="error" title={td.saveFailed}>
                {errorMessage(error)}
              </Alert>
            ) : null}
            <div className="space-y-4">
              <SelectField
                id="lead-stage"
                label={t.pipeline.stage}
                value={lead.stage}
                disabled={patch.isPending}
                onChange={(e) => save({ stage: e.target.value as Stage }, td.stageSaved)}
                options={STAGES.map((s) => ({ value: s, label: stageLabel(s) }))}
              />
              <SelectField
                id="lead-owner"
                label={t.pipeline.owner}
                value={lead.ownerId ?? ''}
                disabled={patch.isPending || members.isPending}
                onChange={(e) => save({ ownerId: e.target.value || null }, td.ownerSaved)}
                options={[
                  { value: '', label: t.pipeline.noOwner },
                  ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
                ]}
              />
              <dl className="space-y-3 text-sm">
                <div>
                  <dt className="font-medium text-slate-800">{td.crmId}</dt>
                  <dd className="mt-0.5 font-mono break-all text-slate-700">{lead.crmId ?? <span className="font-sans text-slate-600">{td.crmNone}</span>}</dd>
                </div>
                <div>
                  <dt className="font-medium text-slate-800">{td.agent}</dt>
                  <dd className="mt-0.5 text-slate-700">{agentName ?? td.noAgent}</dd>
                </div>
                <div>
                  <dt className="font-medium text-slate-800">{td.takenOver}</dt>
                  <dd className="mt-0.5 text-slate-700">{lead.takenOver ? td.takenOverYes : td.takenOverNo}</dd>
                </div>
                <div>
                  <dt className="font-medium text-slate-800">{td.createdAt}</dt>
                  <dd className="mt-0.5 text-slate-700">{formatDateTime(lead.createdAt)}</dd>
                </div>
              </dl>
            </div>
          </Card>
          <History lead={lead} />
        </div>
        <div className="lg:col-span-2">
          <Conversation lead={lead} />
        </div>
      </div>
    </>
  );
}

function historyText(e: HistoryEntry): string {
  if (e.kind === 'stage') return td.historyStage(stageLabel(e.from), stageLabel(e.to));
  return e.to === 'true' ? td.historyTookOver : td.historyHandedBack;
}

function historyBy(e: HistoryEntry): string {
  if (e.actor === 'agent') return td.byAgent;
  if (e.actor === 'system') return td.bySystem;
  return td.byPerson(e.by?.name ?? td.formerMember);
}

function History({ lead }: { lead: Lead }) {
  const ws = useCurrentWorkspace();
  const history = useLeadHistory(ws.id, lead.id);
  return (
    <Card className="p-5">
      <h2 className="mb-4 text-base font-semibold text-slate-900">{td.history}</h2>
      {history.isPending ? (
        <SkeletonRows rows={2} />
      ) : history.isError ? (
        <LoadError title={td.historyError} error={history.error} onRetry={() => void history.refetch()} retrying={history.isRefetching} />
      ) : history.data.length === 0 ? (
        <p className="text-sm text-slate-600">{td.historyEmpty}</p>
      ) : (
        <ol className="space-y-3 border-l border-slate-200 pl-4" data-testid="lead-history">
          {history.data.map((e) => (
            <li key={e.id} className="text-sm">
              <p className="font-medium text-slate-900">{historyText(e)}</p>
              <p className="text-xs text-slate-600">
                <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {historyBy(e)}
              </p>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Conversation({ lead }: { lead: Lead }) {
  const ws = useCurrentWorkspace();
  const messages = useLeadMessages(ws.id, lead.id);
  // Pages come newest first; the conversation reads oldest first.
  const list = (messages.data?.pages.flatMap((p) => p.messages) ?? []).slice().reverse();
  return (
    <Card className="p-5">
      <h2 className="mb-4 text-base font-semibold text-slate-900">{td.conversation}</h2>
      {messages.isPending ? (
        <SkeletonRows rows={3} round />
      ) : messages.isError ? (
        <LoadError title={td.messagesError} error={messages.error} onRetry={() => void messages.refetch()} retrying={messages.isRefetching} />
      ) : list.length === 0 ? (
        <p className="text-sm text-slate-600">{td.noMessages}</p>
      ) : (
        <>
          {messages.hasNextPage ? (
            <div className="mb-3 text-center">
              <Button variant="ghost" size="sm" loading={messages.isFetchingNextPage} onClick={() => void messages.fetchNextPage()}>
                {td.olderMessages}
              </Button>
            </div>
          ) : null}
          <ol className="space-y-3" aria-label={td.conversation}>
            {list.map((m) => (
              <li key={m.id} className={cn('flex', m.direction === 'out' ? 'justify-end' : 'justify-start')}>
                <div
                  className={cn(
                    'max-w-[85%] rounded-2xl px-4 py-2 text-sm',
                    m.direction === 'out' ? 'bg-brand-50 text-slate-900' : 'bg-slate-100 text-slate-900',
                  )}
                >
                  <p className="text-xs font-semibold text-slate-700">{td.authors[m.author] ?? m.author}</p>
                  <p className="break-words whitespace-pre-wrap">{m.text}</p>
                  <p className="mt-1 text-right text-xs text-slate-600">
                    <time dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
                  </p>
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}
