// The typed client lives in core/contract (shared with the CLI and tests); the renderer imports it from here.
export { ApiError, createApiClient, errorMessage, type ApiClient, type PushHandler } from '../../../core/contract/client'
