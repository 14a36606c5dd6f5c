// Package all registers every adapter hcgw ships. Adding a province is one
// package under adapters/, one table under configs/mappings and one line
// in the list below.
//
// It owns that list only: no decoding of its own.
package all
