// init.js renders the RecomEngine OpenAPI document with the vendored Swagger UI.
// It lives in its own file so /docs works under a CSP of script-src 'self'.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No validator badge: it would send the document to validator.swagger.io.
    validatorUrl: null,
    displayRequestDuration: true,
  });
});
