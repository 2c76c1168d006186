import { Navigate, useNavigate } from 'react-router';
import { Building2 } from 'lucide-react';
import { useCurrentUser } from '@/api/queries';
import { pickWorkspace, rememberWorkspace, useWorkspaces } from '@/api/workspaceQueries';
import { CreateWorkspaceForm } from '@/components/workspace/CreateWorkspaceForm';
import { PageHeader } from '@/components/PageHeader';
import { LoadError } from '@/components/LoadError';
import { SectionCard } from '@/components/ui/Card';
import { Spinner } from '@/components/ui/Spinner';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { wsPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';
import { AccountLinks } from '@/pages/app/HomePage';

/**
 * "/": opens the last (or first) workspace of the user; with none yet, the
 * first step of a new account: create the company's workspace.
 */
export function StartPage() {
  usePageTitle(t.start.title);
  const user = useCurrentUser();
  const workspaces = useWorkspaces();
  const navigate = useNavigate();
  const toast = useToast();
  const firstName = user.name.trim().split(/\s+/)[0] || user.name;

  const chosen = workspaces.data ? pickWorkspace(workspaces.data) : null;
  if (chosen) return <Navigate to={wsPath(chosen.id)} replace />;

  let body;
  if (workspaces.isPending) {
    body = (
      <div className="flex justify-center py-6 text-brand-600">
        <Spinner className="size-6" label={t.app.loading} />
      </div>
    );
  } else if (workspaces.isError) {
    body = (
      <LoadError
        title={t.workspace.loadError}
        error={workspaces.error}
        onRetry={() => void workspaces.refetch()}
        retrying={workspaces.isFetching}
      />
    );
  } else {
    body = (
      <div className="max-w-md space-y-5">
        <CreateWorkspaceForm
          onCreated={(ws) => {
            rememberWorkspace(ws.id);
            toast.success(t.workspace.created(ws.name));
            navigate(wsPath(ws.id), { replace: true });
          }}
        />
        <p className="text-sm text-slate-500">{t.start.invitedHint}</p>
      </div>
    );
  }

  return (
    <>
      <PageHeader title={t.home.greeting(firstName)} description={t.start.subheading} />
      <SectionCard
        title={t.start.cardTitle}
        description={t.start.cardText}
        headingId="start-heading"
        action={
          <span className="hidden size-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600 sm:flex">
            <Building2 className="size-5" aria-hidden="true" />
          </span>
        }
      >
        {body}
      </SectionCard>
      <AccountLinks />
    </>
  );
}
