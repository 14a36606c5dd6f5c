package configs

import (
	"embed"
	"io/fs"
)

//go:embed mappings/*.yaml
var mappings embed.FS

//go:embed valuesets/eu-valueSets.json
var euValueSets []byte

// EUValueSets returns the EU's value sets (the compressed valueSets.json of
// the EU DCC business rules, Apache-2.0: valuesets/LICENSE and NOTICE), the
// default external.valueSets of admission rules.
func EUValueSets() []byte { return euValueSets }

//go:embed demo/rules/*.json
var demoRules embed.FS

// DemoRules returns the demo's admission rule objects (configs/demo/rules:
// Shanghai's scene rules), unsigned: the demo signs them with its root.
func DemoRules() fs.FS {
	sub, err := fs.Sub(demoRules, "demo/rules")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// Mappings returns the embedded configs/mappings folder.
func Mappings() fs.FS {
	sub, err := fs.Sub(mappings, "mappings")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}
