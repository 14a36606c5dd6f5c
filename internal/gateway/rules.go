package gateway

import (
	"fmt"
	"os"

	"github.com/hcgw/hcgw/adapters"
	"github.com/hcgw/hcgw/adapters/all"
	"github.com/hcgw/hcgw/admission"
	"github.com/hcgw/hcgw/certlogic"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// The formats and rules capability: the mapping tables of the local
// formats, their adapters, the value sets admission rules read, and the
// verifier deciding with them.

// formats is what codes are read and judged with.
type formats struct {
	tables    mapping.Tables     // mappings_dir, else the built-in tables
	adapters  *adapters.Registry // one adapter per format
	valueSets certlogic.Value    // rules.value_sets, else the EU's
}

// loadFormats reads the mapping tables (mappings_dir) and the value sets
// (rules.value_sets) and builds every format's adapter.
func loadFormats(cfg *config.Config) (formats, error) {
	tables, err := LoadTables(cfg)
	if err != nil {
		return formats{}, err
	}
	valueSets, err := loadValueSets(cfg.Rules, cfg.ResolvePath)
	if err != nil {
		return formats{}, err
	}
	reg, err := all.Registry(tables)
	if err != nil {
		return formats{}, fmt.Errorf("adapters: %w", err)
	}
	return formats{tables: tables, adapters: reg, valueSets: valueSets}, nil
}

// loadValueSets reads the value sets admission rules see (rules.value_sets,
// else the EU's built in).
func loadValueSets(c config.Rules, resolve func(string) string) (certlogic.Value, error) {
	data := configs.EUValueSets()
	if f := c.ValueSets; f != "" {
		var err error
		if data, err = os.ReadFile(resolve(f)); err != nil {
			return certlogic.Null(), fmt.Errorf("rules.value_sets: %w", err)
		}
	}
	v, err := admission.ParseValueSets(data)
	if err != nil {
		return certlogic.Null(), fmt.Errorf("rules.value_sets: %w", err)
	}
	return v, nil
}

// newVerifier is the verifier of g: its trust, clock, records and metrics,
// with f's formats and value sets, the bounds of c and maxCodeBytes, and
// p's client and sharer when it federates (online status, verifications by
// identity document).
func (g *Gateway) newVerifier(c config.Verify, maxCodeBytes int, f formats, p peering) *verify.Verifier {
	v := &verify.Verifier{
		ValueSets: f.valueSets,
		Adapters:  f.adapters, Trust: g.Trust, Clock: g.clock, Skew: c.ClockSkew,
		MaxCodeBytes: maxCodeBytes, Region: g.Config.Region, Recorder: g.Audit, RecordTimeout: -1,
		BatchDeadline: c.BatchDeadline, BatchParallelism: c.BatchParallelism,
		Observe: func(scene string, vd verify.Verdict) {
			g.Metrics.Verdict(vd.Result, vd.Reason, vd.Issuer, string(vd.Source))
			g.Metrics.Admission(scene, string(vd.Admission.Decision))
		},
	}
	if p.client != nil {
		v.Online, v.Deadline = p.client, c.Deadline
	}
	if p.share != nil {
		v.Holders = p.share
	}
	return v
}
