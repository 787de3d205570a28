/**
 * peermon's public surface: the wire types and codec, the client SDK, and the monitor itself.
 */
export type { Alert, AlertKind, DisruptionEvent, DisruptionKind, Metric, PeerSet, Silence, SuspicionEvent, SuspicionKind } from "./api/types.js";
export { encodeAlert, encodeDisruption, encodeMetric, encodeMetrics, encodePeerSet, MAX_MESSAGE_BYTES, MAX_PEERSET_BYTES } from "./api/codec.js";
export { MAX_SILENCE_MS, type SilenceInput } from "./api/silence.js";
export {
  decodeAlert,
  decodeSuspicion,
  decodeDisruption,
  decodeMetric,
  decodeMetricList,
  REJECT_REASONS,
  type RejectReason,
} from "./api/validate.js";
export { isValidToken, partitionOf, Subjects } from "./api/subjects.js";
export { decodeHistory, encodeHistory, type HistoryEpisode, type PeerHistory } from "./api/history.js";
export { PeerMonitorClient, type ClientOptions } from "./client/client.js";
export { metricFrom, type MetricInput } from "./client/metric-input.js";
export type { AlertFilter, AlertStream } from "./client/alerts.js";
export type { SuspectFilter, SuspectStream } from "./client/suspects.js";
export type { SilenceStore } from "./client/silences.js";
export type { Informer, InformerOptions, Produced } from "./client/informer.js";
export { Monitor, type MonitorOptions } from "./monitor.js";
export {
  DEFAULT_CONFIG,
  resolveConfig,
  type ConfigInput,
  type MonitorConfig,
  type NatsSettings,
  type ShardSpec,
} from "./config.js";
export { ConfigError, ConnectError, JetStreamMissing, NoMonitorError, PeermonError, QueryError, SilenceNotFound, UsageError } from "./errors.js";
export { MonitorStats } from "./stats.js";
export { PeerSetTooLarge } from "./client/peerset-too-large.js";
export { SIGNATURE_HEADER, signBody, verifySignature } from "./delivery/signature.js";
export type { DeliveryStatus } from "./delivery/delivery.js";
export type { SinkCounters, SinkStatus } from "./delivery/sink-status.js";
