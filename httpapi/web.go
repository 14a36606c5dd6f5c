package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/web"
)

// openAPISpec describes every endpoint of this package (GET /openapi.yaml).
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPI returns the OpenAPI 3 description of the API.
func OpenAPI() []byte { return openAPISpec }

func (a *api) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/yaml", openAPISpec)
}

// checkpointPage serves the checkpoint page; checkpointAsset its files.
// Neither needs a token: the page holds no secret, and every call it makes
// carries the operator's own.
func (a *api) checkpointPage(c *gin.Context) { a.serveAsset(c, web.Index) }

func (a *api) checkpointAsset(c *gin.Context) { a.serveAsset(c, c.Param("asset")) }

func (a *api) serveAsset(c *gin.Context, name string) {
	body, ct, ok := web.Asset(name)
	if !ok {
		renderError(c, CodeNotFound, "no such file of the checkpoint page")
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", web.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ct, body)
}
