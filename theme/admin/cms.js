// Starts Decap CMS with our formats and previews. Decap is told to wait (CMS_MANUAL_INIT) so that
// the formats exist before it reads a file; it is loaded from this site, never from a CDN.
import { commentedYamlFormat, feeTableFormat, pelicanHeaderFormat } from "./formats.js";
import { eventPreview, pagePreview } from "./previews.js";

window.CMS_MANUAL_INIT = true;

function loadDecap() {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL("decap-cms.js", import.meta.url).href;
    script.onload = resolve;
    script.onerror = () => reject(new Error("decap-cms.js did not load"));
    document.head.append(script);
  });
}

await loadDecap();
const CMS = window.CMS;
CMS.registerCustomFormat("pelican-header", "md", pelicanHeaderFormat);
CMS.registerCustomFormat("fee-table", "yaml", feeTableFormat);
CMS.registerCustomFormat("commented-yaml", "yaml", commentedYamlFormat);
CMS.registerPreviewStyle("/theme/css/site.css");
CMS.registerPreviewStyle("/admin/preview.css");
CMS.registerPreviewTemplate("events", eventPreview());
CMS.registerPreviewTemplate("pages", pagePreview());
// The local backend (make dev) is reached through the dev server's own origin, so that /admin/'s
// Content-Security-Policy needs no other address; Decap uses it only on 127.0.0.1 or localhost.
CMS.init({ config: { local_backend: { url: `${window.location.origin}/_cms/api/v1` } } });
