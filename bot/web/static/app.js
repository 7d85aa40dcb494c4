// The Stylist web chat: renders the transcript and sends messages. Every text from the user or the stylist
// is set with textContent (never as HTML), so nothing anyone types can become markup or script.
"use strict";

const $ = (id) => document.getElementById(id);
const transcript = $("transcript");
const form = $("form");
const textBox = $("text");
const sendButton = $("send");
const attachments = $("attachments");
const welcome = $("welcome");
const statusLine = $("status");

let pending = []; // files chosen but not sent yet: {file, url}
let busy = false;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function mediaUrl(id) {
  return "/media/" + encodeURIComponent(id);
}

let anchor = null; // the first new reply: kept in view while its pictures load
let followUntil = 0;

function nearBottom() {
  return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 160;
}

function scrollDown() {
  transcript.scrollTop = transcript.scrollHeight;
}

// Show the newest messages: the bottom, unless that would push the first new reply's top out of view.
function reveal() {
  if (anchor && anchor.isConnected) transcript.scrollTop = Math.min(anchor.offsetTop - 12, transcript.scrollHeight);
  else scrollDown();
}

function follow(row) {
  anchor = row;
  followUntil = Date.now() + 5000;
  reveal();
}

function image(src, alt, caption) {
  const img = el("img");
  img.src = src;
  img.alt = alt || "";
  img.loading = "lazy";
  img.decoding = "async";
  img.addEventListener("load", () => { if (Date.now() < followUntil) reveal(); else if (nearBottom()) scrollDown(); });
  img.addEventListener("click", () => openLightbox(src, alt, caption));
  return img;
}

function buttonRows(rows) {
  const box = el("div", "buttons");
  for (const row of rows || []) {
    const line = el("div", "button-row");
    for (const b of row) {
      const button = el("button", "chip", b.label);
      button.type = "button";
      button.addEventListener("click", () => press(b.payload, b.label, button));
      line.append(button);
    }
    box.append(line);
  }
  return box;
}

function renderPicture(picture) {
  const figure = el("figure", "picture");
  if (picture.media) figure.append(image(mediaUrl(picture.media), picture.alt, picture.caption));
  const side = el("div", "picture-side");
  if (picture.caption) side.append(el("figcaption", "", picture.caption));
  if (picture.link) {
    const a = linkAnchor(picture.link);
    if (a) side.append(a);
  }
  if (picture.buttons && picture.buttons.length) side.append(buttonRows(picture.buttons));
  if (side.childElementCount) figure.append(side);
  return figure;
}

function linkAnchor(link) {
  // only web links become clickable: a javascript: or data: URL from a feed is dropped
  let url;
  try { url = new URL(link.url); } catch (e) { return null; }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const a = el("a", "link", link.label || url.hostname);
  a.href = url.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  a.append(el("span", "host", url.hostname));
  return a;
}

function renderLinks(links) {
  const box = el("div", "links");
  for (const link of links) {
    const a = linkAnchor(link);
    if (a) box.append(a);
  }
  return box;
}

function renderBot(message) {
  const row = el("div", "row bot");
  const bubble = el("div", "bubble" + (message.kind ? " kind-" + message.kind : ""));
  if (message.text) bubble.append(el("p", "text", message.text));
  const pictures = message.pictures || [];
  if (pictures.length) {
    // pictures with their own buttons or link (garments and their tags, products) are cards; others an album grid
    const cards = pictures.some((p) => (p.buttons && p.buttons.length) || p.link);
    const layout = cards ? "pictures cards" : pictures.length > 1 || message.album ? "pictures grid" : "pictures";
    const grid = el("div", layout);
    if (pictures.length > 1) grid.classList.add("n" + Math.min(pictures.length, 4));
    // a caption that only repeats the message (a look's reason) is shown once, as the message
    pictures.forEach((p) => grid.append(renderPicture(p.caption === message.text ? { ...p, caption: "" } : p)));
    bubble.append(grid);
  }
  if (message.buttons && message.buttons.length) bubble.append(buttonRows(message.buttons));
  if (message.links && message.links.length) bubble.append(renderLinks(message.links));
  row.append(bubble);
  return row;
}

function renderUser(message, previews) {
  const row = el("div", "row user");
  const photos = message.photos || [];
  const kind = message.pressed ? " pressed" : photos.length && !message.text ? " photos-only" : "";
  const bubble = el("div", "bubble" + kind);
  if (photos.length) {
    const grid = el("div", "sent-photos n" + Math.min(photos.length, 4));
    photos.forEach((photo, i) => {
      const src = previews ? previews[i] : photo.media ? mediaUrl(photo.media) : null;
      grid.append(src ? image(src, photo.name, photo.name) : el("span", "file", photo.name));
    });
    bubble.append(grid);
  }
  if (message.text) bubble.append(el("p", "text", message.text));
  row.append(bubble);
  return row;
}

function renderNote(text) {
  const row = el("div", "row note");
  row.append(el("p", "note-text", text));
  return row;
}

function append(message, previews) {
  welcome.hidden = true;
  const node = message.role === "user" ? renderUser(message, previews) : renderBot(message);
  transcript.append(node);
  return node;
}

function showTyping() {
  const row = el("div", "row bot typing");
  const bubble = el("div", "bubble");
  bubble.append(el("span", "dot"), el("span", "dot"), el("span", "dot"));
  row.append(bubble);
  transcript.append(row);
  scrollDown();
  return row;
}

function setBusy(value) {
  busy = value;
  sendButton.disabled = value;
  document.body.classList.toggle("busy", value);
  statusLine.textContent = value ? "thinking…" : "your personal stylist";
}

async function post(body, headers) {
  const response = await fetch("/api/message", { method: "POST", body, headers, credentials: "same-origin" });
  let data = {};
  try { data = await response.json(); } catch (e) { /* not JSON: a proxy or a crash */ }
  if (!response.ok) throw new Error(data.error || "Something went wrong (" + response.status + "). Please try again.");
  return data;
}

async function exchange(optimistic, body, headers) {
  setBusy(true);
  const typing = showTyping();
  try {
    const data = await post(body, headers);
    optimistic.remove();
    if (data.reset) transcript.querySelectorAll(".row").forEach((row) => row !== typing && row.remove());
    typing.remove();
    let first = null;
    for (const message of data.messages || []) {
      const row = append(message);
      if (!first && message.role === "bot") first = row;
    }
    follow(first);
    return true;
  } catch (error) {
    optimistic.remove();
    transcript.append(renderNote(error.message));
    follow(null);
    return false;
  } finally {
    typing.remove();
    setBusy(false);
  }
}

async function send() {
  const text = textBox.value.trim();
  if (busy || (!text && !pending.length)) return;
  const files = pending;
  const body = new FormData();
  body.append("text", text);
  files.forEach((p) => body.append("photos", p.file, p.file.name));
  const shown = { role: "user", text, photos: files.map((p) => ({ name: p.file.name })) };
  const optimistic = append(shown, files.map((p) => (p.file.type.startsWith("image/") ? p.url : null)));
  textBox.value = "";
  pending = [];
  renderAttachments();
  autosize();
  const ok = await exchange(optimistic, body);
  if (ok) {
    files.forEach((p) => URL.revokeObjectURL(p.url));
  } else { // nothing is lost: the text and photos come back to the composer
    if (!textBox.value) textBox.value = text;
    pending = files.concat(pending);
    renderAttachments();
    autosize();
  }
}

async function press(payload, label, button) {
  if (busy) return;
  button.classList.add("pressed");
  const optimistic = append({ role: "user", text: label, pressed: true });
  await exchange(optimistic, JSON.stringify({ action: payload, label }), { "Content-Type": "application/json" });
  button.classList.remove("pressed");
}

function addFiles(fileList) {
  for (const file of fileList) pending.push({ file, url: URL.createObjectURL(file) });
  renderAttachments();
  textBox.focus();
}

function renderAttachments() {
  attachments.replaceChildren();
  attachments.hidden = !pending.length;
  pending.forEach((p, i) => {
    const item = el("div", "attachment");
    if (p.file.type.startsWith("image/")) {
      const img = el("img");
      img.src = p.url;
      img.alt = p.file.name;
      item.append(img);
    } else {
      item.append(el("span", "file", p.file.name));
    }
    const remove = el("button", "remove", "×");
    remove.type = "button";
    remove.title = "Remove " + p.file.name;
    remove.addEventListener("click", () => {
      URL.revokeObjectURL(p.url);
      pending.splice(i, 1);
      renderAttachments();
    });
    item.append(remove);
    attachments.append(item);
  });
  sendButton.classList.toggle("ready", pending.length > 0 || textBox.value.trim() !== "");
}

function autosize() {
  textBox.style.height = "auto";
  textBox.style.height = Math.min(textBox.scrollHeight, 160) + "px";
  sendButton.classList.toggle("ready", pending.length > 0 || textBox.value.trim() !== "");
}

function openLightbox(src, alt, caption) {
  const box = $("lightbox");
  $("lightbox-image").src = src;
  $("lightbox-image").alt = alt || "";
  $("lightbox-caption").textContent = caption || "";
  box.showModal();
}

async function loadHistory() {
  try {
    const response = await fetch("/api/history", { credentials: "same-origin" });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || "Could not load the conversation.");
    const messages = data.messages || [];
    welcome.hidden = messages.length > 0;
    messages.forEach((m) => append(m));
  } catch (error) {
    transcript.append(renderNote(error.message));
  }
  follow(null); // a reload opens at the end of the conversation
}

function setUpDragAndDrop() {
  const drop = $("drop");
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
  document.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth++; drop.hidden = false; } });
  document.addEventListener("dragleave", () => { depth = Math.max(0, depth - 1); if (!depth) drop.hidden = true; });
  document.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    addFiles(e.dataTransfer.files);
  });
}

function setUp() {
  form.addEventListener("submit", (e) => { e.preventDefault(); send(); });
  textBox.addEventListener("input", autosize);
  textBox.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  textBox.addEventListener("paste", (e) => {
    const files = Array.from(e.clipboardData ? e.clipboardData.files : []);
    if (files.length) { e.preventDefault(); addFiles(files); }
  });
  for (const id of ["files", "camera"]) {
    $(id).addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
  }
  $("lightbox").addEventListener("click", () => $("lightbox").close());
  const tryButton = $("try-samples"); // the onboarding's own "sample wardrobe" step, offered before any message
  tryButton.addEventListener("click", () => press("ob|sample", tryButton.textContent, tryButton));
  setUpDragAndDrop();
  loadHistory();
}

setUp();
