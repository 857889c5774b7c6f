// Files imported as text: `import text from './file.js?raw'`. Vitest (Vite) loads them natively;
// scripts/build.mjs has an esbuild plugin that does the same for the published bundle.
declare module '*?raw' {
  const text: string;
  export default text;
}
