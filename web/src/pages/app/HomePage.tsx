import {
  BookOpen,
  Bot,
  CheckCircle2,
  ChevronRight,
  Circle,
  KeyRound,
  MessagesSquare,
  MonitorSmartphone,
  Smartphone,
  UserPlus,
  UserRound,
} from 'lucide-react';
import { Link } from 'react-router';
import { useSummary, usePipelineLive, type Summary } from '@/api/pipeline';
import { useCurrentUser } from '@/api/queries';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { LoadError } from '@/components/LoadError';
import { PageHeader } from '@/components/PageHeader';
import { buttonClasses } from '@/components/ui/Button';
import { Card } from '@/components/ui/Card';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { formatDate } from '@/lib/format';
import { paths, wsPath, type WsSection } from '@/lib/paths';
import { roleLabel } from '@/pages/workspace/roles';
import { usePageTitle } from '@/lib/usePage';

type StepKey = keyof Summary['checklist'];

/** The onboarding steps in the order they are done, each with the page where it is done. */
const STEPS: { key: StepKey; icon: typeof Bot; section: WsSection }[] = [
  { key: 'agentCreated', icon: Bot, section: 'agents' },
  { key: 'numberConnected', icon: Smartphone, section: 'agents' },
  { key: 'documentsReady', icon: BookOpen, section: 'knowledge' },
  { key: 'firstConversation', icon: MessagesSquare, section: 'conversations' },
];

const FIGURES: (keyof typeof t.home.figures)[] = ['newLeads', 'answeredByAgent', 'handoffs', 'qualified'];

export function HomePage() {
  usePageTitle(t.home.title);
  const user = useCurrentUser();
  const ws = useCurrentWorkspace();
  const summary = useSummary(ws.id);
  // Today's figures move as leads arrive and change.
  usePipelineLive(ws.id);
  const firstName = user.name.trim().split(/\s+/)[0] || user.name;

  return (
    <>
      <PageHeader
        title={t.home.greeting(firstName)}
        description={t.home.introIn(ws.name, roleLabel(ws.role).toLowerCase())}
        actions={
          hasRole(ws.role, 'admin') ? (
            <Link to={wsPath(ws.id, 'invitations')} className={buttonClasses('outline')}>
              <UserPlus className="size-4" aria-hidden="true" />
              {t.members.invite}
            </Link>
          ) : null
        }
      />

      {summary.isError ? (
        <LoadError
          title={t.home.summaryError}
          error={summary.error}
          onRetry={() => void summary.refetch()}
          retrying={summary.isRefetching}
        />
      ) : (
        <>
          <Today summary={summary.data} />
          <Checklist wid={ws.id} summary={summary.data} />
        </>
      )}

      <AccountLinks />
    </>
  );
}

function Today({ summary }: { summary: Summary | undefined }) {
  return (
    <section aria-labelledby="today-heading" aria-busy={!summary} className="mb-10">
      <h2 id="today-heading" className="mb-1 text-sm font-semibold tracking-wide text-slate-700 uppercase">
        {t.home.todayTitle}
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        {summary ? t.home.todayNote(formatDate(`${summary.today.date}T12:00:00Z`)) : '\u00a0'}
      </p>
      <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4" data-testid="today-figures">
        {FIGURES.map((key) => (
          <Card key={key} className="flex flex-col-reverse p-5">
            <dt className="mt-1 text-sm text-slate-600">{t.home.figures[key]}</dt>
            <dd className="text-3xl font-semibold tracking-tight text-slate-900">
              {summary ? (
                summary.today[key]
              ) : (
                <span className="block h-9 w-12 animate-pulse rounded bg-slate-100" aria-hidden="true" />
              )}
            </dd>
          </Card>
        ))}
      </dl>
    </section>
  );
}

function Checklist({ wid, summary }: { wid: string; summary: Summary | undefined }) {
  const done = summary ? STEPS.filter((s) => summary.checklist[s.key]).length : 0;
  return (
    <section aria-labelledby="steps-heading" aria-busy={!summary}>
      <div className="mb-4 flex items-baseline justify-between gap-3">
        <h2 id="steps-heading" className="text-sm font-semibold tracking-wide text-slate-700 uppercase">
          {t.home.stepsTitle}
        </h2>
        {summary ? (
          <p className="text-sm text-slate-600">{t.home.stepsProgress(done, STEPS.length)}</p>
        ) : null}
      </div>
      <ol className="grid gap-4 md:grid-cols-2" data-testid="onboarding">
        {STEPS.map(({ key, icon: Icon, section }, i) => {
          const step = t.home.steps[key];
          const isDone = summary?.checklist[key] ?? false;
          return (
            <li key={key}>
              <Card className="flex h-full flex-col p-5">
                <div className="flex items-center justify-between">
                  <span className="flex size-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                    <Icon className="size-5" aria-hidden="true" />
                  </span>
                  {summary ? (
                    <span
                      className={cn(
                        'inline-flex items-center gap-1 text-sm font-medium',
                        isDone ? 'text-emerald-700' : 'text-slate-600',
                      )}
                    >
                      {isDone ? (
                        <CheckCircle2 className="size-4" aria-hidden="true" />
                      ) : (
                        <Circle className="size-4" aria-hidden="true" />
                      )}
                      {isDone ? t.home.stepDone : t.home.stepTodo}
                    </span>
                  ) : null}
                </div>
                <h3 className="mt-4 text-sm font-semibold text-slate-900">
                  <span className="sr-only">{i + 1}. </span>
                  {step.title}
                </h3>
                <p className="mt-1.5 flex-1 text-sm text-slate-600">{step.text}</p>
                {!isDone ? (
                  <Link
                    to={wsPath(wid, section)}
                    className="mt-4 inline-flex items-center gap-1 self-start text-sm font-medium text-brand-700 hover:underline"
                  >
                    {step.action}
                    <ChevronRight className="size-4" aria-hidden="true" />
                  </Link>
                ) : null}
              </Card>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** "Sua conta": profile, password, sessions. */
export function AccountLinks() {
  const accountLinks = [
    { to: paths.accountProfile, label: t.home.accountLinks.profile, icon: UserRound },
    { to: paths.accountSecurity, label: t.home.accountLinks.security, icon: KeyRound },
    { to: paths.accountSessions, label: t.home.accountLinks.sessions, icon: MonitorSmartphone },
  ];
  return (
    <section aria-labelledby="account-heading" className="mt-10">
      <h2 id="account-heading" className="mb-1 text-sm font-semibold tracking-wide text-slate-700 uppercase">
        {t.home.accountTitle}
      </h2>
      <p className="mb-4 text-sm text-slate-600">{t.home.accountText}</p>
      <Card className="divide-y divide-slate-100">
        {accountLinks.map(({ to, label, icon: Icon }) => (
          <Link
            key={to}
            to={to}
            className="flex items-center gap-3 px-5 py-4 text-sm font-medium text-slate-800 first:rounded-t-xl last:rounded-b-xl hover:bg-slate-50"
          >
            <Icon className="size-4.5 text-slate-400" aria-hidden="true" />
            <span className="flex-1">{label}</span>
            <ChevronRight className="size-4 text-slate-400" aria-hidden="true" />
          </Link>
        ))}
      </Card>
    </section>
  );
}
