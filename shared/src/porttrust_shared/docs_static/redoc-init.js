// ReDoc for this service, from this service's own assets (see porttrust_shared.docs).
// No web fonts: the theme's font families fall back to the system's sans-serif.
(function () {
  "use strict";
  var here = document.currentScript;
  Redoc.init(here.getAttribute("data-openapi"), {
    hideDownloadButton: false,
    expandResponses: "200,201,202",
    theme: { typography: { fontFamily: "sans-serif", headings: { fontFamily: "sans-serif" } } },
  }, document.getElementById("redoc"));
})();
