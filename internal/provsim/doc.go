// Package provsim is the provinces' side, simulated: it signs codes with a
// full identity the way Beijing, Guangdong, Shanghai and Zhejiang would, and
// it is the simulated provincial platform (codes and their changing
// statuses in a gateway's database, DESIGN §7's provincial side).
//
// It is tooling: the demo, the bench and the tests use it. No production
// package imports it (internal/archtest), so that nothing a gateway runs
// can sign a province's code. The adapters keep what a code is (the format's
// description, its claims, the rules Decode applies, which the encoders here
// check first); the national code's issuer is production and stays in
// adapters/nic.
package provsim
