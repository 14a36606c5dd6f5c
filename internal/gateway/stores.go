package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/store"
	"github.com/hcgw/hcgw/trust"
)

// The consumer-side interfaces of trust and httpapi, met by store.

type trustStore struct{ db *store.DB }

func (t trustStore) SaveTrust(ctx context.Context, e trust.Entry) error {
	return t.db.SaveTrustEntry(ctx, store.TrustEntry{Kind: e.Kind, Kid: e.Kid, JTI: e.JTI, Sub: e.Sub, JWS: e.JWS})
}

// trustEntry is a stored row as the registry takes it.
func trustEntry(r store.TrustEntry) trust.Entry {
	return trust.Entry{Kind: r.Kind, Kid: r.Kid, JTI: r.JTI, Sub: r.Sub, JWS: r.JWS}
}

func (t trustStore) LoadTrust(ctx context.Context) ([]trust.Entry, error) {
	rows, err := t.db.TrustEntries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]trust.Entry, len(rows))
	for i, r := range rows {
		out[i] = trustEntry(r)
	}
	return out, nil
}

type recordStore struct{ db *store.DB }

func (r recordStore) Record(ctx context.Context, id string) (*audit.Record, error) {
	rec, err := r.db.GetRecord(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpapi.ErrNotFound
	}
	return rec, err
}

type eventStore struct {
	db    *store.DB
	clock func() time.Time
}

func (e eventStore) TrustEvent(ctx context.Context, ev httpapi.TrustEvent) error {
	return e.db.InsertTrustEvent(ctx, store.TrustEvent{At: e.clock(), Action: ev.Action, Kid: ev.Kid, Sub: ev.Sub,
		Actor: ev.Actor, Detail: ev.Detail})
}
