// The dependency rule of DESIGN.md section 1, enforced: each folder may import only the layers
// below it. `npm run lint` fails on any import that crosses a boundary the wrong way.
import tseslint from 'typescript-eslint'

const restrict = (rules) => ({
  'no-restricted-imports': ['error', { patterns: rules.map(([regex, message]) => ({ regex, message })) }],
})

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.scratch/**', 'test-results/**', 'playwright-report/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  {
    files: ['core/contract/**/*.ts', 'core/view/**/*.ts'],
    rules: restrict([
      ['^(?!zod$|\\.\\.?/)', 'core/contract and core/view run everywhere: the only package they may import is zod.'],
      ['^\\.\\./(?!contract/|view/)', 'core/contract and core/view may import only each other.'],
    ]),
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/contract/**', 'core/view/**'],
    rules: restrict([
      ['(^|/)(electron|renderer)(/|$)', 'core/ never imports electron/ or renderer/.'],
      ['^(react|react-dom|@xterm/.*)$', 'core/ is plain Node: no React or DOM packages.'],
    ]),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: restrict([['^(?!electron$|(\\.\\./)+core/contract(/|$))', 'the preload imports only electron and core/contract.']]),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: restrict([
      ['(^|/)core/(?!contract(/|$)|view(/|$))', 'renderer/ reaches the engine only through core/contract and core/view.'],
      ['(^|/)electron(/|$)|^electron$', 'renderer/ never imports electron/ (it talks to main through the preload API).'],
      ['^(node:|fs$|path$|os$|child_process$|net$)', 'renderer/ runs in the browser: no Node built-ins.'],
    ]),
  },
)
