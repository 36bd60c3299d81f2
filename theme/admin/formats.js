// How Decap reads and writes our files, so that a CMS save is what an organiser would write by hand:
// Pelican's "Key: value" header for events and pages, and content/fees.yaml with its maps keyed by id.
import { Document, isMap, isScalar, isSeq, parseDocument, visit } from "./vendor/yaml/index.js";

// Header keys in the order and spelling the organiser guide uses (Python-Markdown reads them in lower case).
const HEADER_KEYS = [
  "Title", "Slug", "Date", "Starts", "Ends", "Format", "Venue", "Hashtag", "CPD_hours",
  "Also_of_interest", "Supporters", "Summary", "Status", "Modified", "Template", "Save_as", "URL",
];
const SPELLING = Object.fromEntries(HEADER_KEYS.map((key) => [key.toLowerCase(), key]));
const LIST_KEYS = new Set(["also_of_interest", "supporters"]);
// Python-Markdown's meta extension: "Key: value", continued by lines indented four spaces or more.
const META = /^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$/;
const MORE = /^(?:[ ]{4,}|\t)(.*)$/;

function splitList(text) {
  const separator = text.includes(";") ? ";" : ",";
  return text.split(separator).map((part) => part.trim()).filter(Boolean);
}

// The header keys of each file read, by slug, in the file's order.
const fileOrders = new Map();

export function parseHeader(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const data = {};
  let key = null;
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.trim() === "") break;
    const meta = META.exec(line);
    const more = MORE.exec(line);
    if (meta) {
      key = meta[1].toLowerCase();
      data[key] = meta[2].trim();
    } else if (more && key) {
      data[key] = `${data[key]} ${more[1].trim()}`.trim();
    } else {
      break; // not a header line: the prose starts here, as Python-Markdown reads it
    }
  }
  for (const name of LIST_KEYS) {
    if (typeof data[name] === "string") data[name] = splitList(data[name]);
  }
  if (data.slug) fileOrders.set(data.slug, Object.keys(data));
  data.body = lines.slice(index).join("\n").replace(/^\n+/, "");
  return data;
}

function headerValue(name, value) {
  if (Array.isArray(value)) {
    const items = value.map((item) => String(item).replace(/\s+/g, " ").trim()).filter(Boolean);
    return items.join(items.some((item) => item.includes(",")) ? "; " : ", ");
  }
  let text = value === null || value === undefined ? "" : String(value).replace(/\s+/g, " ").trim();
  if (name === "hashtag" && text && !text.startsWith("#")) text = `#${text}`;
  if (name === "status" && text === "published") text = ""; // the default, left out as people do
  return text;
}

export function writeHeader(data) {
  // An existing file keeps its own order; a new entry (whose data comes in the order fields were
  // filled) and fields added later follow the guide's order.
  const fileOrder = fileOrders.get(data.slug) ?? [];
  const rank = (name) => {
    if (fileOrder.includes(name)) return fileOrder.indexOf(name);
    const at = HEADER_KEYS.indexOf(SPELLING[name] ?? "");
    return fileOrder.length + (at === -1 ? HEADER_KEYS.length : at);
  };
  const names = Object.keys(data).filter((name) => name !== "body").sort((a, b) => rank(a) - rank(b));
  const lines = [];
  for (const name of names) {
    const text = headerValue(name, data[name]);
    if (text) lines.push(`${SPELLING[name] ?? name.charAt(0).toUpperCase() + name.slice(1)}: ${text}`);
  }
  const body = String(data.body ?? "").replace(/\r\n?/g, "\n").replace(/^\n+/, "").replace(/\s+$/, "");
  return `${lines.join("\n")}\n\n${body}\n`;
}

// content/fees.yaml keeps its maps keyed by id (tariffs, categories, events, codes); Decap's list
// widget edits lists, so each map becomes a list of entries with the key as a field, and back.
// The last item is the order a person writes an entry's keys in (others follow).
const KEYED = [
  ["tariffs", "id", [["categories", "id", [], ["label", "net"]]], ["label", "categories"]],
  ["events", "slug", [], ["tariff", "booking_closes", "max_delegates", "sold_out", "early_booking"]],
  ["codes", "code", [], ["percent", "events", "until"]],
];

function ordered(entry, order) {
  const rank = (key) => (order.includes(key) ? order.indexOf(key) : order.length);
  return Object.fromEntries(Object.entries(entry).sort(([a], [b]) => rank(a) - rank(b)));
}

function toList(map, keyName, nested, order = []) {
  if (!map || typeof map !== "object" || Array.isArray(map)) return map;
  return Object.entries(map).map(([key, value]) => {
    const entry = { [keyName]: key, ...(value && typeof value === "object" ? value : {}) };
    for (const [field, innerKey, innerNested] of nested) entry[field] = toList(entry[field], innerKey, innerNested);
    return entry;
  });
}

function toMap(list, keyName, nested, order = []) {
  if (!Array.isArray(list)) return list;
  const map = {};
  for (const item of list) {
    const { [keyName]: key, ...rest } = item ?? {};
    for (const [field, innerKey, innerNested, innerOrder] of nested) {
      if (field in rest) rest[field] = toMap(rest[field], innerKey, innerNested, innerOrder);
    }
    map[String(key ?? "").trim()] = ordered(rest, order);
  }
  return map;
}

// What a person leaves out: empty text, empty lists, unset optional fields, false sold_out.
function prune(value) {
  if (Array.isArray(value)) return value.map(prune);
  if (value && typeof value === "object") {
    const kept = {};
    for (const [key, inner] of Object.entries(value)) {
      const cleaned = prune(inner);
      const empty = (typeof cleaned === "string" && cleaned.trim() === "") || cleaned === null || cleaned === undefined
        || (Array.isArray(cleaned) && cleaned.length === 0)
        || (typeof cleaned === "object" && !Array.isArray(cleaned) && Object.keys(cleaned).length === 0)
        || (key === "sold_out" && cleaned === false);
      if (!empty) kept[key] = cleaned;
    }
    return kept;
  }
  return value;
}

// Values starting with a digit ("295.00", "2027-09-13 17:00") are written in quotes, as the fee
// table's own comment asks people to write them (YAML 1.1, the build's reader, would take 295.00 as a number).
function quoteDigits(node) {
  visit(node, {
    Scalar(key, scalar) {
      if (key !== "key" && typeof scalar.value === "string" && /^[0-9]/.test(scalar.value)) scalar.type = "QUOTE_DOUBLE";
    },
  });
  return node;
}

const keyOf = (pair) => (isScalar(pair.key) ? pair.key.value : pair.key);
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

// Apply the editor's data to the file as it was read, changing only what changed: comments, key
// order and the {flow: style} a person chose stay where they were.
function merge(doc, path, value) {
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (isObject(value) && isMap(node)) {
    for (const pair of [...node.items]) if (!(keyOf(pair) in value)) node.delete(keyOf(pair));
    for (const [key, inner] of Object.entries(value)) merge(doc, [...path, key], inner);
  } else if (isScalar(node) && !isObject(value) && !Array.isArray(value)) {
    if (node.value !== value) {
      node.value = value;
      if (typeof value === "string" && /^[0-9]/.test(value)) node.type = "QUOTE_DOUBLE";
    }
  } else if (!(isSeq(node) && JSON.stringify(node.toJSON()) === JSON.stringify(value))) {
    const fresh = quoteDigits(doc.createNode(value));
    if (path.length) doc.setIn(path, fresh);
    else doc.contents = fresh;
  }
}

function yamlFormat(toEditor, toFile) {
  let read = null; // the file as last read, to write changes into
  return {
    fromFile(text) {
      const doc = parseDocument(text, { version: "1.1" });
      if (doc.errors.length) throw new Error(doc.errors[0].message);
      read = doc;
      return toEditor(doc.toJS() ?? {});
    },
    toFile(data) {
      const value = toFile(prune(data));
      const doc = read ? read.clone() : new Document({}, { version: "1.1" });
      merge(doc, [], value);
      return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
    },
  };
}

export const feeTableFormat = yamlFormat(
  (data) => {
    const out = { ...data };
    for (const [field, key, nested] of KEYED) out[field] = toList(out[field], key, nested);
    return out;
  },
  (data) => {
    const out = { ...data };
    for (const [field, key, nested, order] of KEYED) if (field in out) out[field] = toMap(out[field], key, nested, order);
    return out;
  },
);

export const pelicanHeaderFormat = { fromFile: parseHeader, toFile: writeHeader };

// content/organiser.yaml: plain YAML whose opening comment survives a save.
export const commentedYamlFormat = yamlFormat((data) => data, (data) => data);
