/** How every function is bundled (esbuild, by CDK): one place, so the benchmark measures what is deployed. */

/** The Lambda runtime is Node 22. */
export const BUNDLE_TARGET = 'node22';
/** ESM entries first: they tree-shake (the SDK and zod ship both). */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
/** Some CommonJS dependencies call `require`; an ESM bundle has to provide it. */
export const BUNDLE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
/**
 * Source maps map stack traces to file and line; the original sources add nothing to that, yet with
 * `--enable-source-maps` Node reads the whole map at cold start (bench: 2.2 MB → 0.75 MB for ingest).
 */
export const BUNDLE_SOURCES_CONTENT = false;
/** The Node options every function runs with. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';
