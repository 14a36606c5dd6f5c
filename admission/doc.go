// Package admission decides whether a verified traveller may enter a scene
// (DESIGN §11): the outcome of the admission rules in force, or the default
// acceptance (only green passes) when no acceptance rule is.
//
// It owns the decision and its wire form. It does not select or evaluate
// rules (the rules' selection is the trust registry's, their logic the
// certlogic package's) and reads nothing from the database.
package admission
