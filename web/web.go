package web

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed checkpoint
var files embed.FS

// Index is the name of the page itself.
const Index = "index.html"

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
}

// Asset returns the checkpoint page's file name (a plain name, no folder) and
// its content type; ok is false for any other name.
func Asset(name string) (body []byte, contentType string, ok bool) {
	return asset(files, "checkpoint", name)
}

// Names lists the page's files.
func Names() []string { return names(files, "checkpoint") }

// asset reads one file (a plain name, no folder) of a page's folder in fsys
// with its content type; ok is false for any other name.
func asset(fsys fs.FS, dir, name string) (body []byte, contentType string, ok bool) {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, "", false
	}
	ct, known := types[path.Ext(name)]
	if !known {
		return nil, "", false
	}
	b, err := fs.ReadFile(fsys, dir+"/"+name)
	if err != nil {
		return nil, "", false
	}
	return b, ct, true
}

// names lists the files of a page's folder in fsys.
func names(fsys fs.FS, dir string) []string {
	entries, _ := fs.ReadDir(fsys, dir)
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// ContentSecurityPolicy is sent with the page: it may load only its own
// files and talk only to this gateway; no inline script, no other origin.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
