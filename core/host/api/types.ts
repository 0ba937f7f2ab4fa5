import type { MethodName, Params, Result } from '../../contract/api'

/** One domain's handlers: already-validated params in, a result the contract allows out. */
export type Handlers<M extends MethodName> = { [K in M]: (params: Params<K>) => Promise<Result<K>> | Result<K> }
