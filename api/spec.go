// Package api holds the OpenAPI 3.1 document, the contract of the HTTP API, and the offline
// docs page that renders it. It imports nothing of ours.
package api

import (
	_ "embed"
)

// OpenAPIYAML is api/openapi.yaml as written.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte
