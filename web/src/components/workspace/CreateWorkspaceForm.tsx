import { useCreateWorkspace } from '@/api/workspaceQueries';
import type { Workspace } from '@/api/types';
import { FormAlert, NameField } from '@/components/form/fields';
import { Button } from '@/components/ui/Button';
import { t } from '@/i18n';
import { useForm } from '@/lib/useForm';
import { validateWorkspaceName } from '@/lib/validate';

/** "Nome da empresa" → POST /api/v1/workspaces; the caller goes to the new workspace. */
export function CreateWorkspaceForm({
  onCreated,
  autoFocus = true,
  footer,
}: {
  onCreated: (ws: Workspace) => void;
  autoFocus?: boolean;
  /** Extra buttons next to the submit (e.g. Cancelar in a dialog). */
  footer?: React.ReactNode;
}) {
  const create = useCreateWorkspace();
  const form = useForm({
    initial: { name: '' },
    validate: (v) => ({ name: validateWorkspaceName(v.name) }),
    fieldMessage: (field, code) =>
      field === 'name' && code === 'invalid' ? t.workspace.nameInvalid : undefined,
  });

  const onValid = ({ name }: typeof form.values) =>
    create.mutate({ name: name.trim() }, { onSuccess: onCreated, onError: form.fail });

  return (
    <form {...form.formProps(onValid)} className="space-y-5">
      <FormAlert form={form} />
      <NameField
        id="workspace-name"
        label={t.workspace.name}
        placeholder={t.workspace.namePlaceholder}
        hint={t.workspace.nameHint}
        autoComplete="organization"
        autoFocus={autoFocus}
        {...form.field('name')}
      />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {footer}
        <Button type="submit" size="lg" className={footer ? undefined : 'w-full'} loading={create.isPending}>
          {create.isPending ? t.workspace.submitting : t.workspace.submit}
        </Button>
      </div>
    </form>
  );
}
