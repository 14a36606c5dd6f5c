package store_test

import (
	"strings"
	"testing"

	"github.com/hcgw/hcgw/internal/testdb"
	"github.com/hcgw/hcgw/store"
)

// A rule's JWS may pass 64 KiB: on MySQL the jws column is MEDIUMTEXT, and
// a database made before rules (a TEXT column) is widened at start.
func TestRuleEntryFitsAndOldColumnIsWidened(t *testing.T) {
	dsn := testdb.FreshMySQL(t)
	db := open(t, store.DriverMySQL, dsn)
	if err := db.Gorm().Exec("ALTER TABLE trust_entries MODIFY jws TEXT NOT NULL").Error; err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("A", 90<<10)
	if err := db.SaveTrustEntry(t.Context(), store.TrustEntry{Kind: store.KindRule, Kid: "310000:R:1.0.0", JTI: "j", Sub: "310000", JWS: big}); err == nil {
		t.Fatal("a 90 KiB JWS fitted a TEXT column: the test proves nothing")
	}
	db.Close()

	db = open(t, store.DriverMySQL, dsn)
	var typ string
	if err := db.Gorm().Raw("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'trust_entries' AND COLUMN_NAME = 'jws'").Scan(&typ).Error; err != nil {
		t.Fatal(err)
	}
	if typ != "mediumtext" {
		t.Fatalf("jws column is %s after migration, want mediumtext", typ)
	}
	if err := db.SaveTrustEntry(t.Context(), store.TrustEntry{Kind: store.KindRule, Kid: "310000:R:1.0.0", JTI: "j", Sub: "310000", JWS: big}); err != nil {
		t.Fatal(err)
	}
	got, err := db.TrustEntries(t.Context())
	if err != nil || len(got) != 1 || got[0].JWS != big || got[0].Kind != store.KindRule {
		t.Fatalf("%d entries, %v", len(got), err)
	}
}
