import { useState } from 'react';
import { MailPlus } from 'lucide-react';
import { ApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import {
  useCurrentWorkspace,
  useInvitations,
  useInvite,
  useResendInvitation,
  useRevokeInvitation,
} from '@/api/workspaceQueries';
import type { Invitation, Role } from '@/api/types';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { EmailField, FormAlert } from '@/components/form/fields';
import { ListCard } from '@/components/ListCard';
import { LoadError } from '@/components/LoadError';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { SelectField } from '@/components/ui/Field';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';
import { validateEmail } from '@/lib/validate';
import { INVITE_ROLES, membershipError, roleLabel } from './roles';

function InviteForm() {
  const ws = useCurrentWorkspace();
  const invite = useInvite(ws.id);
  const toast = useToast();
  const form = useForm({
    initial: { email: '', role: 'member' as string },
    validate: (v) => ({ email: validateEmail(v.email) }),
  });
  const [sentTo, setSentTo] = useState<string | null>(null);

  const onValid = ({ email, role }: typeof form.values) => {
    const address = email.trim();
    setSentTo(null);
    invite.mutate(
      { email: address, role: role as Role },
      {
        onSuccess: (inv) => {
          form.reset({ role });
          setSentTo(inv.email || address);
          toast.success(t.invitations.sent(inv.email || address));
        },
        onError: (err) => {
          // "Already a member" and "already invited" are about the address.
          if (err instanceof ApiError && err.status === 409) {
            form.fail(err);
            form.setErrors({ email: membershipError(err, t.invitations.alreadyInvited) });
          } else {
            form.fail(err);
          }
        },
      },
    );
  };

  const conflict = form.serverError instanceof ApiError && form.serverError.status === 409;

  return (
    <form {...form.formProps(onValid)}>
      <SectionCard
        title={t.invitations.title}
        description={t.invitations.description}
        headingId="invite-heading"
        footer={
          <Button type="submit" loading={invite.isPending}>
            <MailPlus className="size-4" aria-hidden="true" />
            {invite.isPending ? t.invitations.submitting : t.invitations.submit}
          </Button>
        }
      >
        <div className="space-y-5">
          {conflict ? null : <FormAlert form={form} />}
          {sentTo && !form.serverError ? (
            <Alert tone="success">{t.invitations.sent(sentTo)}</Alert>
          ) : null}
          <div className="grid gap-5 sm:grid-cols-[1fr_12rem]">
            <EmailField id="invite-email" label={t.invitations.email} autoComplete="off" {...form.field('email')} />
            <SelectField
              id="invite-role"
              label={t.invitations.role}
              options={INVITE_ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
              {...form.field('role')}
            />
          </div>
          <p className="text-xs text-slate-500">{t.roleHelp[form.values.role]}</p>
        </div>
      </SectionCard>
    </form>
  );
}

function InvitationRow({ invitation }: { invitation: Invitation }) {
  const ws = useCurrentWorkspace();
  const resend = useResendInvitation(ws.id);
  const revoke = useRevokeInvitation(ws.id);
  const toast = useToast();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const expired = Date.parse(invitation.expiresAt) <= Date.now();

  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5">
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
          <span className="truncate">{invitation.email}</span>
          <Badge>{roleLabel(invitation.role)}</Badge>
          {expired ? <Badge tone="warning">{t.invitations.expired}</Badge> : null}
        </p>
        <p className="mt-0.5 text-xs text-slate-500">
          <time dateTime={invitation.expiresAt} title={formatDateTime(invitation.expiresAt)}>
            {t.invitations.expires(formatRelative(invitation.expiresAt))}
          </time>
        </p>
      </div>
      <div className="flex gap-2 self-start sm:self-center">
        <Button
          variant="outline"
          size="sm"
          loading={resend.isPending}
          aria-label={t.invitations.resendLabel(invitation.email)}
          onClick={() =>
            resend.mutate(invitation.id, {
              onSuccess: () => toast.success(t.invitations.resent(invitation.email)),
              onError: (err) => toast.error(membershipError(err)),
            })
          }
        >
          {resend.isPending ? t.invitations.resending : t.invitations.resend}
        </Button>
        <Button
          variant="danger-outline"
          size="sm"
          aria-label={t.invitations.revokeLabel(invitation.email)}
          onClick={() => setConfirmOpen(true)}
        >
          {t.invitations.revoke}
        </Button>
      </div>
      <ConfirmDialog
        open={confirmOpen}
        onClose={() => setConfirmOpen(false)}
        title={t.invitations.revokeTitle}
        text={t.invitations.revokeText(invitation.email)}
        confirm={t.invitations.revoke}
        busy={revoke.isPending}
        busyLabel={t.invitations.revoking}
        onConfirm={() =>
          revoke.mutate(invitation.id, {
            onSuccess: () => {
              setConfirmOpen(false);
              toast.success(t.invitations.revoked(invitation.email));
            },
            onError: (err) => {
              setConfirmOpen(false);
              toast.error(errorMessage(err));
            },
          })
        }
      />
    </li>
  );
}

function PendingInvitations() {
  const ws = useCurrentWorkspace();
  const invitations = useInvitations(ws.id);

  let content;
  if (invitations.isPending) {
    content = (
      <p className="px-5 py-4 text-sm text-slate-500" role="status">
        {t.app.loading}
      </p>
    );
  } else if (invitations.isError) {
    content = (
      <LoadError
        className="p-5"
        title={t.invitations.loadError}
        error={invitations.error}
        onRetry={() => void invitations.refetch()}
        retrying={invitations.isFetching}
      />
    );
  } else if (invitations.data.length === 0) {
    content = <p className="px-5 py-4 text-sm text-slate-600">{t.invitations.empty}</p>;
  } else {
    content = (
      <ul aria-labelledby="pending-heading" className="divide-y divide-slate-100">
        {invitations.data.map((inv) => (
          <InvitationRow key={inv.id} invitation={inv} />
        ))}
      </ul>
    );
  }

  return (
    <ListCard
      headingId="pending-heading"
      title={t.invitations.pendingTitle}
      description={t.invitations.pendingDescription}
    >
      {content}
    </ListCard>
  );
}

export function InvitationsPage() {
  usePageTitle(t.settings.tabs.invitations);
  return (
    <>
      <InviteForm />
      <PendingInvitations />
    </>
  );
}
