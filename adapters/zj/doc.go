// Package zj is the adapter of Zhejiang's local code, format zj-v1, region
// 330000 (DESIGN §9): the URL https://hc.zj.example/q/<token>, the token
// opaque, 16 to 64 base64url characters, nothing before or after it.
//
// The code is not signed and carries no status: Decode only checks its
// shape and returns an online-only Code (Signed false) whose ID is the
// token. Its status exists only at Zhejiang; the federation status source
// asks for it and translates Zhejiang's local values (G, Y, R) with Map.
// Without an answer the verifier says unverified/issuer_unavailable: an
// online-only code never passes offline.
//
// The package owns the format's shape. It does not reach the network.
package zj
