import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiError } from '@/api/client';
import { EmailField, FormAlert, NewPasswordField } from '@/components/form/fields';
import { Checkbox } from '@/components/ui/Field';
import { t } from '@/i18n';
import { useForm } from './useForm';
import { validateEmail, validateNewPassword } from './validate';

type Values = { email: string; password: string; agree: boolean };

/** A form built on the hook; `onValid` decides what the "server" answers. */
function Harness({
  onValid,
  rename,
  fieldMessage,
}: {
  onValid: (values: Values, form: ReturnType<typeof useForm<Values>>) => void;
  rename?: Record<string, string>;
  fieldMessage?: (field: string, code: string) => string | undefined;
}) {
  const form = useForm<Values>({
    initial: { email: '', password: '', agree: false },
    validate: (v) => ({ email: validateEmail(v.email), password: validateNewPassword(v.password) }),
    rename,
    fieldMessage,
  });
  return (
    <form {...form.formProps((v) => onValid(v, form))}>
      <FormAlert form={form} />
      <EmailField id="h-email" {...form.field('email')} />
      <NewPasswordField id="h-password" {...form.field('password')} />
      <Checkbox id="h-agree" label="Concordo" {...form.checkbox('agree')} />
      <button type="submit">Enviar</button>
      <button type="button" onClick={() => form.reset()}>
        Limpar
      </button>
    </form>
  );
}

function describedBy(el: HTMLElement): string {
  return (el.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

const validationFailed = (errors: { field: string; code: string }[]) =>
  new ApiError({ status: 422, code: 'validation_failed', fieldErrors: errors });

describe('useForm', () => {
  it('validates before calling onValid and focuses the first invalid field', async () => {
    const onValid = vi.fn();
    render(<Harness onValid={onValid} />);
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.password), 'curta');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));

    const email = screen.getByLabelText(t.auth.email);
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(email)).toContain(t.validation.required);
    expect(describedBy(screen.getByLabelText(t.auth.password))).toContain(
      t.validation.passwordTooShort,
    );
    await waitFor(() => expect(document.activeElement).toBe(email));
    expect(onValid).not.toHaveBeenCalled();
  });

  it('hands the current values (checkbox included) to onValid once valid', async () => {
    const onValid = vi.fn();
    render(<Harness onValid={onValid} />);
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByLabelText('Concordo'));
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect(onValid).toHaveBeenCalledTimes(1);
    expect(onValid.mock.calls[0]![0]).toEqual({
      email: 'ana@empresa.com.br',
      password: 'uma senha longa o bastante',
      agree: true,
    });
    expect(screen.getByLabelText(t.auth.email).getAttribute('aria-invalid')).toBeNull();
  });

  it('puts server field errors under their fields, renamed, with no duplicate alert', async () => {
    render(
      <Harness
        rename={{ newPassword: 'password' }}
        onValid={(_, form) =>
          form.fail(
            validationFailed([
              { field: 'email', code: 'taken' },
              { field: 'newPassword', code: 'too_common' },
            ]),
          )
        }
      />,
    );
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'password1234');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));

    const email = screen.getByLabelText(t.auth.email);
    await waitFor(() => expect(describedBy(email)).toContain(t.validation.emailTaken));
    expect(describedBy(screen.getByLabelText(t.auth.password))).toContain(
      t.validation.passwordTooCommon,
    );
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(email));
  });

  it('shows the alert, focused, for an error no field explains', async () => {
    render(
      <Harness
        onValid={(_, form) =>
          form.fail(new ApiError({ status: 429, code: 'rate_limited', retryAfter: 120 }))
        }
      />,
    );
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(t.errors.rateLimitedFor(t.duration.minutes(2)));
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it('shows the alert for a field error of a field the form does not have', async () => {
    render(
      <Harness
        onValid={(_, form) => form.fail(validationFailed([{ field: 'token', code: 'invalid' }]))}
      />,
    );
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect((await screen.findByRole('alert')).textContent).toContain(t.errors.validation);
  });

  it('reset() empties the values and drops every message', async () => {
    render(
      <Harness
        onValid={(_, form) => form.fail(new ApiError({ status: 500, code: 'internal_error' }))}
      />,
    );
    const ue = userEvent.setup();
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect(screen.getByLabelText(t.auth.email).getAttribute('aria-invalid')).toBe('true');
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect(await screen.findByRole('alert')).toBeTruthy();

    await ue.click(screen.getByRole('button', { name: 'Limpar' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect((screen.getByLabelText(t.auth.email) as HTMLInputElement).value).toBe('');
    expect(screen.getByLabelText(t.auth.email).getAttribute('aria-invalid')).toBeNull();
  });

  it('a new submit clears the previous server error', async () => {
    let calls = 0;
    render(
      <Harness
        onValid={(_, form) => {
          calls++;
          if (calls === 1) form.fail(new ApiError({ status: 0, code: 'network_error' }));
        }}
      />,
    );
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect((await screen.findByRole('alert')).textContent).toContain(t.errors.network);
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls).toBe(2);
  });

  it('lets a form word a server field error its own way', async () => {
    render(
      <Harness
        fieldMessage={(field, code) => (field === 'email' && code === 'taken' ? 'Já convidado.' : undefined)}
        onValid={(_, form) =>
          form.fail(
            validationFailed([
              { field: 'email', code: 'taken' },
              { field: 'password', code: 'too_common' },
            ]),
          )
        }
      />,
    );
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'password1234');
    await ue.click(screen.getByRole('button', { name: 'Enviar' }));
    await waitFor(() => expect(describedBy(screen.getByLabelText(t.auth.email))).toContain('Já convidado.'));
    expect(describedBy(screen.getByLabelText(t.auth.password))).toContain(t.validation.passwordTooCommon);
  });
});
