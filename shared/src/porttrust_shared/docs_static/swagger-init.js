// Swagger UI for this service, from this service's own assets (see porttrust_shared.docs).
// Every URL is relative to the page, so the page works behind a path prefix; the document is
// fetched here so that, without a `servers` entry, "Try it out" calls the same prefix too.
(function () {
  "use strict";
  var here = document.currentScript;
  var specUrl = here.getAttribute("data-openapi");
  var base = new URL(".", window.location.href).href.replace(/\/$/, "");
  fetch(specUrl, { headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (spec) {
      if (!spec.servers || spec.servers.length === 0) {
        spec.servers = [{ url: base }];
      }
      window.ui = SwaggerUIBundle({
        spec: spec,
        dom_id: "#swagger-ui",
        layout: "BaseLayout",
        deepLinking: true,
        showExtensions: true,
        showCommonExtensions: true,
        persistAuthorization: false,
        validatorUrl: null,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
      });
    })
    .catch(function (error) {
      document.getElementById("swagger-ui").textContent =
        "The OpenAPI document could not be loaded: " + error;
    });
})();
