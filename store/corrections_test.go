package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/audit"
	"github.com/hcgw/hcgw/store"
)

// TestCorrections runs the correction tickets' cases on every backend, each
// on a fresh database.
func TestCorrections(t *testing.T) {
	cases := map[string]func(t *testing.T, e env){
		"a ticket round-trips every field and survives a reopen":        testCorrectionRoundTrip,
		"a ticket stored twice is one row; another region's is refused": testCorrectionIdempotent,
		"an update only moves a ticket from the states it names":        testCorrectionGuardedUpdate,
		"lists are by side and state, oldest first":                     testCorrectionLists,
		"due pending tickets come by next try":                          testCorrectionDue,
		"a malformed ticket is refused":                                 testCorrectionValidation,
		"one ticket id on both sides is two rows":                       testCorrectionBothSides,
	}
	for _, be := range backends {
		t.Run(be.driver, func(t *testing.T) {
			for name, c := range cases {
				t.Run(name, func(t *testing.T) {
					dsn := be.fresh(t)
					c(t, env{driver: be.driver, dsn: dsn, db: open(t, be.driver, dsn)})
				})
			}
		})
	}
}

var filedAt = time.Date(2026, 12, 1, 9, 30, 0, 123456000, shanghai)

func sampleCorrection(i int) store.Correction {
	at := filedAt.Add(time.Duration(i) * time.Minute)
	return store.Correction{Ticket: audit.NewID(at), Side: store.CorrectionFiled, Peer: "440000", CID: "gd-code-1",
		Claim: "status_wrong", Detail: "核酸阴性，平台显示黄码 yellow on the platform", Checkpoint: "浦东机场-T2", Actor: "gate-1",
		State: store.CorrectionPending, FiledAt: at, NextTry: at}
}

func testCorrectionRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	c := sampleCorrection(0)
	got, created, err := e.db.PutCorrection(ctx, c)
	if err != nil || !created {
		t.Fatalf("put: %v created=%v", err, created)
	}
	c.State, c.Status, c.Note, c.ResolvedAt, c.Attempts, c.LastError = store.CorrectionCorrected, "green", "复核后改为绿码",
		filedAt.Add(time.Hour), 3, "peer 000000 answered 503"
	if ok, err := e.db.UpdateCorrection(ctx, c); err != nil || !ok {
		t.Fatalf("update: %v %v", err, ok)
	}
	again, err := e.reopen(t).GetCorrection(ctx, store.CorrectionFiled, got.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.FiledAt, want.NextTry, want.ResolvedAt = c.FiledAt.UTC().Truncate(time.Microsecond), c.NextTry.UTC().Truncate(time.Microsecond),
		c.ResolvedAt.UTC().Truncate(time.Microsecond)
	if *again != want {
		t.Fatalf("read back\n%+v\nwant\n%+v", *again, want)
	}
	if !again.Final() {
		t.Fatal("a corrected ticket is not final")
	}
}

func testCorrectionIdempotent(t *testing.T, e env) {
	ctx := context.Background()
	c := sampleCorrection(0)
	c.Side, c.Peer, c.State = store.CorrectionReceived, "310000", store.CorrectionOpen
	if _, created, err := e.db.PutCorrection(ctx, c); err != nil || !created {
		t.Fatal(err, created)
	}
	c2 := c
	c2.Detail = "a redelivery"
	got, created, err := e.db.PutCorrection(ctx, c2)
	if err != nil || created || got.Detail != c.Detail {
		t.Fatalf("second put: %+v created=%v err=%v", got, created, err)
	}
	c3 := c
	c3.Peer = "330000"
	if _, _, err := e.db.PutCorrection(ctx, c3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("another region's ticket with the same id: %v", err)
	}
	rows, _ := e.db.ListCorrections(ctx, store.CorrectionReceived, "", 0)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
}

func testCorrectionGuardedUpdate(t *testing.T, e env) {
	ctx := context.Background()
	c, _, err := e.db.PutCorrection(ctx, sampleCorrection(0))
	if err != nil {
		t.Fatal(err)
	}
	c.State = store.CorrectionOpen
	if ok, err := e.db.UpdateCorrection(ctx, c, store.CorrectionPending); err != nil || !ok {
		t.Fatal(err, ok)
	}
	c.State = store.CorrectionRejected
	if ok, err := e.db.UpdateCorrection(ctx, c, store.CorrectionPending); err != nil || ok {
		t.Fatalf("an open ticket was moved by an update meant for a pending one: %v %v", err, ok)
	}
	got, _ := e.db.GetCorrection(ctx, c.Side, c.Ticket)
	if got.State != store.CorrectionOpen {
		t.Fatalf("state %s", got.State)
	}
}

func testCorrectionLists(t *testing.T, e env) {
	ctx := context.Background()
	var want []string
	for i := 4; i >= 0; i-- { // stored newest first
		c := sampleCorrection(i)
		if i%2 == 1 {
			c.State = store.CorrectionOpen
		} else {
			want = append([]string{c.Ticket}, want...)
		}
		if _, _, err := e.db.PutCorrection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.db.ListCorrections(ctx, store.CorrectionFiled, store.CorrectionPending, 0)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v %d", err, len(got))
	}
	for i := range got {
		if got[i].Ticket != want[i] {
			t.Fatalf("order: %d is %s, want %s", i, got[i].Ticket, want[i])
		}
	}
	if rec, _ := e.db.ListCorrections(ctx, store.CorrectionReceived, "", 0); len(rec) != 0 {
		t.Fatalf("filed tickets listed as received: %d", len(rec))
	}
}

func testCorrectionDue(t *testing.T, e env) {
	ctx := context.Background()
	a, b := sampleCorrection(0), sampleCorrection(1)
	a.NextTry, b.NextTry = filedAt.Add(10*time.Minute), filedAt.Add(time.Minute)
	for _, c := range []store.Correction{a, b} {
		if _, _, err := e.db.PutCorrection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	due, err := e.db.DueCorrections(ctx, store.CorrectionPending, filedAt.Add(5*time.Minute), 0)
	if err != nil || len(due) != 1 || due[0].Ticket != b.Ticket {
		t.Fatalf("%v %+v", err, due)
	}
	due, _ = e.db.DueCorrections(ctx, store.CorrectionPending, filedAt.Add(time.Hour), 0)
	if len(due) != 2 || due[0].Ticket != b.Ticket {
		t.Fatalf("%+v", due)
	}
}

func testCorrectionValidation(t *testing.T, e env) {
	for name, mut := range map[string]func(*store.Correction){
		"no side":             func(c *store.Correction) { c.Side = "" },
		"a ticket with space": func(c *store.Correction) { c.Ticket = "a b" },
		"no cid":              func(c *store.Correction) { c.CID = "" },
		"501 characters":      func(c *store.Correction) { c.Detail = strings.Repeat("码", 501) },
		"a note not UTF-8":    func(c *store.Correction) { c.Note = "\xff" },
	} {
		c := sampleCorrection(0)
		mut(&c)
		if _, _, err := e.db.PutCorrection(context.Background(), c); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	c := sampleCorrection(0)
	c.Detail = strings.Repeat("码", 500)
	if _, _, err := e.db.PutCorrection(context.Background(), c); err != nil {
		t.Fatalf("500 characters: %v", err)
	}
}

func testCorrectionBothSides(t *testing.T, e env) {
	ctx := context.Background()
	c := sampleCorrection(0)
	r := c
	r.Side, r.Peer, r.State = store.CorrectionReceived, "310000", store.CorrectionOpen
	for _, x := range []store.Correction{c, r} {
		if _, created, err := e.db.PutCorrection(ctx, x); err != nil || !created {
			t.Fatal(err, created)
		}
	}
	got, err := e.db.GetCorrection(ctx, store.CorrectionReceived, c.Ticket)
	if err != nil || got.Peer != "310000" {
		t.Fatal(err, got)
	}
	if _, err := e.db.GetCorrection(ctx, store.CorrectionReceived, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}
