// Previews that look like the site: the site's stylesheet, the event's header facts and prose, and
// the fee table exactly as the last build published it (prices come from the build, never from here).
const h = (...args) => window.h(...args);

function text(entry, name) {
  const value = entry.getIn(["data", name]);
  return value === undefined || value === null ? "" : String(value);
}

function feeTableHtml(page) {
  const doc = new DOMParser().parseFromString(page, "text/html");
  const table = doc.querySelector('section[aria-labelledby="fees"]');
  return table ? table.outerHTML : "";
}

// Built once Decap has loaded (it provides createClass and h).
export function eventPreview() {
  return window.createClass({
  getInitialState() {
    return { slug: "", fees: "" };
  },
  componentDidMount() {
    this.load();
  },
  componentDidUpdate() {
    this.load();
  },
  load() {
    const slug = text(this.props.entry, "slug") || this.props.entry.get("slug") || "";
    if (!slug || slug === this.state.slug) return;
    this.setState({ slug, fees: null });
    fetch(`/events/${encodeURIComponent(slug)}/`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((page) => this.setState({ fees: feeTableHtml(page) }))
      .catch(() => this.setState({ fees: "" }));
  },
  render() {
    const { entry, widgetFor } = this.props;
    const format = text(entry, "format");
    const venue = text(entry, "venue");
    const when = [text(entry, "date"), [text(entry, "starts"), text(entry, "ends")].filter(Boolean).join(" to ")]
      .filter(Boolean)
      .join(", ");
    const fees = this.state.fees
      ? h("div", { dangerouslySetInnerHTML: { __html: this.state.fees } })
      : h(
          "p",
          { className: "preview-note" },
          this.state.fees === null
            ? "Loading the fee table…"
            : "No fee table yet: give this event a tariff under “Fee table” → “Events open for booking”, save both, and the prices appear here after the site is rebuilt.",
        );
    return h(
      "main",
      { className: "wrap" },
      h("h1", null, text(entry, "title")),
      h(
        "p",
        { className: "event-facts" },
        [when && `${when} (UK time)`, format === "virtual" ? "Virtual" : [format, venue].filter(Boolean).join(": ")]
          .filter(Boolean)
          .join(" · "),
      ),
      text(entry, "summary") && h("p", { className: "lead" }, text(entry, "summary")),
      fees,
      widgetFor("body"),
    );
  },
  });
}

export function pagePreview() {
  return ({ entry, widgetFor }) => h("main", { className: "wrap" }, h("h1", null, text(entry, "title")), widgetFor("body"));
}
