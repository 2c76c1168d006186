/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the piloto API (e.g. https://api.example.com); empty = same origin. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
