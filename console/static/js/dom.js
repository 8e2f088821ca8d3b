// Building the DOM without innerHTML: every text from the API goes in as text, never as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

/** An element: h("button", {type: "button", onclick: f, class: "x", dataset: {id}}, "text", child, ...). */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, as h() makes HTML ones. */
export function s(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  let value;
  for (const [key, given] of Object.entries(props ?? {})) {
    if (given === null || given === undefined || given === false) continue;
    if (key === "class") element.setAttribute("class", given);
    else if (key === "dataset") Object.assign(element.dataset, given);
    else if (key.startsWith("on") && typeof given === "function") element.addEventListener(key.slice(2), given);
    else if (key === "value" && element.namespaceURI !== SVG_NS) value = String(given);
    else element.setAttribute(key, given === true ? "" : String(given));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  if (value !== undefined) element.value = value; // after the children: a <select> needs its options first
  return element;
}

/** An element id from a prefix and an API ID (global IDs are base64: "=" and "+" are no CSS). */
export function domId(prefix, apiId) {
  return `${prefix}-${apiId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** Replace an element's children (null and false left out, as h() does). */
export function fill(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

/** A label only screen readers read (the visible context is the table's header). */
export function hiddenLabel(forId, text) {
  return h("label", { for: forId, class: "visually-hidden" }, text);
}

/** A table in a box that scrolls sideways on a narrow screen, rather than the page. */
export function scrolling(table) {
  return h("div", { class: "table-scroll" }, table);
}

/** Keep the focused control focused across a re-render (controls have stable ids). */
export function keepingFocus(render) {
  const focused = document.activeElement?.id;
  render();
  if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus({ preventScroll: true });
}

/** A debounced call: many events in a burst, one refetch. */
export function debounced(call, ms) {
  let timer = null;
  const run = () => {
    clearTimeout(timer);
    timer = setTimeout(call, ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}
