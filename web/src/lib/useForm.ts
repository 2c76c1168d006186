/**
 * The one form skeleton of the dashboard: a value per field, client-side
 * validation before any round trip, field messages (client or server) under
 * their fields, focus on the first invalid field (or the form's alert), and
 * the form-level message of a server error when the field messages do not
 * already say everything.
 *
 *   const form = useForm({ initial: { email: '' }, validate: (v) => ({ email: validateEmail(v.email) }) });
 *   <form {...form.formProps(onValid)}>
 *     <FormAlert form={form} />
 *     <EmailField {...form.field('email')} id="x-email" />
 *
 * `onValid` starts the request; its failure goes to `form.fail(err)`.
 */
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ChangeEvent,
  type FormEvent,
} from 'react';
import { fieldErrorsOf, formErrorMessage } from '@/api/errors';
import { hasErrors, type Errors } from './validate';

export type FormValues = Record<string, string | boolean>;

type StringKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;
type BoolKeys<V> = { [K in keyof V]: V[K] extends boolean ? K : never }[keyof V] & string;

export interface UseFormOptions<V extends FormValues> {
  initial: V;
  /** Client-side checks; a field maps to its message, or null/undefined when fine. */
  validate?: (values: V) => Errors<keyof V & string>;
  /**
   * API field name -> form field name, when they differ (e.g. the `password`
   * of /auth/reauth is a form's `currentPassword`).
   */
  rename?: Record<string, string>;
  /** This form's wording for a server field error (API field, code); undefined: the common one. */
  fieldMessage?: (field: string, code: string) => string | undefined;
}

export interface TextFieldBinding {
  name: string;
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  error: string | null | undefined;
}

export interface CheckboxBinding {
  name: string;
  checked: boolean;
  onChange: (e: ChangeEvent<HTMLInputElement>) => void;
}

export interface Form<V extends FormValues> {
  values: V;
  errors: Errors<keyof V & string>;
  /** The last server error given to fail(); cleared by the next submit and by reset(). */
  serverError: unknown;
  /** The form-level message (null when the field messages say it all). */
  formError: string | null;
  set: <K extends keyof V>(name: K, value: V[K]) => void;
  setErrors: (errors: Errors<keyof V & string>) => void;
  /** Back to `initial` (or to `values`), no errors. */
  reset: (values?: Partial<V>) => void;
  field: (name: StringKeys<V>) => TextFieldBinding;
  checkbox: (name: BoolKeys<V>) => CheckboxBinding;
  /** Focus the first invalid field (or the alert) once the messages are on screen. */
  focusError: () => void;
  /** A server error: field messages under the fields, the rest in the alert, focus moved. */
  fail: (err: unknown) => void;
  /** onSubmit: validate, then call onValid with the values (or show the errors). */
  handleSubmit: (onValid: (values: V) => void) => (e?: FormEvent) => void;
  /** ref, onSubmit and noValidate for the <form>. */
  formProps: (onValid: (values: V) => void) => {
    ref: React.RefObject<HTMLFormElement | null>;
    onSubmit: (e?: FormEvent) => void;
    noValidate: true;
  };
  formRef: React.RefObject<HTMLFormElement | null>;
}

export function useForm<V extends FormValues>(options: UseFormOptions<V>): Form<V> {
  const { initial, validate, rename, fieldMessage } = options;
  const initialRef = useRef(initial);
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<Errors<keyof V & string>>({});
  const [serverError, setServerError] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusTick, setFocusTick] = useState(0);

  useEffect(() => {
    if (focusTick === 0) return;
    const root = formRef.current;
    const target =
      root?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      root?.querySelector<HTMLElement>('[role="alert"]');
    target?.focus();
  }, [focusTick]);

  const focusError = useCallback(() => setFocusTick((n) => n + 1), []);

  const set = useCallback(<K extends keyof V>(name: K, value: V[K]) => {
    setValues((prev) => ({ ...prev, [name]: value }));
  }, []);

  const reset = useCallback((next?: Partial<V>) => {
    setValues({ ...initialRef.current, ...next });
    setErrors({});
    setServerError(null);
  }, []);

  const renameRef = useRef(rename);
  renameRef.current = rename;
  const fieldMessageRef = useRef(fieldMessage);
  fieldMessageRef.current = fieldMessage;

  const fail = useCallback(
    (err: unknown) => {
      setServerError(err);
      setErrors(
        fieldErrorsOf(err, renameRef.current, fieldMessageRef.current) as Errors<keyof V & string>,
      );
      focusError();
    },
    [focusError],
  );

  const validateRef = useRef(validate);
  validateRef.current = validate;
  const valuesRef = useRef(values);
  valuesRef.current = values;

  const handleSubmit = useCallback(
    (onValid: (values: V) => void) => (e?: FormEvent) => {
      e?.preventDefault();
      const current = valuesRef.current;
      const found = validateRef.current?.(current) ?? {};
      setErrors(found);
      setServerError(null);
      if (hasErrors(found)) {
        focusError();
        return;
      }
      onValid(current);
    },
    [focusError],
  );

  // The API fields this form shows: its own fields, and those renamed to them.
  const shown = useMemo(
    () => [...Object.keys(initialRef.current), ...Object.keys(rename ?? {})],
    [rename],
  );
  const formError = formErrorMessage(serverError, shown);

  return {
    values,
    errors,
    serverError,
    formError,
    set,
    setErrors,
    reset,
    field: (name) => ({
      name,
      value: values[name] as string,
      onChange: (e) => set(name, e.target.value as V[typeof name]),
      error: errors[name],
    }),
    checkbox: (name) => ({
      name,
      checked: values[name] as boolean,
      onChange: (e) => set(name, e.target.checked as V[typeof name]),
    }),
    focusError,
    fail,
    handleSubmit,
    formProps: (onValid) => ({ ref: formRef, onSubmit: handleSubmit(onValid), noValidate: true }),
    formRef,
  };
}
