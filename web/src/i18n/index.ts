/**
 * The active message catalog. Only pt-BR exists today; an English catalog
 * would be `export const en: Messages = {...}` in ./en.ts, picked here.
 */
import { ptBR, type Messages } from './pt-BR';

export type { Messages };

export const t: Messages = ptBR;

/** BCP 47 tag for Intl formatting (dates, numbers). */
export const locale: string = t.locale;
