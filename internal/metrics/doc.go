// Package metrics exposes a gateway's Prometheus metrics:
// verdicts by result, reason, issuer and source; peer call latency and
// breaker states; the status cache's hit ratio; the audit queue and commit
// latency; days to the nearest endorsement expiry.
//
// It owns the metric names and labels; no label ever holds holder data
// (reasons, regions, sources only).
package metrics
