import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled when its route first
 * answers with that status rather than all at start: about fifty schemas (every route's success
 * and problem answers) took some 60 ms of CPU at every start, for answers most instances rarely
 * or never send. The first answer of each kind pays a few milliseconds once.
 *
 * Production only (see app.ts): in development and tests every schema is still compiled at start,
 * so a schema fast-json-stringify refuses fails the suite, not a first answer in production.
 * @see https://fastify.dev/docs/latest/Reference/Server/#schemacontroller
 */
export function lazySerializers (): SerializerFactory {
  const factory = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      return (doc) => (serialize ??= compile(route))(doc)
    }
  }
}
