// Package mapping owns the national model that every region understands: the
// status enum and its severity order, the masked holder and the masking
// rules, the claims of the national information code (NIC) and the
// itinerary mark, identity-number and region rules, the strict JSON reader
// the decoders share, and the local→national mapping tables loaded from
// configs/mappings.
//
// It may not touch a key, a database or the network, and imports nothing of
// hcgw but fault, whose kinds its errors carry (the verdict reasons and
// their vocabulary live there, not here).
package mapping
