/**
 * Field blocks shared by the forms: the same e-mail, name and password
 * inputs (types, autocomplete, hints) everywhere, and the form's alert.
 * Spread a `form.field(name)` binding (lib/useForm) into them.
 */
import { forwardRef, type ReactNode } from 'react';
import { Alert } from '@/components/ui/Alert';
import { PasswordField, TextField, type TextFieldProps } from '@/components/ui/Field';
import { t } from '@/i18n';

type Props = Omit<TextFieldProps, 'label'> & { label?: ReactNode };

/** The form-level error of a useForm form, if any (field errors sit under their fields). */
export function FormAlert({ form }: { form: { formError: string | null } }) {
  return form.formError ? <Alert tone="error">{form.formError}</Alert> : null;
}

export const EmailField = forwardRef<HTMLInputElement, Props>(function EmailField(
  { label, ...props },
  ref,
) {
  return (
    <TextField
      ref={ref}
      label={label ?? t.auth.email}
      type="email"
      inputMode="email"
      autoComplete="email"
      placeholder={t.auth.emailPlaceholder}
      required
      {...props}
    />
  );
});

/** A person's (or a company's) name: the server takes up to 100 code points. */
export function NameField({ label, ...props }: Props) {
  return <TextField label={label ?? t.auth.name} required maxLength={200} {...props} />;
}

/** A password being chosen: the policy hint under it. */
export function NewPasswordField({ label, ...props }: Props) {
  return (
    <PasswordField
      label={label ?? t.auth.password}
      autoComplete="new-password"
      required
      hint={t.auth.passwordHint}
      {...props}
    />
  );
}

/** The password the user already has (login, confirmations). */
export function CurrentPasswordField({ label, ...props }: Props) {
  return (
    <PasswordField
      label={label ?? t.auth.password}
      autoComplete="current-password"
      required
      {...props}
    />
  );
}
