package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hcgw/hcgw/fault"
)

// Metrics holds one gateway's collectors in a registry of its own (several
// gateways run in one process in the demo and the tests).
type Metrics struct {
	reg           *prometheus.Registry
	verifications *prometheus.CounterVec
	admissions    *prometheus.CounterVec
	scenes        sceneLabels
	peerCalls     *prometheus.HistogramVec
	routeCalls    *prometheus.HistogramVec
	commits       prometheus.Histogram
	committed     prometheus.Counter
	recordWait    prometheus.Counter
	corrections   *prometheus.CounterVec
	turnaround    *prometheus.HistogramVec
}

// Sources are read when Prometheus scrapes; each may be nil.
type Sources struct {
	QueueDepth func() int
	Breakers   func() map[string]string // peer → "closed" | "half-open" | "open"
	// RouteBreakers: region reached through the hub → its own breaker's
	// state.
	RouteBreakers func() map[string]string
	CacheStats    func() (hits, misses int64)
	NearestLapse  func() (time.Duration, bool) // time left on the endorsement nearest its end
	KeyTables     func() int                   // ES256 keys holding a table (trust.key_tables)
}

// New builds the collectors.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.verifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hcgw_verifications_total", Help: "Verifications answered, by result, reason, issuer and status source.",
	}, []string{"result", "reason", "issuer", "source"})
	m.admissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hcgw_admission_decisions_total", Help: "Admission decisions (admit, deny, check) of answered verifications, by scene (the first 64 scenes seen; later ones are \"other\").",
	}, []string{"scene", "decision"})
	m.peerCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hcgw_peer_call_duration_seconds", Help: "Status calls to peers, by peer and outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 3},
	}, []string{"peer", "outcome"})
	m.routeCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hcgw_route_call_duration_seconds", Help: "Status calls to regions through a relaying peer (the hub), by peer, region and outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 3},
	}, []string{"peer", "region", "outcome"})
	m.commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "hcgw_audit_commit_duration_seconds", Help: "Group commits of verification records.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	m.committed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hcgw_audit_records_committed_total", Help: "Verification records committed.",
	})
	m.recordWait = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hcgw_audit_record_wait_seconds_total",
		Help: "Time committed records waited from their write to the end of their commit, summed over records (divided by hcgw_audit_records_committed_total: what durable recording adds to a verification).",
	})
	m.corrections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hcgw_corrections_total", Help: "Correction tickets entering a state, by side (filed here, received here as the org) and state.",
	}, []string{"side", "state"})
	m.turnaround = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hcgw_correction_turnaround_seconds", Help: "Time from a correction's arrival to its resolution at the org, by outcome (target: 24 h).",
		Buckets: []float64{60, 600, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 7 * 24 * 3600},
	}, []string{"outcome"})
	m.reg.MustRegister(m.corrections, m.turnaround)
	m.reg.MustRegister(m.verifications, m.admissions, m.peerCalls, m.routeCalls, m.commits, m.committed, m.recordWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.QueueDepth != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hcgw_audit_queue_depth", Help: "Records waiting for their group commit.",
		}, func() float64 { return float64(src.QueueDepth()) }))
	}
	if src.CacheStats != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hcgw_status_cache_hits_total", Help: "Live statuses served from the cache.",
		}, func() float64 { h, _ := src.CacheStats(); return float64(h) }))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hcgw_status_cache_misses_total", Help: "Live statuses that had to be asked.",
		}, func() float64 { _, mi := src.CacheStats(); return float64(mi) }))
	}
	if src.Breakers != nil {
		m.reg.MustRegister(&breakerCollector{src.Breakers, prometheus.NewDesc("hcgw_peer_breaker_state",
			"Circuit breaker per peer: 0 closed, 1 half-open, 2 open.", []string{"peer"}, nil)})
	}
	if src.RouteBreakers != nil {
		m.reg.MustRegister(&breakerCollector{src.RouteBreakers, prometheus.NewDesc("hcgw_route_breaker_state",
			"Circuit breaker per region reached through the hub: 0 closed, 1 half-open, 2 open.", []string{"region"}, nil)})
	}
	if src.NearestLapse != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hcgw_trust_nearest_expiry_days", Help: "Days until the endorsement in force nearest its end lapses (-1: none in force).",
		}, func() float64 {
			d, ok := src.NearestLapse()
			if !ok {
				return -1
			}
			return d.Hours() / 24
		}))
	}
	if src.KeyTables != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hcgw_trust_key_tables", Help: "ES256 keys holding a precomputed table in this process (260 KB each; at most trust.key_tables).",
		}, func() float64 { return float64(src.KeyTables()) }))
	}
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Verdict counts one answered verification.
func (m *Metrics) Verdict(result fault.Result, reason fault.Kind, issuer, source string) {
	m.verifications.WithLabelValues(string(result), reason.String(), issuer, source).Inc()
}

// Admission counts one admission decision at scene.
func (m *Metrics) Admission(scene, decision string) {
	m.admissions.WithLabelValues(m.scenes.label(scene), decision).Inc()
}

// maxScenes bounds the scene label's values: scenes are checkpoints' own
// labels, and a client sending a new one on every request must not grow the
// metrics without end.
const maxScenes = 64

// sceneLabels hands out a scene's label: the scene itself for the first
// maxScenes distinct scenes, "other" after them; "" is "none".
type sceneLabels struct {
	mu   sync.RWMutex
	seen map[string]struct{}
}

func (s *sceneLabels) label(scene string) string {
	if scene == "" {
		return "none"
	}
	s.mu.RLock()
	_, ok := s.seen[scene]
	s.mu.RUnlock()
	if ok {
		return scene
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]struct{}{}
	}
	if _, ok := s.seen[scene]; ok || len(s.seen) < maxScenes {
		s.seen[scene] = struct{}{}
		return scene
	}
	return "other"
}

// PeerCall observes one call to a peer (outcome: ok, unknown_code,
// circuit_open, error).
func (m *Metrics) PeerCall(peer string, took time.Duration, outcome string) {
	m.peerCalls.WithLabelValues(peer, outcome).Observe(took.Seconds())
}

// RouteCall observes one call to region through a relaying peer (outcome:
// ok, unknown_code, circuit_open, error).
func (m *Metrics) RouteCall(peer, region string, took time.Duration, outcome string) {
	m.routeCalls.WithLabelValues(peer, region, outcome).Observe(took.Seconds())
}

// Commit observes one group commit: its size, its duration, and the wait
// of its records summed (audit.Options.OnCommit).
func (m *Metrics) Commit(records int, took, waited time.Duration) {
	m.commits.Observe(took.Seconds())
	m.committed.Add(float64(records))
	m.recordWait.Add(waited.Seconds())
}

type breakerCollector struct {
	states func() map[string]string
	desc   *prometheus.Desc
}

func (b *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range b.states() {
		v := 0.0
		switch st {
		case "half-open":
			v = 1
		case "open":
			v = 2
		}
		ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, v, name)
	}
}

// Correction counts a correction ticket entering state on side ("filed",
// "received").
func (m *Metrics) Correction(side, state string) { m.corrections.WithLabelValues(side, state).Inc() }

// CorrectionTurnaround observes how long a received correction waited for
// its resolution.
func (m *Metrics) CorrectionTurnaround(outcome string, d time.Duration) {
	m.turnaround.WithLabelValues(outcome).Observe(d.Seconds())
}
