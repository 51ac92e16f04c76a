// Compiling every route's validators (ajv) and serializers (fast-json-stringify) at start took most of
// `ledger serve`'s time before it listened. Here each is compiled by fastify's own compilers, with the same
// options, the first time its route needs it; `compileAll` compiles whatever is left (tests call it, so a
// schema that does not compile is still found without a request to its route).
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;
// biome-ignore lint/suspicious/noExplicitAny: compiled validators and serializers take any value
type Compiled = ((...args: any[]) => any) & { errors?: unknown; schemaEnv?: unknown };

// The compilers fastify itself defaults to, resolved from fastify's own folder (its versions, not ours).
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultValidators = fromFastify('@fastify/ajv-compiler') as () => ValidatorFactory;
const defaultSerializers = fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory;

export interface LazySchemas {
  compilersFactory: CompilersFactory;
  /** Compiles every validator and serializer not compiled yet (throws what a schema's compilation throws). */
  compileAll(): void;
}

export function lazySchemaCompilers(): LazySchemas {
  const pending = new Set<() => unknown>();
  /** A function standing for `compile()`'s result, compiling it on its first call. */
  const lazily = (compile: () => Compiled): Compiled => {
    let compiled: Compiled | undefined;
    const get = (): Compiled => {
      if (!compiled) {
        compiled = compile();
        pending.delete(get);
      }
      return compiled;
    };
    pending.add(get);
    const stand: Compiled = (...args) => {
      const fn = get();
      const result = fn(...args);
      stand.errors = fn.errors; // fastify reads a failed validation's errors from the function it called
      return result;
    };
    // fastify asks an ajv validator for its schemaEnv when it validates (to pass the parent along).
    Object.defineProperty(stand, 'schemaEnv', { get: () => get().schemaEnv });
    return stand;
  };
  const validators = defaultValidators();
  const serializers = defaultSerializers();
  return {
    compilersFactory: {
      buildValidator: ((externalSchemas, options) => {
        const compile = validators(externalSchemas, options);
        return (route: Parameters<typeof compile>[0]) => lazily(() => compile(route) as Compiled);
      }) as ValidatorFactory,
      buildSerializer: ((externalSchemas, options) => {
        const compile = serializers(externalSchemas, options);
        return (route: Parameters<typeof compile>[0]) => lazily(() => compile(route) as Compiled);
      }) as SerializerFactory,
    },
    compileAll() {
      for (const get of [...pending]) get();
    },
  };
}
