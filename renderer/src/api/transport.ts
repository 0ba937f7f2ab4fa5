// The transport interface lives in core/contract beside the client; ws and IPC transports implement it here.
export { ALWAYS_OPEN, type ConnectionStatus, type Transport } from '../../../core/contract/transport'
