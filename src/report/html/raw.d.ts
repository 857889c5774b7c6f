// Files imported as text: `import text from './file.css?raw'`. Vitest (Vite) loads them natively;
// scripts/build.mjs has an esbuild plugin that does the same for the published bundle.
declare module '*?raw' {
  const text: string;
  export default text;
}

// A TypeScript module bundled for the browser, as text: `import code from './client/main.ts?browser'`
// (scripts/browser-bundle.mjs, used by scripts/build.mjs and vitest.config.ts).
declare module '*?browser' {
  const code: string;
  export default code;
}
