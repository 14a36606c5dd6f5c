package web

import "embed"

// The home page (GET /): what a person who opens the gateway's address in a
// browser sees — links to the pages and descriptions it serves. Only files,
// like the other pages.
//
//go:embed home
var homeFiles embed.FS

// HomeIndex is the name of the home page itself.
const HomeIndex = "index.html"

// HomeAsset returns one of the home page's files (a plain name, no folder)
// and its content type; ok is false for any other name.
func HomeAsset(name string) (body []byte, contentType string, ok bool) {
	return asset(homeFiles, "home", name)
}

// HomeLinks are the addresses the home page links to; each must answer 200
// on every gateway (web's and httpapi's tests check both).
var HomeLinks = []string{"/checkpoint", "/operator", "/openapi.yaml", "/healthz"}
