// Package nic is the adapter of the national information code, format
// nic-v1 (DESIGN §3): "NIC1:" + a compact JWS, typ nic+jwt, signed with an
// endorsed ES256 or EdDSA key.
//
// It owns decoding nic-v1 and issuing this gateway's own codes (Issuer); it
// reaches no network and no database: trust comes from the snapshot it is
// given.
package nic
