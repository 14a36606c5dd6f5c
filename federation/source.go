package federation

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// Source is a province's own platform as its gateway sees it: the live
// status of one of its codes. A code it does not know is a
// *fault.Error with reason StatusUnknown; any other error means the
// platform could not answer.
type Source interface {
	Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error)
}

// ErrUnknownCode is the problem a Source reports for a code it never issued.
var ErrUnknownCode = fault.New(fault.StatusUnknown, "the issuer does not know this code")

// MemorySource is a Source held in memory: the tests' and the demo's
// simulated platform. Statuses can change at any time with Set.
type MemorySource struct {
	mu    sync.RWMutex
	codes map[string]mapping.LiveStatus
	Err   error // when set, every Lookup fails with it (a platform outage)
	delay atomic.Int64
}

// SetDelay makes every Lookup take d first (a slow platform), or less when
// its context ends.
func (m *MemorySource) SetDelay(d time.Duration) { m.delay.Store(int64(d)) }

// NewMemorySource makes an empty platform.
func NewMemorySource() *MemorySource { return &MemorySource{codes: map[string]mapping.LiveStatus{}} }

// Set records (or changes) a code's status.
func (m *MemorySource) Set(cid string, st mapping.LiveStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[cid] = st
}

// Lookup implements Source.
func (m *MemorySource) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
	if d := time.Duration(m.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return mapping.LiveStatus{}, ctx.Err()
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.Err != nil {
		return mapping.LiveStatus{}, m.Err
	}
	st, ok := m.codes[cid]
	if !ok {
		return mapping.LiveStatus{}, ErrUnknownCode
	}
	return st, nil
}
