import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'coverage/**', '.tap/**'] }),
  {
    rules: {
      // TypeBox's idiom names a schema and its static type alike (`const X = Type.Object(…)`,
      // `type X = Static<typeof X>`); TypeScript itself rejects real redeclarations.
      '@typescript-eslint/no-redeclare': 'off'
    }
  }
]
