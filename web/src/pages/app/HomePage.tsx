import {
  BookOpen,
  Bot,
  ChevronRight,
  KeyRound,
  MonitorSmartphone,
  Smartphone,
  UserPlus,
  UserRound,
} from 'lucide-react';
import { Link } from 'react-router';
import { useCurrentUser } from '@/api/queries';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { PageHeader } from '@/components/PageHeader';
import { Badge } from '@/components/ui/Badge';
import { buttonClasses } from '@/components/ui/Button';
import { Card } from '@/components/ui/Card';
import { t } from '@/i18n';
import { paths, wsPath } from '@/lib/paths';
import { roleLabel } from '@/pages/workspace/roles';
import { usePageTitle } from '@/lib/usePage';

const STEP_ICONS = [Bot, Smartphone, BookOpen];
/** Where each first step is done; null: not in the dashboard yet. */
const STEP_SECTIONS = ['agents', 'agents', null] as const;

export function HomePage() {
  usePageTitle(t.home.title);
  const user = useCurrentUser();
  const ws = useCurrentWorkspace();
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

      <section aria-labelledby="steps-heading">
        <h2 id="steps-heading" className="mb-4 text-sm font-semibold tracking-wide text-slate-500 uppercase">
          {t.home.stepsTitle}
        </h2>
        <ol className="grid gap-4 md:grid-cols-3">
          {t.home.steps.map((step, i) => {
            const Icon = STEP_ICONS[i] ?? Bot;
            const section = STEP_SECTIONS[i] ?? null;
            return (
              <li key={step.title}>
                <Card className="flex h-full flex-col p-5">
                  <div className="flex items-center justify-between">
                    <span className="flex size-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                      <Icon className="size-5" aria-hidden="true" />
                    </span>
                    {section ? null : <Badge>{t.common.comingSoon}</Badge>}
                  </div>
                  <h3 className="mt-4 text-sm font-semibold text-slate-900">
                    <span className="sr-only">{i + 1}. </span>
                    {step.title}
                  </h3>
                  <p className="mt-1.5 text-sm text-slate-600">{step.text}</p>
                  {section ? (
                    <Link
                      to={wsPath(ws.id, section)}
                      className="mt-3 inline-flex items-center gap-1 text-sm font-medium text-brand-700 hover:underline"
                    >
                      {t.home.openAgents}
                      <ChevronRight className="size-4" aria-hidden="true" />
                    </Link>
                  ) : null}
                </Card>
              </li>
            );
          })}
        </ol>
      </section>

      <AccountLinks />
    </>
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
      <h2 id="account-heading" className="mb-1 text-sm font-semibold tracking-wide text-slate-500 uppercase">
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
