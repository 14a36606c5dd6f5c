// Package mapping owns the national model that every region understands: the
// status enum and its severity order, the verdict vocabulary (results and
// reasons), the masked holder, and the claims of the national information code
// (NIC). It also holds the local→national mapping tables loaded from
// configs/mappings.
//
// It depends on nothing else in hcgw; every other package may depend on it.
// It never sees a key, a database or the network.
package mapping
