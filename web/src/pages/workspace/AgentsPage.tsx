import { useState, type TextareaHTMLAttributes } from 'react';
import { Bot, MessageSquareText, Plus, Send } from 'lucide-react';
import {
  parseHandoffWords,
  useAgents,
  useDeleteAgent,
  useDocuments,
  usePlayground,
  useSaveAgent,
  type Agent,
  type AgentInput,
  type PlaygroundAnswer,
  type PlaygroundTurn,
} from '@/api/agents';
import { errorMessage } from '@/api/errors';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { FormAlert } from '@/components/form/fields';
import { LoadError } from '@/components/LoadError';
import { PageHeader } from '@/components/PageHeader';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { Card, SectionCard } from '@/components/ui/Card';
import { EmptyState } from '@/components/ui/EmptyState';
import {
  Checkbox,
  FieldShell,
  inputClasses,
  PasswordField,
  TextField,
} from '@/components/ui/Field';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';
import { validateName, validateRequired } from '@/lib/validate';

const tx = t.agents;

function TextAreaField({
  id,
  label,
  hint,
  error,
  className,
  ...rest
}: Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> & {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
}) {
  return (
    <FieldShell id={id} label={label} hint={hint} error={error}>
      {(aria) => (
        <textarea
          rows={4}
          {...rest}
          {...aria}
          className={inputClasses(!!error, cn('h-auto py-2', className))}
        />
      )}
    </FieldShell>
  );
}

/** Validation of the numbers the form holds as text. */
export function validateTemperature(v: string): string | null {
  const n = Number(v.replace(',', '.'));
  return v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 2 ? tx.form.temperatureInvalid : null;
}

export function validateDebounce(v: string): string | null {
  return /^\d{1,3}$/.test(v.trim()) && Number(v) <= 300 ? null : tx.form.debounceInvalid;
}

export function validatePhoneNumberId(v: string): string | null {
  return validateRequired(v) ?? (/^\d{1,32}$/.test(v.trim()) ? null : tx.form.phoneNumberIdInvalid);
}

function AgentForm({ agent, onDone }: { agent: Agent | null; onDone: () => void }) {
  const ws = useCurrentWorkspace();
  const save = useSaveAgent(ws.id);
  const docs = useDocuments(ws.id);
  const toast = useToast();
  const [chosen, setChosen] = useState<string[]>(agent?.documentIds ?? []);
  const form = useForm({
    initial: {
      name: agent?.name ?? '',
      persona: agent?.persona ?? '',
      instructions: agent?.instructions ?? '',
      model: agent && !agent.defaultModel ? agent.model : '',
      temperature: String(agent?.temperature ?? 0.3),
      phoneNumberId: agent?.phoneNumberId ?? '',
      accessToken: '',
      allDocuments: agent?.allDocuments ?? true,
      debounceSeconds: String(agent?.debounceSeconds ?? 4),
      handoffWords: (agent?.handoffWords ?? ['humano', 'atendente']).join(', '),
      paused: agent?.status === 'paused',
    },
    validate: (v) => ({
      name: validateName(v.name),
      temperature: validateTemperature(v.temperature),
      debounceSeconds: validateDebounce(v.debounceSeconds),
      phoneNumberId: validatePhoneNumberId(v.phoneNumberId),
      accessToken: agent ? null : validateRequired(v.accessToken),
    }),
    fieldMessage: (field, code) =>
      field === 'phoneNumberId' && code === 'taken' ? tx.form.numberTaken : undefined,
  });

  const onValid = (v: typeof form.values) => {
    const input: AgentInput = {
      name: v.name.trim(),
      persona: v.persona,
      instructions: v.instructions,
      model: v.model.trim(),
      temperature: Number(v.temperature.replace(',', '.')),
      phoneNumberId: v.phoneNumberId.trim(),
      status: v.paused ? 'paused' : 'active',
      allDocuments: v.allDocuments,
      documentIds: v.allDocuments ? [] : chosen,
      debounceSeconds: Number(v.debounceSeconds),
      handoffWords: parseHandoffWords(v.handoffWords),
    };
    if (v.accessToken) input.accessToken = v.accessToken;
    save.mutate(
      { id: agent?.id ?? null, input },
      {
        onSuccess: (saved) => {
          toast.success(agent ? tx.form.saved(saved.name) : tx.form.created(saved.name));
          onDone();
        },
        onError: (err) => form.fail(err),
      },
    );
  };

  const toggle = (id: string) =>
    setChosen((old) => (old.includes(id) ? old.filter((d) => d !== id) : [...old, id]));

  return (
    <form {...form.formProps(onValid)} aria-label={agent ? tx.form.editTitle(agent.name) : tx.form.createTitle}>
      <SectionCard
        title={agent ? tx.form.editTitle(agent.name) : tx.form.createTitle}
        description={tx.form.description}
        headingId="agent-form-heading"
        footer={
          <>
            <Button type="button" variant="outline" onClick={onDone}>
              {tx.form.cancel}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {save.isPending ? tx.form.saving : tx.form.save}
            </Button>
          </>
        }
      >
        <div className="space-y-5">
          <FormAlert form={form} />
          <TextField id="agent-name" label={tx.form.name} maxLength={200} {...form.field('name')} />
          <TextAreaField
            id="agent-persona"
            label={tx.form.persona}
            hint={tx.form.personaHint}
            rows={2}
            {...form.field('persona')}
          />
          <TextAreaField
            id="agent-instructions"
            label={tx.form.instructions}
            hint={tx.form.instructionsHint}
            rows={6}
            {...form.field('instructions')}
          />
          <div className="grid gap-5 sm:grid-cols-2">
            <TextField
              id="agent-model"
              label={tx.form.model}
              hint={tx.form.modelHint}
              {...form.field('model')}
            />
            <TextField
              id="agent-temperature"
              label={tx.form.temperature}
              hint={tx.form.temperatureHint}
              inputMode="decimal"
              {...form.field('temperature')}
            />
          </div>
          <div className="grid gap-5 sm:grid-cols-2">
            <TextField
              id="agent-pnid"
              label={tx.form.phoneNumberId}
              hint={tx.form.phoneNumberIdHint}
              inputMode="numeric"
              {...form.field('phoneNumberId')}
            />
            <PasswordField
              id="agent-token"
              label={tx.form.accessToken}
              hint={agent ? tx.form.accessTokenKeep : tx.form.accessTokenHint}
              autoComplete="off"
              {...form.field('accessToken')}
            />
          </div>
          <fieldset className="space-y-3">
            <legend className="text-sm font-medium text-slate-800">{tx.form.documents}</legend>
            <div className="flex flex-wrap gap-5 text-sm">
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="agent-docs"
                  checked={form.values.allDocuments}
                  onChange={() => form.set('allDocuments', true)}
                />
                {tx.form.allDocuments}
              </label>
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="agent-docs"
                  checked={!form.values.allDocuments}
                  onChange={() => form.set('allDocuments', false)}
                />
                {tx.form.chosenDocuments}
              </label>
            </div>
            {!form.values.allDocuments ? (
              docs.isPending ? (
                <SkeletonRows rows={2} />
              ) : docs.isError ? (
                <Alert tone="error">{tx.form.documentsLoadError}</Alert>
              ) : docs.data.length === 0 ? (
                <p className="text-sm text-slate-500">{tx.form.noDocuments}</p>
              ) : (
                <ul className="space-y-2">
                  {docs.data.map((d) => (
                    <li key={d.id}>
                      <Checkbox
                        id={`agent-doc-${d.id}`}
                        label={d.filename}
                        hint={tx.form.chunks(d.chunks)}
                        checked={chosen.includes(d.id)}
                        onChange={() => toggle(d.id)}
                      />
                    </li>
                  ))}
                </ul>
              )
            ) : null}
          </fieldset>
          <div className="grid gap-5 sm:grid-cols-2">
            <TextField
              id="agent-debounce"
              label={tx.form.debounce}
              hint={tx.form.debounceHint}
              inputMode="numeric"
              {...form.field('debounceSeconds')}
            />
            <TextField
              id="agent-handoff"
              label={tx.form.handoffWords}
              hint={tx.form.handoffWordsHint}
              {...form.field('handoffWords')}
            />
          </div>
          <Checkbox
            id="agent-paused"
            label={tx.form.paused}
            hint={tx.form.pausedHint}
            {...form.checkbox('paused')}
          />
        </div>
      </SectionCard>
    </form>
  );
}

interface ChatEntry {
  turn: PlaygroundTurn;
  answer?: PlaygroundAnswer;
}

function Playground({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const ws = useCurrentWorkspace();
  const play = usePlayground(ws.id, agent.id);
  const [chat, setChat] = useState<ChatEntry[]>([]);
  const [text, setText] = useState('');

  const send = () => {
    const message = text.trim();
    if (!message || play.isPending) return;
    const history = chat.map((c) => c.turn);
    setChat((old) => [...old, { turn: { author: 'lead', text: message } }]);
    setText('');
    play.mutate(
      { message, history },
      {
        onSuccess: (answer) =>
          setChat((old) => [...old, { turn: { author: 'agent', text: answer.answer }, answer }]),
      },
    );
  };

  return (
    <SectionCard
      title={tx.playground.title(agent.name)}
      description={tx.playground.description}
      headingId="playground-heading"
      action={
        <div className="flex gap-2">
          <Button variant="outline" size="sm" onClick={() => setChat([])}>
            {tx.playground.clear}
          </Button>
          <Button variant="ghost" size="sm" onClick={onClose}>
            {tx.playground.close}
          </Button>
        </div>
      }
    >
      <div className="space-y-4">
        <ol className="space-y-3" aria-label={tx.playground.title(agent.name)}>
          {chat.map((c, i) => (
            <li
              key={i}
              className={cn(
                'rounded-lg px-4 py-3 text-sm',
                c.turn.author === 'lead' ? 'ml-10 bg-brand-50' : 'mr-10 bg-slate-50',
              )}
            >
              <p className="mb-1 text-xs font-medium text-slate-600">
                {c.turn.author === 'lead' ? tx.playground.you : tx.playground.agent}
              </p>
              <p className="whitespace-pre-wrap text-slate-900">{c.turn.text}</p>
              {c.answer ? <AnswerDetails answer={c.answer} /> : null}
            </li>
          ))}
        </ol>
        {play.isError ? (
          <Alert tone="error" title={tx.playground.failed}>
            {errorMessage(play.error)}
          </Alert>
        ) : null}
        <form
          className="flex items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            send();
          }}
        >
          <div className="flex-1">
            <TextField
              id="playground-message"
              label={tx.playground.message}
              placeholder={tx.playground.placeholder}
              value={text}
              maxLength={4096}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          <Button type="submit" loading={play.isPending} disabled={!text.trim()}>
            <Send className="size-4" aria-hidden="true" />
            {play.isPending ? tx.playground.sending : tx.playground.send}
          </Button>
        </form>
      </div>
    </SectionCard>
  );
}

function AnswerDetails({ answer }: { answer: PlaygroundAnswer }) {
  return (
    <div className="mt-3 space-y-2">
      <div className="flex flex-wrap gap-2">
        {answer.handoff ? <Badge tone="warning">{tx.playground.handoff}</Badge> : null}
        {answer.qualified ? <Badge tone="success">{tx.playground.qualified}</Badge> : null}
        {answer.extractive ? <Badge>{tx.playground.extractive}</Badge> : null}
        {!answer.extractive && answer.usage.promptTokens ? (
          <Badge>{tx.playground.tokens(answer.usage.promptTokens, answer.usage.completionTokens)}</Badge>
        ) : null}
      </div>
      <details>
        <summary className="cursor-pointer text-xs font-medium text-slate-600">
          {tx.playground.sources} ({answer.sources.length})
        </summary>
        {answer.sources.length === 0 ? (
          <p className="mt-2 text-xs text-slate-500">{tx.playground.noSources}</p>
        ) : (
          <ul className="mt-2 space-y-2" aria-label={tx.playground.sources}>
            {answer.sources.map((s) => (
              <li key={s.chunkId} className="rounded border border-slate-200 bg-white p-2 text-xs">
                <p className="font-medium text-slate-700">{s.filename}</p>
                <p className="mt-1 line-clamp-4 whitespace-pre-wrap text-slate-600">{s.text}</p>
              </li>
            ))}
          </ul>
        )}
      </details>
    </div>
  );
}

function AgentRow({
  agent,
  canManage,
  onEdit,
  onTest,
}: {
  agent: Agent;
  canManage: boolean;
  onEdit: () => void;
  onTest: () => void;
}) {
  const ws = useCurrentWorkspace();
  const remove = useDeleteAgent(ws.id);
  const toast = useToast();
  const [confirm, setConfirm] = useState(false);
  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5">
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
          <Bot className="size-4 text-brand-600" aria-hidden="true" />
          <span className="truncate">{agent.name}</span>
          <Badge tone={agent.status === 'active' ? 'success' : 'warning'}>
            {agent.status === 'active' ? tx.active : tx.paused}
          </Badge>
        </p>
        <p className="mt-0.5 text-xs text-slate-500">{tx.number(agent.phoneNumberId)}</p>
      </div>
      {canManage ? (
        <div className="flex gap-2">
          <Button variant="outline" size="sm" aria-label={tx.testLabel(agent.name)} onClick={onTest}>
            <MessageSquareText className="size-4" aria-hidden="true" />
            {tx.test}
          </Button>
          <Button variant="outline" size="sm" aria-label={tx.editLabel(agent.name)} onClick={onEdit}>
            {tx.edit}
          </Button>
          <Button variant="danger-outline" size="sm" onClick={() => setConfirm(true)}>
            {tx.remove}
          </Button>
        </div>
      ) : null}
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={tx.removeTitle}
        text={tx.removeText(agent.name)}
        confirm={tx.remove}
        busy={remove.isPending}
        busyLabel={tx.removing}
        error={remove.error ? errorMessage(remove.error) : null}
        onConfirm={() =>
          remove.mutate(agent.id, {
            onSuccess: () => {
              setConfirm(false);
              toast.success(tx.removed(agent.name));
            },
          })
        }
      />
    </li>
  );
}

type Panel = { kind: 'none' } | { kind: 'form'; agent: Agent | null } | { kind: 'test'; agent: Agent };

export function AgentsPage() {
  usePageTitle(tx.title);
  const ws = useCurrentWorkspace();
  const agents = useAgents(ws.id);
  const canManage = hasRole(ws.role, 'admin');
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });

  return (
    <div className="space-y-6">
      <PageHeader
        title={tx.title}
        description={tx.description}
        actions={
          canManage ? (
            <Button onClick={() => setPanel({ kind: 'form', agent: null })}>
              <Plus className="size-4" aria-hidden="true" />
              {tx.create}
            </Button>
          ) : null
        }
      />
      {panel.kind === 'form' ? (
        <AgentForm
          key={panel.agent?.id ?? 'new'}
          agent={panel.agent}
          onDone={() => setPanel({ kind: 'none' })}
        />
      ) : null}
      {panel.kind === 'test' ? (
        <Playground key={panel.agent.id} agent={panel.agent} onClose={() => setPanel({ kind: 'none' })} />
      ) : null}
      {agents.isPending ? (
        <Card className="p-5">
          <SkeletonRows rows={3} />
        </Card>
      ) : agents.isError ? (
        <LoadError
          title={tx.loadError}
          error={agents.error}
          onRetry={() => void agents.refetch()}
          retrying={agents.isFetching}
        />
      ) : agents.data.length === 0 ? (
        <EmptyState icon={Bot} title={tx.empty}>
          <p>{tx.emptyText}</p>
        </EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-slate-100">
            {agents.data.map((a) => (
              <AgentRow
                key={a.id}
                agent={a}
                canManage={canManage}
                onEdit={() => setPanel({ kind: 'form', agent: a })}
                onTest={() => setPanel({ kind: 'test', agent: a })}
              />
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}
