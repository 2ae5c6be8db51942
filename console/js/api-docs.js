// Starts the OpenAPI documentation page (/schema): Swagger UI, vendored under ../vendor/ and loaded by the page
// before this module, reads the document whose URL the page names. A file of its own rather than an inline script,
// so the page runs under the app's script-src 'self' policy.

const host = document.getElementById('swagger-ui');

globalThis.SwaggerUIBundle({
  url: host.dataset.documentUrl,
  domNode: host,
  presets: [globalThis.SwaggerUIBundle.presets.apis],
  deepLinking: true,
  // Swagger UI would otherwise send the document to an outside validator to draw a badge.
  validatorUrl: null,
});
